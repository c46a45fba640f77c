"""slack_sdk repeats a failed call by itself only where repeating cannot post twice."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.state import RetryState

from bot.slack_retries import slack_retry_handlers
from sandbox.slack import SlackStandIn

TOKEN = "xoxb-test"
CHANNEL = "C0APPROVALS"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    standin = SlackStandIn(bot_token=TOKEN, channels={CHANNEL: "approvals"}).start()
    yield standin
    standin.stop()


@pytest.fixture
def client(slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch) -> WebClient:
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.random.random", lambda: 0.0)
    return WebClient(token=TOKEN, base_url=slack.api_url, retry_handlers=slack_retry_handlers())


def statuses(slack: SlackStandIn, method: str) -> list[int]:
    return [c.status for c in slack.calls_to(method)]


def test_a_post_that_got_a_5xx_is_left_to_the_caller(slack: SlackStandIn,
                                                     client: WebClient) -> None:
    slack.fail_next("chat.postMessage", status=503)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=CHANNEL, text="card")
    assert statuses(slack, "chat.postMessage") == [503]


def test_an_update_that_got_a_5xx_is_sent_again(slack: SlackStandIn, client: WebClient) -> None:
    ts = client.chat_postMessage(channel=CHANNEL, text="card")["ts"]
    slack.fail_next("chat.update", status=503)
    assert client.chat_update(channel=CHANNEL, ts=ts, text="approved")["ok"]
    assert statuses(slack, "chat.update") == [503, 200]


def test_a_rate_limited_post_waits_and_is_sent_again(slack: SlackStandIn,
                                                     client: WebClient) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    assert client.chat_postMessage(channel=CHANNEL, text="card")["ok"]
    assert statuses(slack, "chat.postMessage") == [429, 200]
    assert len(slack.messages(CHANNEL)) == 1


@pytest.mark.parametrize(("reason", "again"), [
    (ConnectionRefusedError(111, "refused"), True),  # never reached Slack
    (ConnectionResetError(104, "reset"), False),  # may have been posted before the reset
])
def test_a_post_is_sent_again_after_a_connection_error_only_if_it_never_left(
    reason: OSError, again: bool
) -> None:
    [connection_errors, *_] = slack_retry_handlers()
    post = HttpRequest(method="POST", url="https://slack.com/api/chat.postMessage", headers={})
    update = HttpRequest(method="POST", url="https://slack.com/api/chat.update", headers={})
    error = URLError(reason)
    assert connection_errors.can_retry(state=RetryState(), request=post, error=error) is again
    assert connection_errors.can_retry(state=RetryState(), request=update, error=error)
