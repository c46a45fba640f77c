"""Socket Mode: Slack's requests arrive over a WebSocket the bot opens, so no public URL is needed.

The connection runs in the same process as the Bot, whose HTTP listener still serves /healthz and
/bigcommerce/webhooks. slack_sdk's built-in client reconnects on its own; we only report whether
it is connected.
"""

from __future__ import annotations

import logging
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.metrics import Metrics
from bot.runtime import Bot

log = logging.getLogger(__name__)

# Requests are handled on this many threads. Like the listener pool (bot/app.py), it must not let
# a burst of commands queue behind slow work and miss Slack's 3-second window.
SOCKET_THREADS = 32


class MeteredSocketModeHandler(SocketModeHandler):
    """Times each envelope from arrival to the ack sent back over the socket, for /metrics."""

    def __init__(self, app: App, app_token: str, *, metrics: Metrics, concurrency: int) -> None:
        super().__init__(app, app_token, concurrency=concurrency)
        self.metrics = metrics

    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        started = time.perf_counter()
        try:
            super().handle(client, req)  # type: ignore[arg-type]
        finally:
            self.metrics.ack_seconds.labels(mode="socket").observe(
                time.perf_counter() - started)


def connect(bot: Bot, app_token: str) -> SocketModeHandler:
    """Open the Socket Mode connection for `bot` (non-blocking) and tie it into its health."""
    handler = MeteredSocketModeHandler(bot.app, app_token, metrics=bot.services.metrics,
                                       concurrency=SOCKET_THREADS)
    bot.slack_connected = handler.client.is_connected
    handler.connect()
    log.info("connected to Slack in Socket Mode")
    return handler
