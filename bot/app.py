"""The Bolt app: Slack's requests in, listeners registered, errors handled on purpose."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.authorization import AuthorizeResult

from bot import listeners
from bot.services import Services

log = logging.getLogger(__name__)

# Bolt's default of 5 listener threads lets a burst of commands queue behind slow API calls
# and miss Slack's 3-second window; acks must never wait for a free thread.
LISTENER_THREADS = 64


def build_app(services: Services, *, identity: dict[str, Any],
              wake_worker: Callable[[], None]) -> App:
    """`identity` is the answer of `auth.test`, read once at start-up."""
    token = services.settings.slack_bot_token.get_secret_value()

    def authorize(enterprise_id: str | None, team_id: str | None, **_: Any) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id or identity.get("team_id"),
            bot_token=token, bot_user_id=identity.get("user_id"), bot_id=identity.get("bot_id"),
        )

    signing = services.settings.slack_signing_secret
    app = App(
        logger=_bolt_logger(),
        client=services.slack,
        signing_secret=signing.get_secret_value() if signing else "socket-mode-only",
        authorize=authorize,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS,
                                             thread_name_prefix="listener"),
        request_verification_enabled=signing is not None,
    )

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        log.error("unhandled error in a listener (%s): %s", body.get("type") or
                  body.get("command"), error, exc_info=error)
        return BoltResponse(status=500, body="", headers={"X-Slack-No-Retry": "1"})

    @app.use
    def metered_client(context: BoltContext, next: Callable[[], None]) -> None:  # noqa: A002
        # Bolt gives each request a fresh plain WebClient; listeners get the bot's own instead
        # (same token, same base URL), which counts every call for /metrics.
        context["client"] = services.slack
        next()

    listeners.register(app, services, wake_worker)
    return app


def _bolt_logger() -> logging.Logger:
    """Bolt's logger, minus its warning that `authorize` replaces the client's token: that is
    the point of passing our own `authorize`, which skips a blocking `auth.test` per start."""
    logger = logging.getLogger("paidorder.bolt")
    if not logger.filters:
        logger.addFilter(lambda record: "will be ignored" not in record.getMessage())
    return logger
