"""Recognising a delivery Slack already made: retries (`X-Slack-Retry-Num`) and replays.

In HTTP mode Slack marks a retry with the `X-Slack-Retry-Num` header; since slack-bolt 1.29
Socket Mode copies the envelope's `retry_attempt` into the same header, so `request.headers`
answers for both modes (Bolt lower-cases header names).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltRequest
from slack_sdk.errors import SlackApiError

from bot.services import Services
from commands.deliveries import first_delivery

log = logging.getLogger(__name__)


def retry_attempt(request: BoltRequest | None) -> int:
    """Slack's retry number for this delivery; 0 for the first attempt."""
    if request is None:
        return 0
    raw = (request.headers.get("x-slack-retry-num") or ["0"])[0]
    try:
        return max(int(raw), 0)
    except (TypeError, ValueError):
        return 0


def handled_before(services: Services, body: dict[str, Any], *, kind: str, user_id: str,
                   attempt: int = 0) -> bool:
    """True when this click or command (its trigger_id) was already handled: answer quietly."""
    trigger = str(body.get("trigger_id") or "")
    if first_delivery(services.repo, trigger, kind=kind, user_id=user_id):
        return False
    log.info("ignored a repeated %s from %s (%s)", kind, user_id,
             f"Slack retry {attempt}" if attempt else "same trigger_id, a replay")
    return True


def trigger_spent(error: Exception) -> bool:
    """Slack refused a trigger_id because it was already used: an earlier delivery of this same
    click or command opened its modal (api.slack.com/docs/triggers: `exchanged_trigger_id`)."""
    return (isinstance(error, SlackApiError)
            and error.response.get("error") == "exchanged_trigger_id")
