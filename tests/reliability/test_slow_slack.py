"""A slow Slack never leaves two live cards: chat.postMessage has no idempotency key, so a post
that answers after the client gave up is found again (its metadata names the request) and
adopted, and an extra copy that lands anyway is made inert, pointing at the live card.

Each test runs a bot whose Slack client gives up after half a second against the stand-in, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot import ids
from bot.config import Settings
from bot.runtime import Bot
from bot.scheduler import post_summary
from sandbox.slack import Message, SlackStandIn, render_blocks
from tests.conftest import APPROVALS, APPROVER, GOOD_FORM, REQUESTER, open_form
from tests.e2e.test_approval_flow import wait_card
from tests.reliability.conftest import LEASE, orders_in, player_for, settle, wait_until
from tests.tracking.story import ask, place_order

TIMEOUT = 0.5  # the bot's Slack timeout in these tests; the real one is 10 s
TOO_LATE = 1.5  # an answer this slow comes after the bot has given up


@pytest.fixture
def bot(make_settings: Callable[..., Settings], database_url: str) -> Iterator[Bot]:
    bot = Bot(make_settings(database_url=database_url), host="127.0.0.1", port=0, lease=LEASE,
              slack_timeout=TIMEOUT).start()
    yield bot
    bot.stop()


def submit(bot: Bot, slack: SlackStandIn) -> str:
    """Submit a valid request and return its reference once its card is recorded."""
    player = player_for(bot, slack)
    response = player.submit(REQUESTER, open_form(player, slack), GOOD_FORM)
    assert response.status_code == 200 and not response.content, response.text
    ref = wait_until(lambda: next((e["value"] for m in slack.messages(APPROVALS)
                                   for b in m.blocks if b.get("type") == "actions"
                                   for e in b["elements"]), None), "a card")
    wait_until(lambda: bot.services.repo.get(ref).card_ts, "the card to be recorded")
    return ref


def cards_of(slack: SlackStandIn, ref: str) -> list[Message]:
    return [m for m in slack.messages(APPROVALS) if ref in render_blocks(m.blocks)]


def live(message: Message) -> bool:
    return any(b.get("type") == "actions" for b in message.blocks)


def card_posts(slack: SlackStandIn) -> list[Any]:
    return slack.calls_to("chat.postMessage")


def test_a_card_slack_answers_too_late_for_is_adopted_not_posted_again(
    bot: Bot, slack: SlackStandIn, store: Any
) -> None:
    slack.answer_slowly("chat.postMessage", TOO_LATE, times=3)  # Slack stays slow a while
    ref = submit(bot, slack)
    settle(bot.services.repo)

    [card] = cards_of(slack, ref)
    assert live(card) and bot.services.repo.get(ref).card_ts == card.ts
    assert len(card_posts(slack)) == 1  # looked it up instead of posting again
    actions = [a["action"] for a in bot.services.repo.audit_trail(ref=ref)]
    assert "card_adopted" in actions and "card_posted" not in actions

    # The adopted card is the one that works.
    player = player_for(bot, slack)
    click = {"ts": card.ts, "blocks": card.blocks}
    assert player.click(APPROVER, APPROVALS, click, ids.APPROVE, ref).status_code == 200
    [order] = wait_until(lambda: orders_in(store), "the order")
    wait_card(slack, card.ts, f"#{order['id']}")


def test_an_extra_card_that_lands_late_is_made_inert(bot: Bot, slack: SlackStandIn) -> None:
    late = slack.hold_next("chat.postMessage")  # the first post stays inside Slack for now
    ref = submit(bot, slack)  # the retry found nothing and posted the card that is live
    recorded = bot.services.repo.get(ref).card_ts
    late.set()  # now the first try's post lands too
    wait_until(lambda: len(cards_of(slack, ref)) == 2, "the late copy to land")
    settle(bot.services.repo)

    cards = {m.ts: m for m in cards_of(slack, ref)}
    assert live(cards.pop(recorded))
    [extra] = cards.values()
    assert not live(extra)
    text = render_blocks(extra.blocks)
    assert "Superseded" in text and f"/archives/{APPROVALS}/p{recorded.replace('.', '')}" in (
        str(extra.blocks))
    assert "card_superseded" in [a["action"] for a in bot.services.repo.audit_trail(ref=ref)]


def test_postmessage_is_not_repeated_by_the_sdk_after_a_server_error(
    bot: Bot, slack: SlackStandIn
) -> None:
    slack.fail_next("chat.postMessage", status=500)
    ref = submit(bot, slack)
    settle(bot.services.repo)
    [card] = cards_of(slack, ref)
    assert bot.services.repo.get(ref).card_ts == card.ts
    # One failed try, then the outbox looked, found nothing, and posted once.
    assert [c.status for c in card_posts(slack)] == [500, 200]
    assert slack.calls_to("conversations.history")


def test_a_shipment_reply_slack_answers_too_late_for_is_not_posted_twice(
    bot: Bot, slack: SlackStandIn
) -> None:
    player = player_for(bot, slack)
    card = place_order(bot, player, slack)
    slack.answer_slowly("chat.postMessage", TOO_LATE, times=3)
    ask(player, slack, REQUESTER, f"ship {card['order_id']} ups 1Z999AA10123456784")
    wait_until(lambda: slack.thread(APPROVALS, card["ts"]), "a thread reply")
    settle(bot.services.repo)

    [reply] = slack.thread(APPROVALS, card["ts"])
    assert "1Z999AA10123456784" in reply.text
    assert len(card_posts(slack)) == 1 + 1  # the card, then the one reply
    assert slack.calls_to("conversations.replies")  # looked in the thread before trying again


def test_a_daily_summary_slack_answered_too_late_for_is_found_not_posted_again(
    bot: Bot, slack: SlackStandIn
) -> None:
    day, fired = date(2026, 11, 30), datetime.now(UTC)
    slack.answer_slowly("chat.postMessage", TOO_LATE)
    with pytest.raises(TimeoutError):
        post_summary(bot.services, day, title="Paid orders", once_since=fired)
    [posted] = slack.messages(APPROVALS)

    # The replica that takes the unposted day over finds it instead of posting it again.
    assert post_summary(bot.services, day, title="Paid orders", once_since=fired) == posted.ts
    assert len(slack.messages(APPROVALS)) == 1
    # A summary of another day is its own message.
    post_summary(bot.services, day + timedelta(days=1), title="Paid orders", once_since=fired)
    assert len(slack.messages(APPROVALS)) == 2
