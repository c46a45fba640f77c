"""The stand-in's shared state, and the channel and message helpers every part of it uses."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.slack.records import Call, Ephemeral, Message
from sandbox.slack.replies import _Fault, _SlackError


@dataclass
class _Trigger:
    issued: float | None  # time.time() when issued, if known
    user: str | None


@dataclass
class _ResponseTarget:
    channel: str | None
    ts: str | None
    user: str | None


class _Channels:
    """The state `SlackStandIn.__init__` sets up, shared by the parts the stand-in is made of.

    Dispatch, the Web API methods and the transcript read and write it holding `_cond`.
    """

    bot_user_id: str
    bot_id: str
    team_id: str
    bot_name: str
    latency: float
    outside_channels: set[str]
    usergroups: dict[str, list[str]]
    users: dict[str, str]
    channels: dict[str, str] | None
    _cond: threading.Condition
    _calls: list[Call]
    _faults: list[_Fault]
    _messages: dict[tuple[str, str], Message]
    _ephemerals: list[Ephemeral]
    _views: list[dict]
    _open_views: dict[str, dict]
    _triggers: dict[str, _Trigger]
    _used_triggers: set[str]
    _responses: dict[str, _ResponseTarget]
    _log: list[tuple[str, Any]]
    _last_ts_us: int
    _ids: itertools.count[int]
    _methods: dict[str, Callable[[dict], dict]]

    def _resolve_channel(self, channel: Any) -> str:
        """A channel id from an id, "#name" or "name" (chat.postMessage accepts names)."""
        value = str(channel or "")
        bare = value.removeprefix("#")
        for cid, name in (self.channels or {}).items():
            if bare == name:
                return cid
        return value

    def _known_channel(self, channel: Any) -> str:
        cid = self._resolve_channel(channel)
        if not cid:
            raise _SlackError("channel_not_found")
        # A user id as the channel posts into the DM with that user.
        if cid.startswith("U") or self.channels is None or cid in self.channels:
            return cid
        raise _SlackError("channel_not_found")

    def _channel_name(self, cid: str) -> str:
        return (self.channels or {}).get(cid, cid)

    def _next_ts(self) -> str:
        # Real Slack ts values are unix time with microseconds, unique per channel.
        now_us = int(time.time() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 100)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _store_message(
        self, channel: str, text: str, blocks: list[dict], thread_ts: str | None,
        metadata: dict | None = None,
    ) -> Message:
        msg = Message(channel, self._next_ts(), text, blocks, thread_ts, self.bot_user_id, False,
                      metadata)
        self._messages[(channel, msg.ts)] = msg
        self._log.append(("message", (channel, msg.ts)))
        return msg

    def _message_json(self, msg: Message) -> dict:
        body: dict[str, Any] = {
            "type": "message",
            "ts": msg.ts,
            "text": msg.text,
            "blocks": msg.blocks,
            "user": msg.user,
            "bot_id": self.bot_id,
            "team": self.team_id,
        }
        if msg.thread_ts:
            body["thread_ts"] = msg.thread_ts
        if msg.edited:
            body["edited"] = {"user": msg.user, "ts": msg.ts}
        return body


def _is_top_level(msg: Message) -> bool:
    return msg.thread_ts is None or msg.thread_ts == msg.ts
