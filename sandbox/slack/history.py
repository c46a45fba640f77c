"""Reading a channel back: conversations.history and conversations.replies, and message metadata.

As Slack documents them: newest first for history and oldest first for a thread; `oldest` and
`latest` bound the ts range (exclusive unless `inclusive`); `limit` with `has_more` and an opaque
`response_metadata.next_cursor`; a message's `metadata` only with `include_all_metadata`.
"""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.slack.channels import _Channels, _is_top_level
from sandbox.slack.records import Message
from sandbox.slack.replies import _SlackError

DEFAULT_LIMIT = 100
MAX_LIMIT = 999


class _History(_Channels):
    def _conversations_history(self, args: dict) -> dict:
        channel = self._readable_channel(args)
        found = [m for (ch, _), m in self._messages.items() if ch == channel and _is_top_level(m)]
        return self._page(found, args, newest_first=True)

    def _conversations_replies(self, args: dict) -> dict:
        channel = self._readable_channel(args)
        parent = str(args.get("ts") or "")
        if not parent:
            raise _SlackError("invalid_arguments")
        if (channel, parent) not in self._messages:
            raise _SlackError("thread_not_found")
        found = [m for (ch, _), m in self._messages.items()
                 if ch == channel and (m.ts == parent or m.thread_ts == parent)]
        return self._page(found, args, newest_first=False)

    def _readable_channel(self, args: dict) -> str:
        channel = self._known_channel(args.get("channel"))
        # Reading history needs the bot in the channel; chat:write.public only covers posting.
        if channel in self.outside_channels:
            raise _SlackError("not_in_channel")
        return channel

    def _page(self, found: list[Message], args: dict, *, newest_first: bool) -> dict:
        oldest, latest = _ts_arg(args.get("oldest"), "0"), _ts_arg(args.get("latest"), None)
        inclusive = _truthy(args.get("inclusive"))

        def in_range(m: Message) -> bool:
            ts = Decimal(m.ts)
            above = ts >= oldest if inclusive else ts > oldest
            below = latest is None or (ts <= latest if inclusive else ts < latest)
            return above and below

        chosen = sorted((m for m in found if in_range(m)), key=lambda m: Decimal(m.ts),
                        reverse=newest_first)
        after = _cursor_ts(args.get("cursor"))
        if after is not None:
            chosen = [m for m in chosen
                      if (Decimal(m.ts) < after if newest_first else Decimal(m.ts) > after)]
        limit = _limit(args.get("limit"))
        page, more = chosen[:limit], len(chosen) > limit
        metadata = _truthy(args.get("include_all_metadata"))
        return {
            "ok": True,
            "messages": [self._listed(m, metadata) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": _cursor(page[-1].ts) if more else ""},
        }

    def _listed(self, msg: Message, with_metadata: bool) -> dict:
        body = self._message_json(msg)
        if with_metadata and msg.metadata is not None:
            body["metadata"] = msg.metadata
        return body


def _message_metadata(args: dict) -> dict | None:
    """chat.postMessage's `metadata`: {"event_type": str, "event_payload": object}."""
    metadata = args.get("metadata")
    if metadata in (None, ""):
        return None
    if not isinstance(metadata, dict):
        raise _SlackError("invalid_metadata_format")
    if not isinstance(metadata.get("event_type"), str) or not isinstance(
            metadata.get("event_payload"), dict):
        raise _SlackError("invalid_metadata_schema")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


def _ts_arg(value: Any, default: str | None) -> Decimal | None:
    if value in (None, ""):
        return None if default is None else Decimal(default)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _SlackError("invalid_ts_oldest") from None


def _limit(value: Any) -> int:
    try:
        limit = int(value) if value not in (None, "") else DEFAULT_LIMIT
    except (TypeError, ValueError):
        raise _SlackError("invalid_limit") from None
    return max(1, min(limit, MAX_LIMIT))


def _cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts}".encode()).decode()


def _cursor_ts(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        decoded = base64.b64decode(str(value), validate=True).decode()
        return Decimal(decoded.removeprefix("next_ts:"))
    except (binascii.Error, UnicodeDecodeError, InvalidOperation):
        raise _SlackError("invalid_cursor") from None


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")
