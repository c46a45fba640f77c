"""Which failed Slack calls slack_sdk may send again by itself.

A message post has no idempotency key: sending it again after a timeout, a dropped connection or
a 5xx can post it twice, because Slack may have posted it before the failure. Those posts are
left to the code that looks for an earlier copy first (bot/slack_posts.py). A 429 means Slack
did nothing, and a refused connection never reached it, so those are repeated for every call.
"""

from __future__ import annotations

import socket
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

# Web API methods whose repetition leaves a second message for everyone to see. An ephemeral is
# not among them: a doubled one is seen by one person and gone on reload, while a lost one
# leaves a click unanswered. Nor is files.completeUploadExternal: it completes the upload of one
# file id, and a repeat names that same file.
NOT_REPEATABLE = frozenset({"chat.postMessage", "chat.scheduleMessage"})


def slack_retry_handlers() -> list[RetryHandler]:
    return [
        _ConnectionErrors(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        _ServerErrors(max_retry_count=2),
    ]


def repeatable(request: HttpRequest) -> bool:
    return urlsplit(request.url).path.rsplit("/", 1)[-1] not in NOT_REPEATABLE


def never_reached_slack(error: Exception | None) -> bool:
    reason = error.reason if isinstance(error, URLError) else None
    return isinstance(reason, (ConnectionRefusedError, socket.gaierror))


class _ConnectionErrors(ConnectionErrorRetryHandler):
    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if not (repeatable(request) or never_reached_slack(error)):
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class _ServerErrors(ServerErrorRetryHandler):
    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return repeatable(request) and super()._can_retry(
            state=state, request=request, response=response, error=error)
