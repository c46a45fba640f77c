"""What the stand-in records: calls, messages and ephemerals, as tests read them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Call:
    method: str  # e.g. "chat.postMessage"; "response_url" for posts to a response_url
    args: dict  # decoded args, token removed
    token: str | None  # from "Authorization: Bearer …" or the `token` arg
    at: float  # time.monotonic() when the request was received
    # What the stand-in answered, for helpful assertion messages. Not part of the request.
    response: dict = field(default_factory=dict, repr=False)
    status: int = field(default=200, repr=False)


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict]
    thread_ts: str | None
    user: str
    edited: bool
    # chat.postMessage `metadata` ({event_type, event_payload}); conversations.history and
    # conversations.replies return it only with include_all_metadata.
    metadata: dict | None = None


@dataclass
class Ephemeral:
    channel: str | None
    user: str | None
    text: str
    blocks: list[dict]
    via: str  # "chat.postEphemeral" | "response_url"
    key: str | None = None  # the response_url key, for via == "response_url"
