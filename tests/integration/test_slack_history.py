"""The Slack stand-in reads channels back (conversations.history / .replies, message metadata)
and answers slowly on request, driven over real HTTP by slack_sdk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack import SlackStandIn

TOKEN = "xoxb-test"
APPROVALS = "C0APPROVALS"
TAG = {"event_type": "paidorder_request", "event_payload": {"ref": "PO-1"}}


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    standin = SlackStandIn(bot_token=TOKEN, channels={APPROVALS: "approvals"}).start()
    yield standin
    standin.stop()


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.api_url, retry_handlers=[])


def post(client: WebClient, text: str, **extra: object) -> str:
    return str(client.chat_postMessage(channel=APPROVALS, text=text, **extra)["ts"])


def test_history_is_newest_first_and_metadata_only_when_asked(client: WebClient) -> None:
    post(client, "one")
    post(client, "two", metadata=TAG)
    plain = client.conversations_history(channel=APPROVALS)
    assert [m["text"] for m in plain["messages"]] == ["two", "one"]
    assert all("metadata" not in m for m in plain["messages"])
    full = client.conversations_history(channel=APPROVALS, include_all_metadata=True)
    assert full["messages"][0]["metadata"] == TAG
    assert "metadata" not in full["messages"][1]


def test_history_bounds_by_oldest_and_latest(client: WebClient) -> None:
    first, second, third = (post(client, t) for t in ("a", "b", "c"))
    after_first = client.conversations_history(channel=APPROVALS, oldest=first)
    assert [m["ts"] for m in after_first["messages"]] == [third, second]
    between = client.conversations_history(channel=APPROVALS, oldest=first, latest=third,
                                           inclusive=True)
    assert [m["ts"] for m in between["messages"]] == [third, second, first]


def test_history_pages_with_a_cursor(client: WebClient) -> None:
    posted = [post(client, str(i)) for i in range(5)]
    seen, cursor = [], None
    while True:
        page = client.conversations_history(channel=APPROVALS, limit=2, cursor=cursor)
        seen += [m["ts"] for m in page["messages"]]
        if not page["has_more"]:
            assert page["response_metadata"]["next_cursor"] == ""
            break
        cursor = page["response_metadata"]["next_cursor"]
    assert seen == list(reversed(posted))


def test_history_leaves_thread_replies_to_conversations_replies(client: WebClient) -> None:
    card = post(client, "card")
    reply = post(client, "shipped", thread_ts=card,
                 metadata={"event_type": "paidorder_shipment", "event_payload": {"id": 7}})
    assert [m["ts"] for m in client.conversations_history(channel=APPROVALS)["messages"]] == [card]
    thread = client.conversations_replies(channel=APPROVALS, ts=card, include_all_metadata=True)
    assert [m["ts"] for m in thread["messages"]] == [card, reply]
    assert thread["messages"][1]["metadata"]["event_payload"] == {"id": 7}


def test_reading_needs_the_bot_in_the_channel(slack: SlackStandIn, client: WebClient) -> None:
    slack.outside_channels.add(APPROVALS)
    post(client, "posting works with chat:write.public")
    with pytest.raises(SlackApiError) as exc:
        client.conversations_history(channel=APPROVALS)
    assert exc.value.response["error"] == "not_in_channel"


def test_bad_metadata_and_cursor_are_refused(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        post(client, "x", metadata={"event_type": "t"})
    assert exc.value.response["error"] == "invalid_metadata_schema"
    with pytest.raises(SlackApiError) as exc:
        client.conversations_history(channel=APPROVALS, cursor="not a cursor")
    assert exc.value.response["error"] == "invalid_cursor"


def test_a_slow_answer_posts_before_the_client_gives_up(slack: SlackStandIn) -> None:
    impatient = WebClient(token=TOKEN, base_url=slack.api_url, timeout=0.3, retry_handlers=[])
    slack.answer_slowly("chat.postMessage", 1.0)
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel=APPROVALS, text="card")
    assert [m.text for m in slack.messages(APPROVALS)] == ["card"]
    assert impatient.chat_postMessage(channel=APPROVALS, text="next")["ok"]  # only once


def test_a_held_post_lands_only_when_released(slack: SlackStandIn) -> None:
    impatient = WebClient(token=TOKEN, base_url=slack.api_url, timeout=0.3, retry_handlers=[])
    gate = slack.hold_next("chat.postMessage")
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel=APPROVALS, text="late")
    assert slack.messages(APPROVALS) == []
    gate.set()
    slack.wait_for("chat.postMessage")
    assert [m.text for m in slack.messages(APPROVALS)] == ["late"]
