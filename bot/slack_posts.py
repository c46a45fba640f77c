"""Posts Slack has no idempotency key for: cards, thread replies and the daily summary.

Each such message carries its own reference in `metadata`. Before a post is tried again — after
a timeout, a dropped connection, a 5xx, an outbox retry or a crash between posting and
recording — the channel (or the card's thread) is searched for the copy an earlier try may
have left, and that copy is used instead of posting another.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from commands.repository import Repository

log = logging.getLogger(__name__)

# Slack stamps messages with its own clock; look a little earlier than our first try.
CLOCK_MARGIN = timedelta(minutes=2)
PAGE = 200
MAX_PAGES = 25
# Errors that mean the bot may not read the channel: it posts anyway (at least once) rather than
# never, and says so in the log.
UNREADABLE = frozenset({"not_in_channel", "missing_scope", "channel_not_found"})


class CardNotPostedYet(Exception):
    """A job about the card's thread or content ran before the card was posted."""


@dataclass(frozen=True)
class Tag:
    """What a message says about itself in `metadata`."""

    event_type: str
    payload: dict[str, str]

    @property
    def metadata(self) -> dict[str, Any]:
        return {"event_type": self.event_type, "event_payload": self.payload}

    def on(self, message: dict[str, Any]) -> bool:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        return (metadata.get("event_type") == self.event_type
                and all(str(payload.get(k)) == v for k, v in self.payload.items()))


def card_tag(ref: str) -> Tag:
    return Tag("paidorder_request", {"ref": ref})


def shipment_tag(ref: str, shipment_id: int) -> Tag:
    return Tag("paidorder_shipment", {"ref": ref, "shipment_id": str(shipment_id)})


def reminder_tag(ref: str, number: int) -> Tag:
    return Tag("paidorder_reminder", {"ref": ref, "number": str(number)})


def summary_tag(day: str) -> Tag:
    return Tag("paidorder_summary", {"day": day})


def posted_copies(client: WebClient, channel: str, tag: Tag, *, since: datetime,
                  thread_ts: str | None = None) -> list[dict[str, Any]] | None:
    """The messages carrying `tag` posted since `since`, oldest first; None if the bot may not
    read the channel."""
    oldest = f"{(since - CLOCK_MARGIN).timestamp():.6f}"
    found: list[dict[str, Any]] = []
    cursor = None
    try:
        for _ in range(MAX_PAGES):
            args = dict(channel=channel, oldest=oldest, include_all_metadata=True, limit=PAGE,
                        cursor=cursor)
            page = (client.conversations_replies(ts=thread_ts, **args) if thread_ts
                    else client.conversations_history(**args))
            found += [m for m in page.get("messages") or [] if tag.on(m)]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not (page.get("has_more") and cursor):
                break
    except SlackApiError as exc:
        if exc.response.get("error") not in UNREADABLE:
            raise
        log.warning("can't read %s to look for an earlier %s (%s); posting it again may show "
                    "it twice", channel, tag.event_type, exc.response.get("error"))
        return None
    return sorted(found, key=lambda m: Decimal(str(m["ts"])))


def tries(repo: Repository, ref: str, action: str, **detail: Any) -> list[datetime]:
    """When a post recorded as `action` (with `detail`) was tried, oldest first."""
    return [entry["at"] for entry in repo.audit_trail(ref=ref)
            if entry["action"] == action
            and all((entry["detail"] or {}).get(k) == v for k, v in detail.items())]


def message_link(workspace_url: str | None, channel: str, ts: str) -> str | None:
    """A message's permalink, built the way Slack builds them (…/archives/C…/p<ts digits>)."""
    if not workspace_url:
        return None
    return f"{workspace_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
