"""`paidorder check`: is this deployment ready? One plain sentence per check, ✓ or ✗.

It reads the same settings as `serve`, then asks Slack and BigCommerce the questions the bot will
depend on, with read-only calls only. The exit status is 0 only when every check passed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import text

from bot.config import ConfigError, Settings, load_settings
from bot.services import bigcommerce_client
from commands.bigcommerce import BigCommerceClient
from commands.bigcommerce_errors import (
    AuthenticationFailed,
    BigCommerceError,
    PermissionDenied,
    Unavailable,
)
from commands.database import DatabaseProblem, unusable
from commands.repository import Repository, connect
from commands.webhook_upkeep import hook_states

# What each Slack error means to the person running the check.
_SLACK_ERRORS = {
    "invalid_auth": "the token is not valid; copy the Bot User OAuth Token (xoxb-…) again",
    "not_authed": "no token was sent",
    "token_revoked": "the token was revoked; reinstall the app and copy the new token",
    "account_inactive": "the app was uninstalled or its workspace is inactive",
    "missing_scope": "the app lacks a scope; add the scopes from app-manifest.yml and reinstall",
    "plan_upgrade_required": "user groups need a paid Slack plan; list approvers by user id "
                             "(U…) in PAIDORDER_APPROVERS instead",
    "no_such_subteam": "there is no such user group in this workspace",
    "channel_not_found": "the channel is unknown to the bot (a wrong id, or a private channel "
                         "the bot was not invited to)",
}

# The API paths the bot uses, by the scope an admin ticks on the BigCommerce API account.
_BIGCOMMERCE_SCOPES = (
    ("orders", "/v2/orders"),
    ("products", "/v3/catalog/variants"),
    ("customers", "/v3/customers"),
)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    sentence: str

    def line(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.sentence}"


def passed(sentence: str) -> Outcome:
    return Outcome(True, sentence)


def failed(sentence: str) -> Outcome:
    return Outcome(False, sentence)


def run(out: IO[str] | None = None, **overrides: Any) -> int:
    """Run every check, print one line each to `out`; 0 when all passed, else 1.

    `overrides` go to `load_settings` (tests use them instead of the environment)."""
    out = out or sys.stdout
    all_ok = True
    for outcome in checks(**overrides):
        print(outcome.line(), file=out, flush=True)
        all_ok = all_ok and outcome.ok
    print("All checks passed." if all_ok else "Some checks failed; see the lines marked ✗.",
          file=out)
    return 0 if all_ok else 1


def checks(**overrides: Any) -> Iterator[Outcome]:
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        yield failed(f"The configuration is not valid: {exc}")
        return
    mode = "Socket Mode" if settings.socket_mode else "HTTP mode"
    yield passed(f"The configuration is valid ({mode}).")
    yield from slack_checks(settings)
    yield from bigcommerce_checks(settings)
    yield database_check(settings)


# --------------------------------------------------------------------------- Slack


def slack_checks(settings: Settings) -> Iterator[Outcome]:
    client = WebClient(token=settings.slack_bot_token.get_secret_value(),
                       base_url=settings.slack_api_url, timeout=10)
    try:
        identity = client.auth_test()
    except SlackApiError as exc:
        yield failed(f"Slack refused SLACK_BOT_TOKEN ({_slack_reason(exc)}).")
        return
    except OSError as exc:
        yield failed(f"Slack could not be reached at {settings.slack_api_url} ({exc}).")
        return
    bot_name = identity.get("user") or "the bot"
    yield passed(f"Slack accepted the bot token: @{bot_name} in {identity.get('team')}.")
    yield channel_check(client, settings.paidorder_approval_channel, "approval", bot_name)
    if settings.summary_channel != settings.paidorder_approval_channel:
        yield channel_check(client, settings.summary_channel, "summary", bot_name)
    yield from group_checks(client, settings)


def channel_check(client: WebClient, channel: str, role: str, bot_name: str) -> Outcome:
    try:
        info = client.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError as exc:
        if _slack_error(exc) == "channel_not_found":
            return failed(f"The {role} channel {channel} is unknown to Slack or to the bot: "
                          "check the channel id, and invite the bot if the channel is private.")
        return failed(f"Slack would not describe the {role} channel {channel} "
                      f"({_slack_reason(exc)}).")
    except OSError as exc:
        return failed(f"Slack could not be reached to look up the {role} channel ({exc}).")
    name = f"#{info.get('name')}" if info.get("name") else channel
    if info.get("is_archived"):
        return failed(f"The {role} channel {name} is archived: unarchive it or pick another.")
    if not info.get("is_member"):
        return failed(f"The bot is not in the {role} channel {name}: "
                      f"invite the bot with /invite @{bot_name} in that channel.")
    try:
        client.conversations_history(channel=channel, limit=1)
    except SlackApiError as exc:
        # Without it a post that failed unclearly may be posted a second time.
        return failed(f"The bot cannot read the {role} channel {name} back "
                      f"({_slack_reason(exc)}).")
    except OSError as exc:
        return failed(f"Slack could not be reached to read the {role} channel ({exc}).")
    return passed(f"The {role} channel {name} exists and the bot is in it.")


def group_checks(client: WebClient, settings: Settings) -> Iterator[Outcome]:
    groups = [i for i in settings.approvers + settings.requesters if i.startswith("S")]
    if not groups:
        yield passed("Approvers are listed by user id; no user groups to read.")
        return
    for group in dict.fromkeys(groups):
        try:
            members = client.usergroups_users_list(usergroup=group).get("users") or []
        except SlackApiError as exc:
            yield failed(f"The user group {group} cannot be read ({_slack_reason(exc)}).")
            continue
        except OSError as exc:
            yield failed(f"Slack could not be reached to read the user group {group} ({exc}).")
            continue
        count = f"{len(members)} member{'' if len(members) == 1 else 's'}"
        yield passed(f"The user group {group} is readable ({count}).")


def _slack_error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") or "unknown_error")


def _slack_reason(exc: SlackApiError) -> str:
    error = _slack_error(exc)
    meaning = _SLACK_ERRORS.get(error)
    if error == "missing_scope" and exc.response.get("needed"):
        meaning = (f"the app lacks the {exc.response['needed']} scope; add it (see "
                   "app-manifest.yml) and reinstall the app")
    return f"{error}: {meaning}" if meaning else error


# --------------------------------------------------------------------------- BigCommerce


def bigcommerce_checks(settings: Settings) -> Iterator[Outcome]:
    stoppers: list[Callable[[], None]] = []
    try:
        client = bigcommerce_client(settings, stoppers)
        client.max_retries = 1  # a check should answer quickly, not ride out an outage
        outcomes = list(_bigcommerce_checks(client))
        yield from outcomes
        if all(outcome.ok for outcome in outcomes):
            yield from webhook_checks(client, settings)
    finally:
        for stop in reversed(stoppers):
            stop()


def _bigcommerce_checks(client: BigCommerceClient) -> Iterator[Outcome]:
    try:
        store = client.store()
    except AuthenticationFailed:
        yield failed("BigCommerce rejected the access token (HTTP 401, token rejected): check "
                     "BIGCOMMERCE_ACCESS_TOKEN and BIGCOMMERCE_STORE_HASH.")
        return
    except Unavailable as exc:
        yield failed(f"BigCommerce could not be reached: {exc}")
        return
    except PermissionDenied as exc:
        yield failed(_missing_scope("store information", exc))
    except BigCommerceError as exc:
        yield failed(f"BigCommerce did not answer the store request: {exc}")
        return
    else:
        yield passed(f"BigCommerce store “{store.name}” is reachable and accepted the "
                     "access token.")
    for what, path in _BIGCOMMERCE_SCOPES:
        try:
            client.request("GET", path, params={"limit": 1})
        except PermissionDenied as exc:
            yield failed(_missing_scope(what, exc))
        except BigCommerceError as exc:
            yield failed(f"BigCommerce {what} could not be read: {exc}")
        else:
            yield passed(f"The BigCommerce API account can read {what}.")


def webhook_checks(client: BigCommerceClient, settings: Settings) -> Iterator[Outcome]:
    """The bot's hooks and whether BigCommerce has switched any off (informational: polling
    tracks orders without them, and `serve` turns inactive hooks back on)."""
    if settings.paidorder_webhook_secret is None:
        yield passed("Webhooks are off (PAIDORDER_WEBHOOK_SECRET is not set); polling tracks "
                     "orders.")
        return
    try:
        hooks = hook_states(client)
    except BigCommerceError as exc:
        yield failed(f"The BigCommerce webhooks could not be listed: {exc}")
        return
    if not hooks:
        yield passed("No BigCommerce webhooks point at the bot yet; polling tracks orders "
                     "(run `paidorder webhooks register --url …` for faster updates).")
    for hook in hooks:
        state = ("active" if hook.active else "inactive: BigCommerce switched it off, and the "
                 "bot turns it back on when it starts and daily")
        yield passed(f"Webhook {hook.id} ({hook.scope} → {hook.destination}) is {state}.")


def _missing_scope(what: str, exc: PermissionDenied) -> str:
    scope = f"the “{exc.scope_hint}” scope" if exc.scope_hint else "a scope"
    return (f"The BigCommerce API account may not read {what} (HTTP 403): give it {scope} "
            "in the control panel (Settings → Store-level API accounts).")


# --------------------------------------------------------------------------- database


def database_check(settings: Settings) -> Outcome:
    try:
        engine = connect(settings.database_url)
    except DatabaseProblem as exc:
        return failed(str(exc))
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        pending = getattr(Repository(engine), "pending_migrations", None)
        waiting = list(pending()) if callable(pending) else []
    except Exception as exc:
        return failed(str(unusable(engine.url, exc)))
    finally:
        engine.dispose()
    if waiting:
        return passed(f"The database at {shown} is reachable; {len(waiting)} schema "
                      f"migration(s) will be applied when the bot starts: "
                      f"{', '.join(map(str, waiting))}.")
    return passed(f"The database at {shown} is reachable.")
