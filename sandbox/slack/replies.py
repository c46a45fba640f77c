"""What a Web API call answers: a reply, a Slack error code, or an injected fault."""

from __future__ import annotations

from dataclasses import dataclass, field


class _SlackError(Exception):
    """Raised by a method handler to answer {"ok": false, "error": code}."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class _Reply:
    payload: dict | str | bytes  # bytes: a file's content, served as its headers say
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Fault:
    method: str
    error: str | None
    status: int
    retry_after: int
    times: int

    def reply(self) -> _Reply:
        # Slack rate-limits with HTTP 429 + Retry-After, always (api.slack.com/apis/rate-limits).
        if self.status == 429 or self.error == "ratelimited":
            body = {"ok": False, "error": "ratelimited"}
            return _Reply(body, 429, {"Retry-After": str(self.retry_after)})
        # A 5xx, or a plain {"ok": false} at whatever status was asked for.
        return _Reply({"ok": False, "error": self.error or "internal_error"}, self.status)


@dataclass
class _SlowAnswer:
    """The method does its work at once but answers only after `seconds`, as a Slack that is
    slow to respond (not slow to act) does: a client that gave up meanwhile missed a success."""

    method: str
    seconds: float
    times: int


def _as_dict(reply: _Reply) -> dict:
    if isinstance(reply.payload, bytes):
        return {"bytes": len(reply.payload)}
    return reply.payload if isinstance(reply.payload, dict) else {"body": reply.payload}
