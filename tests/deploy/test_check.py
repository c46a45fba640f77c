"""`paidorder check` against the sandbox store and the Slack stand-in, and each way it fails."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot import check
from bot.cli import main
from sandbox.slack import SlackStandIn


def run_check(**values: Any) -> tuple[int, list[str]]:
    out = io.StringIO()
    status = check.run(out, **values)
    return status, out.getvalue().splitlines()


def failures(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("✗")]


def test_a_good_deployment_passes_every_check(settings_values: dict[str, Any]) -> None:
    status, lines = run_check(**settings_values)

    assert status == 0, "\n".join(lines)
    assert failures(lines) == []
    text = "\n".join(lines)
    for expected in ("configuration is valid", "Slack accepted the bot token",
                     "approval channel #approvals exists and the bot is in it",
                     "user group S0FINANCE is readable", "is reachable and accepted the access",
                     "can read orders", "can read products", "can read customers",
                     "database at sqlite:///", "All checks passed"):
        assert expected in text


def test_the_built_in_sandbox_store_passes_too(settings_values: dict[str, Any]) -> None:
    values = {k: v for k, v in settings_values.items() if not k.startswith("bigcommerce_")}
    status, lines = run_check(**values, bigcommerce_sandbox=True)
    assert status == 0, "\n".join(lines)


def test_a_missing_variable_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str],
                                     settings_values: dict[str, Any]) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name, value in settings_values.items():
        if not name.startswith("_") and name != "paidorder_approvers":
            monkeypatch.setenv(name.upper(), str(value))

    status = main(["check"])

    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    assert lines[0] == ("✗ The configuration is not valid: PAIDORDER_APPROVERS is not set; "
                        "it is required.")


def test_a_wrong_bot_token_is_named(settings_values: dict[str, Any]) -> None:
    status, lines = run_check(**{**settings_values, "slack_bot_token": "xoxb-not-the-token"})

    assert status == 1
    assert failures(lines) == ["✗ Slack refused SLACK_BOT_TOKEN (invalid_auth: the token is "
                               "not valid; copy the Bot User OAuth Token (xoxb-…) again)."]
    assert any("BigCommerce store" in line for line in lines), "the other checks still run"


def test_an_unknown_approval_channel(settings_values: dict[str, Any]) -> None:
    status, lines = run_check(**{**settings_values, "paidorder_approval_channel": "C0NOPE"})

    assert status == 1
    [line] = failures(lines)
    assert "approval channel C0NOPE is unknown" in line


def test_a_channel_without_the_bot_says_how_to_invite_it(
        settings_values: dict[str, Any], slack: SlackStandIn) -> None:
    def outside(args: dict) -> dict:
        return {"ok": True, "channel": {"id": args["channel"], "name": "approvals",
                                        "is_member": False, "is_archived": False}}
    slack._methods["conversations.info"] = outside  # noqa: SLF001

    status, lines = run_check(**settings_values)

    assert status == 1
    assert failures(lines) == ["✗ The bot is not in the approval channel #approvals: invite the "
                               "bot with /invite @paid-orders in that channel."]


@pytest.mark.parametrize(("error", "explained"), [
    ("missing_scope", "add the scopes from app-manifest.yml and reinstall"),
    ("plan_upgrade_required", "list approvers by user id (U…)"),
])
def test_an_unreadable_user_group_is_explained(settings_values: dict[str, Any],
                                               slack: SlackStandIn, error: str,
                                               explained: str) -> None:
    slack.fail_next("usergroups.users.list", error=error)

    status, lines = run_check(**settings_values)

    assert status == 1
    [line] = failures(lines)
    assert f"user group S0FINANCE cannot be read ({error}" in line and explained in line


def test_an_app_that_cannot_read_the_approval_channel_back_is_told_to_reinstall(
    settings_values: dict[str, Any], slack: SlackStandIn
) -> None:
    slack.fail_next("conversations.history", error="missing_scope")

    status, lines = run_check(**settings_values)

    assert status == 1
    [line] = failures(lines)
    assert "cannot read the approval channel #approvals back (missing_scope" in line
    assert "add the scopes from app-manifest.yml and reinstall" in line


def test_a_rejected_bigcommerce_token(settings_values: dict[str, Any]) -> None:
    status, lines = run_check(**{**settings_values, "bigcommerce_access_token": "wrong"})

    assert status == 1
    assert failures(lines) == ["✗ BigCommerce rejected the access token (HTTP 401, token "
                               "rejected): check BIGCOMMERCE_ACCESS_TOKEN and "
                               "BIGCOMMERCE_STORE_HASH."]


class _NoProductsScope(BaseHTTPRequestHandler):
    """A store whose API account lacks the Products scope: the catalog answers 403."""

    def do_GET(self) -> None:
        path = self.path.split("?")[0].split("/stores/h", 1)[-1]
        status, body = {
            "/v2/store": (200, {"id": "h", "name": "Scoped Store"}),
            "/v2/orders": (200, []),
            "/v3/customers": (200, {"data": [], "meta": {}}),
        }.get(path, (403, {"status": 403, "title": "You don't have a required scope to access "
                                                  "the endpoint"}))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def scoped_store() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NoProductsScope)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_missing_bigcommerce_scope_is_named(settings_values: dict[str, Any],
                                              scoped_store: str) -> None:
    status, lines = run_check(**{**settings_values, "bigcommerce_api_url": scoped_store,
                                 "bigcommerce_store_hash": "h"})

    assert status == 1
    assert failures(lines) == ["✗ The BigCommerce API account may not read products (HTTP 403):"
                               " give it the “Products: read-only” scope in the control panel "
                               "(Settings → Store-level API accounts)."]
    assert "✓ The BigCommerce API account can read orders." in lines


def test_an_unreachable_database(settings_values: dict[str, Any], tmp_path: Path) -> None:
    missing_dir = tmp_path / "no" / "such" / "dir" / "x.db"
    status, lines = run_check(**{**settings_values, "database_url": f"sqlite:///{missing_dir}"})

    assert status == 1
    [line] = failures(lines)
    assert line == (f"✗ DATABASE_URL points at {missing_dir}, but the directory "
                    f"{missing_dir.parent} does not exist; create it first.")


def test_pending_migrations_are_reported(settings_values: dict[str, Any],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check.Repository, "pending_migrations",
                        lambda self: ["0002_shipments"], raising=False)

    status, lines = run_check(**settings_values)

    assert status == 0
    assert any("1 schema migration(s) will be applied when the bot starts: 0002_shipments" in line
               for line in lines)
