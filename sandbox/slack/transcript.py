"""The conversation so far as readable text, in the order things happened."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from sandbox.slack.blocks import _txt, render_blocks
from sandbox.slack.channels import _Channels, _is_top_level
from sandbox.slack.records import Ephemeral, Message


class _Transcript(_Channels):
    """`transcript()` and the lines each logged event becomes."""

    _file_lines: Callable[[Any], list[str]]  # _Files'

    def transcript(self) -> str:
        """The conversation so far as readable text, in the order things happened."""
        with self._cond:
            lines: list[str] = []
            for kind, item in self._log:
                lines += self._transcript_entry(kind, item)
            return "\n".join(lines)

    def _transcript_entry(self, kind: str, item: Any) -> list[str]:
        if kind == "message":
            return self._message_lines(*item)
        if kind == "deleted":
            return [f"{self._where(item.channel)} · message {item.ts} deleted"]
        if kind == "ephemeral":
            return self._ephemeral_lines(item)
        if kind == "file":
            return self._file_lines(item)
        return [self._view_line(item)]

    def _message_lines(self, channel: str, ts: str) -> list[str]:
        msg = self._messages.get((channel, ts))
        # Replies are shown under their parent; deleted messages have their own entry.
        if msg is None or (not _is_top_level(msg) and (channel, msg.thread_ts) in self._messages):
            return []
        edited = " (edited)" if msg.edited else ""
        orphan = f" (reply to missing {msg.thread_ts})" if not _is_top_level(msg) else ""
        lines = [f"{self._where(channel)} · {self.bot_name}{edited}{orphan}"]
        lines.append(textwrap.indent(_body(msg.text, msg.blocks), "  "))
        for reply in self._replies(channel, ts):
            lines.append(_reply_line(reply))
        return lines

    def _replies(self, channel: str, ts: str) -> list[Message]:
        return [
            m
            for (ch, _), m in self._messages.items()
            if ch == channel and m.thread_ts == ts and m.ts != ts
        ]

    def _ephemeral_lines(self, eph: Ephemeral) -> list[str]:
        who = self._who(eph.user) if eph.user else "the requester"
        where = f" in {self._where(eph.channel)}" if eph.channel else ""
        via = f" (response_url {eph.key})" if eph.via == "response_url" else ""
        return _labelled(f"ephemeral to {who}{where}{via}: ", _body(eph.text, eph.blocks))

    def _view_line(self, entry: dict) -> str:
        title = _txt(entry["view"].get("title")) or entry["view"].get("callback_id", "")
        who = f" for {self._who(entry['user'])}" if entry.get("user") else ""
        verb = {"views.open": "opened", "views.push": "pushed", "views.update": "updated"}
        return f"modal {verb.get(entry['method'], entry['method'])}{who}: {title} ({entry['id']})"

    def _where(self, channel: str | None) -> str:
        cid = channel or ""
        if cid.startswith("response:"):
            return cid
        if cid.startswith("U"):
            return f"DM with {self._who(cid)}"
        return f"#{self._channel_name(cid)}"

    def _who(self, uid: str | None) -> str:
        name = self.users.get(uid or "")
        return f"{name} ({uid})" if name else str(uid)


def _body(text: str, blocks: list[dict]) -> str:
    return render_blocks(blocks) if blocks else text


def _labelled(label: str, body: str) -> list[str]:
    """label + first line, the rest of the body indented under it."""
    first, *rest = body.splitlines() or [""]
    return [label + first] + [f"    {line}" for line in rest]


def _reply_line(reply: Message) -> str:
    edited = " (edited)" if reply.edited else ""
    return "\n".join(_labelled(f"  ↳ thread reply{edited}: ", _body(reply.text, reply.blocks)))
