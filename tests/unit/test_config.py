"""Settings from the environment: every mistake is one plain sentence that names the variable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.config import ConfigError, Settings, load_settings

BASE = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
    "SLACK_SIGNING_SECRET": "secret",
    "BIGCOMMERCE_STORE_HASH": "abc123",
    "BIGCOMMERCE_ACCESS_TOKEN": "tok",
    "PAIDORDER_APPROVAL_CHANNEL": "C0APPROVALS",
    "PAIDORDER_APPROVERS": "U0APPROVER,S0FINANCE",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]  # no stray .env can be read
    for name, value in BASE.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def load() -> Settings:
    return load_settings(_env_file=None)


def problem(env: pytest.MonkeyPatch, **changes: str | None) -> str:
    for name, value in changes.items():
        if value is None:
            env.delenv(name, raising=False)
        else:
            env.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load()
    message = str(caught.value)
    assert "\n" not in message and message.endswith(".")
    assert "ValidationError" not in message and "pydantic" not in message
    return message


def test_a_complete_environment_loads_with_defaults(env: pytest.MonkeyPatch) -> None:
    settings = load()
    assert settings.approvers == ["U0APPROVER", "S0FINANCE"]
    assert settings.requesters == []
    assert settings.summary_channel == "C0APPROVALS"
    assert settings.paidorder_summary_cron == "0 9 * * *"
    assert str(settings.timezone) == "UTC"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.bigcommerce_api_url == "https://api.bigcommerce.com"
    assert settings.paidorder_external_source == "Slack (paidorder)"
    assert settings.database_url == "sqlite:///paidorder.db"
    assert not settings.socket_mode


def test_missing_bot_token_is_named(env: pytest.MonkeyPatch) -> None:
    assert problem(env, SLACK_BOT_TOKEN=None) == "SLACK_BOT_TOKEN is not set; it is required."


def test_a_user_token_is_not_a_bot_token(env: pytest.MonkeyPatch) -> None:
    message = problem(env, SLACK_BOT_TOKEN="xoxp-user-token")
    assert message.startswith("SLACK_BOT_TOKEN ") and "xoxb-" in message
    assert "xoxp-user-token" not in message  # tokens never appear in messages


def test_missing_approval_channel_and_approvers_are_both_named(env: pytest.MonkeyPatch) -> None:
    message = problem(env, PAIDORDER_APPROVAL_CHANNEL=None, PAIDORDER_APPROVERS=None)
    assert "PAIDORDER_APPROVAL_CHANNEL is not set" in message
    assert "PAIDORDER_APPROVERS is not set" in message


@pytest.mark.parametrize("approvers", ["U0APPROVER,#finance", "@avery", "u0lower"])
def test_a_bad_approver_id_is_named(env: pytest.MonkeyPatch, approvers: str) -> None:
    message = problem(env, PAIDORDER_APPROVERS=approvers)
    assert message.startswith("PAIDORDER_APPROVERS has ")
    assert "not a user id (U…) or user group id (S…)" in message


def test_an_empty_approver_list_is_refused(env: pytest.MonkeyPatch) -> None:
    assert problem(env, PAIDORDER_APPROVERS=" , ") == (
        "PAIDORDER_APPROVERS needs at least one user id (U…) or user group id (S…).")


def test_a_bad_requester_id_is_named(env: pytest.MonkeyPatch) -> None:
    assert problem(env, PAIDORDER_REQUESTERS="sales-team").startswith(
        "PAIDORDER_REQUESTERS has 'sales-team'")


@pytest.mark.parametrize("name", ["PAIDORDER_APPROVAL_CHANNEL", "PAIDORDER_SUMMARY_CHANNEL"])
def test_a_channel_name_instead_of_an_id_is_refused(env: pytest.MonkeyPatch, name: str) -> None:
    assert problem(env, **{name: "#approvals"}) == (
        f"{name} must be a channel id like C0123ABCD (not a #name).")


@pytest.mark.parametrize("cron", ["every day", "0 9 * *", "61 9 * * *"])
def test_a_bad_cron_is_refused(env: pytest.MonkeyPatch, cron: str) -> None:
    assert problem(env, PAIDORDER_SUMMARY_CRON=cron).startswith(
        "PAIDORDER_SUMMARY_CRON is not a five-field cron expression")


@pytest.mark.parametrize("seconds", ["9", "86401", "99999999999"])
def test_a_poll_interval_outside_ten_seconds_to_a_day_is_refused(
    env: pytest.MonkeyPatch, seconds: str
) -> None:
    assert problem(env, PAIDORDER_POLL_SECONDS=seconds) == (
        "PAIDORDER_POLL_SECONDS must be from 10 to 86400 seconds (one day).")


@pytest.mark.parametrize("name", ["SLACK_API_URL", "BIGCOMMERCE_API_URL"])
@pytest.mark.parametrize("url", ["not a url", "slack.com/api", "ftp://slack.com/api/",
                                 "https://", "https://exa mple.com/"])
def test_an_api_address_that_is_not_one_is_refused(env: pytest.MonkeyPatch, name: str,
                                                   url: str) -> None:
    assert problem(env, **{name: url}) == f"{name} must be an http:// or https:// address."


@pytest.mark.parametrize("cron", ["0 9 31 2 *", "0 9 30 2 *", "0 9 31 4,6,9,11 *"])
def test_a_cron_that_can_never_fire_is_refused(env: pytest.MonkeyPatch, cron: str) -> None:
    assert problem(env, PAIDORDER_SUMMARY_CRON=cron) == (
        "PAIDORDER_SUMMARY_CRON matches no date in any year, so the summary would never be "
        "posted.")


def test_a_good_cron_and_timezone_are_kept(env: pytest.MonkeyPatch) -> None:
    env.setenv("PAIDORDER_SUMMARY_CRON", "30 17 * * mon-fri")
    env.setenv("PAIDORDER_TIMEZONE", "Europe/Berlin")
    settings = load()
    assert settings.paidorder_summary_cron == "30 17 * * mon-fri"
    assert str(settings.timezone) == "Europe/Berlin"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "CEST+2", "../etc/passwd"])
def test_a_bad_timezone_is_refused(env: pytest.MonkeyPatch, zone: str) -> None:
    assert problem(env, PAIDORDER_TIMEZONE=zone) == (
        "PAIDORDER_TIMEZONE is not an IANA time zone such as Europe/Berlin.")


@pytest.mark.parametrize("name", ["BIGCOMMERCE_STORE_HASH", "BIGCOMMERCE_ACCESS_TOKEN"])
def test_bigcommerce_credentials_are_required_without_the_sandbox(
    env: pytest.MonkeyPatch, name: str
) -> None:
    message = problem(env, **{name: None})
    assert name in message and "BIGCOMMERCE_SANDBOX=1" in message


def test_the_sandbox_makes_bigcommerce_credentials_optional(env: pytest.MonkeyPatch) -> None:
    env.delenv("BIGCOMMERCE_STORE_HASH")
    env.delenv("BIGCOMMERCE_ACCESS_TOKEN")
    env.setenv("BIGCOMMERCE_SANDBOX", "1")
    settings = load()
    assert settings.bigcommerce_sandbox
    assert settings.bigcommerce_store_hash is None


def test_slack_api_url_gets_its_trailing_slash(env: pytest.MonkeyPatch) -> None:
    env.setenv("SLACK_API_URL", "http://127.0.0.1:9000/api")
    assert load().slack_api_url == "http://127.0.0.1:9000/api/"
    env.setenv("SLACK_API_URL", "http://127.0.0.1:9000/api/")
    assert load().slack_api_url == "http://127.0.0.1:9000/api/"


def test_an_app_token_selects_socket_mode(env: pytest.MonkeyPatch) -> None:
    env.setenv("SLACK_APP_TOKEN", "xapp-1-abc")
    assert load().socket_mode
    env.setenv("SLACK_APP_TOKEN", "")
    assert not load().socket_mode
    assert "SLACK_APP_TOKEN" in problem(env, SLACK_APP_TOKEN="xoxb-wrong-kind")


def test_poll_seconds_has_a_floor(env: pytest.MonkeyPatch) -> None:
    assert problem(env, PAIDORDER_POLL_SECONDS="1").startswith("PAIDORDER_POLL_SECONDS")


def test_secrets_are_not_shown_in_the_settings_repr(env: pytest.MonkeyPatch) -> None:
    env.setenv("PAIDORDER_WEBHOOK_SECRET", "hook-secret-value")
    shown = repr(load())
    for secret in ("xoxb-1-2-abc", "hook-secret-value", "tok'"):
        assert secret not in shown


def test_summary_channel_defaults_to_the_approval_channel(env: pytest.MonkeyPatch) -> None:
    env.setenv("PAIDORDER_SUMMARY_CHANNEL", "C0SUMMARY")
    assert load().summary_channel == "C0SUMMARY"


def test_requiring_proof_makes_the_payment_proof_required(env: pytest.MonkeyPatch) -> None:
    assert load().paidorder_require_proof is False
    env.setenv("PAIDORDER_REQUIRE_PROOF", "1")
    assert load().paidorder_require_proof is True
    env.setenv("PAIDORDER_REQUIRE_PROOF", "0")
    assert load().paidorder_require_proof is False
    assert "PAIDORDER_REQUIRE_PROOF" in problem(env, PAIDORDER_REQUIRE_PROOF="sometimes")


def test_the_second_approval_threshold_is_unset_by_default(env: pytest.MonkeyPatch) -> None:
    assert load().paidorder_second_approval_over is None


@pytest.mark.parametrize(("typed", "amount"), [("250", "250"), ("250.00", "250.00"),
                                               (" 0.01 ", "0.01"), ("", None)])
def test_the_second_approval_threshold_is_an_amount(env: pytest.MonkeyPatch, typed: str,
                                                    amount: str | None) -> None:
    env.setenv("PAIDORDER_SECOND_APPROVAL_OVER", typed)
    held = load().paidorder_second_approval_over
    assert held == (Decimal(amount) if amount else None)
    assert held is None or isinstance(held, Decimal)


@pytest.mark.parametrize("typed", ["0", "0.00", "-5", "250.001", "1e3", "NaN", "Infinity",
                                   "two hundred", "250,00", "$250"])
def test_a_bad_second_approval_threshold_stops_start_up_with_one_sentence(
        env: pytest.MonkeyPatch, typed: str) -> None:
    assert problem(env, PAIDORDER_SECOND_APPROVAL_OVER=typed) == (
        "PAIDORDER_SECOND_APPROVAL_OVER must be an amount greater than 0 with at most two "
        "decimals, like 250.00.")
