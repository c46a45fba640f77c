"""Socket Mode: Slack's requests arrive over a WebSocket the bot opens, so no public URL is needed.

The connection runs in the same process as the Bot, whose HTTP listener still serves /healthz and
/bigcommerce/webhooks. slack_sdk's built-in client reconnects on its own; we only report whether
it is connected.
"""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.runtime import Bot

log = logging.getLogger(__name__)

# Requests are handled on this many threads. Like the listener pool (bot/app.py), it must not let
# a burst of commands queue behind slow work and miss Slack's 3-second window.
SOCKET_THREADS = 32


def connect(bot: Bot, app_token: str) -> SocketModeHandler:
    """Open the Socket Mode connection for `bot` (non-blocking) and tie it into its health."""
    handler = SocketModeHandler(bot.app, app_token, concurrency=SOCKET_THREADS)
    bot.slack_connected = handler.client.is_connected
    handler.connect()
    log.info("connected to Slack in Socket Mode")
    return handler
