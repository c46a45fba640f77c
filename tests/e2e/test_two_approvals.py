"""Two approvals at or above PAIDORDER_SECOND_APPROVAL_OVER, over real HTTP with signed Slack
requests, on SQLite and PostgreSQL: two different approvers, neither the requester, and exactly
one order on the second approval whatever the clicks race."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import ids
from bot.runtime import Bot
from commands.export import DateRange, recorded_orders
from commands.models import RequestState
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import (
    APPROVALS,
    APPROVER,
    APPROVER_GROUP,
    GOOD_FORM,
    GROUP_APPROVER,
    OUTSIDER,
    REQUESTER,
    submit_request,
)
from tests.deploy.test_metrics import sample, scrape
from tests.e2e.test_approval_flow import wait_card
from tests.reliability.conftest import LEASE, orders_in, player_for, settle, wait_until
from tests.reliability.test_exactly_once import at_once, the_one_order

# GOOD_FORM pays exactly this: "at or above" is tested at the boundary.
THRESHOLD = GOOD_FORM["amount_paid"]
THIRD_APPROVER = OUTSIDER  # an approver here, so that two can race for the second approval
APPROVERS = f"{APPROVER},{APPROVER_GROUP},{THIRD_APPROVER},{REQUESTER}"


@pytest.fixture
def bot(start_bot: Callable[..., Bot], database_url: str) -> Bot:
    # The requester is an approver too: even so, never of their own request.
    return start_bot(database_url=database_url, paidorder_second_approval_over=THRESHOLD,
                     paidorder_approvers=APPROVERS)


def approve(player: SlackRequests, user: str, card: dict[str, Any]) -> None:
    response = player.click(user, APPROVALS, card, ids.APPROVE, card["ref"])
    assert response.status_code == 200, response.text


def told(slack: SlackStandIn, user: str, words: str) -> list[str]:
    return [e.text for e in slack.ephemerals if e.user == user and words in e.text]


def approvals_of(bot: Bot, ref: str) -> list[dict[str, Any]]:
    return [a for a in bot.services.repo.audit_trail(ref=ref) if a["action"] == "approved"]


def buttons(slack: SlackStandIn, card: dict[str, Any]) -> list[str]:
    blocks = slack.message(APPROVALS, card["ts"]).blocks
    return [e["text"]["text"] for b in blocks if b.get("type") == "actions"
            for e in b["elements"]]


def first_approval(bot: Bot, player: SlackRequests, slack: SlackStandIn,
                   card: dict[str, Any]) -> str:
    """APPROVER gives the first of two approvals; the card says so and keeps its buttons."""
    approve(player, APPROVER, card)
    text = wait_card(slack, card["ts"], f"1 of 2 approvals by <@{APPROVER}>")
    assert buttons(slack, card) == ["Approve", "Reject", "Edit", "Cancel"]
    return text


def test_under_the_threshold_one_approval_creates_the_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack, amount_paid="56.97")
    approve(player, APPROVER, card)

    the_one_order(bot, store, slack, card)
    text = render_blocks(slack.message(APPROVALS, card["ts"]).blocks)
    assert f"*Approved* by <@{APPROVER}> ·" in text and "of 2" not in text
    assert [a["detail"] for a in approvals_of(bot, card["ref"])] == [{"approval": 1, "of": 1}]


def test_at_the_threshold_the_first_approval_waits_and_the_second_creates_one_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack)
    first_approval(bot, player, slack, card)
    settle(bot.services.repo)
    assert orders_in(store) == []
    assert bot.services.repo.get(card["ref"]).state == RequestState.PENDING  # type: ignore[union-attr]

    counted = scrape(bot)
    assert [sample(counted, "paidorder_requests_total", outcome=o)
            for o in ("first_approval", "approved")] == [1, 0]

    approve(player, GROUP_APPROVER, card)

    the_one_order(bot, store, slack, card)
    assert sample(scrape(bot), "paidorder_requests_total", outcome="approved") == 1
    text = render_blocks(slack.message(APPROVALS, card["ts"]).blocks)
    assert f"*Approved* by <@{APPROVER}> and <@{GROUP_APPROVER}>" in text
    assert [(a["actor"], a["detail"]) for a in approvals_of(bot, card["ref"])] == [
        (APPROVER, {"approval": 1, "of": 2}), (GROUP_APPROVER, {"approval": 2, "of": 2})]
    today = date.today()
    [row] = recorded_orders(bot.services.repo, DateRange(today.replace(day=1), today),
                            ZoneInfo("UTC"))
    assert row[-1] == f"{APPROVER} {GROUP_APPROVER}"  # the export's approvers column


def test_the_requester_can_be_neither_approver(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack)
    approve(player, REQUESTER, card)
    wait_until(lambda: told(slack, REQUESTER, "your own request"), "the requester told no")
    first_approval(bot, player, slack, card)

    approve(player, REQUESTER, card)

    wait_until(lambda: len(told(slack, REQUESTER, "your own request")) == 2,
               "the requester told no again")
    settle(bot.services.repo)
    assert orders_in(store) == []
    assert [a["actor"] for a in approvals_of(bot, card["ref"])] == [APPROVER]


def test_the_same_approver_twice_counts_once(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack)
    first_approval(bot, player, slack, card)

    approve(player, APPROVER, card)
    at_once(lambda: player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]),
            lambda: player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]))

    wait_until(lambda: len(told(slack, APPROVER, "already approved")) == 3,
               "every repeat to be refused")
    assert set(told(slack, APPROVER, "already approved")) == {
        f"You already approved {card['ref']}; waiting for a second approver."}
    settle(bot.services.repo)
    assert orders_in(store) == []
    assert len(approvals_of(bot, card["ref"])) == 1
    assert "1 of 2 approvals" in render_blocks(slack.message(APPROVALS, card["ts"]).blocks)


def test_two_approvers_clicking_at_once_from_no_approval_create_one_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    # Neither may miss the other's approval: that would leave the request waiting forever.
    card = submit_request(player, slack)
    at_once(lambda: player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]),
            lambda: player.click(GROUP_APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]))

    the_one_order(bot, store, slack, card)
    assert sorted(a["actor"] for a in approvals_of(bot, card["ref"])) == sorted(
        [APPROVER, GROUP_APPROVER])


def test_two_approvers_racing_for_the_second_approval_create_one_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack)
    first_approval(bot, player, slack, card)

    at_once(lambda: player.click(GROUP_APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]),
            lambda: player.click(THIRD_APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]))

    the_one_order(bot, store, slack, card)
    stored = bot.services.repo.get(card["ref"])
    assert stored is not None and stored.decided_by in (GROUP_APPROVER, THIRD_APPROVER)
    loser = THIRD_APPROVER if stored.decided_by == GROUP_APPROVER else GROUP_APPROVER
    wait_until(lambda: told(slack, loser, "was already approved"), "the slower one told")
    assert stored.approvers == (APPROVER, stored.decided_by)


@pytest.mark.parametrize("given_before", [0, 1])
def test_two_replicas_sharing_a_database_create_one_order(
    start_bot: Callable[..., Bot], database_url: str, slack: SlackStandIn,
    store: SandboxServer, given_before: int,
) -> None:
    one, two = (start_bot(lease=LEASE, database_url=database_url, paidorder_approvers=APPROVERS,
                          paidorder_second_approval_over=THRESHOLD) for _ in range(2))
    on_one, on_two = player_for(one, slack), player_for(two, slack)
    card = submit_request(on_one, slack)
    racers = [APPROVER, GROUP_APPROVER]
    if given_before:
        first_approval(one, on_two, slack, card)
        racers = [GROUP_APPROVER, THIRD_APPROVER]

    at_once(lambda: on_one.click(racers[0], APPROVALS, card, ids.APPROVE, card["ref"]),
            lambda: on_two.click(racers[1], APPROVALS, card, ids.APPROVE, card["ref"]))

    settle(two.services.repo)
    the_one_order(one, store, slack, card)
    creates = [r for r in store.requests if r.method == "POST" and r.path.endswith("/v2/orders")]
    assert len(creates) == 1
    assert len(approvals_of(one, card["ref"])) == 2


def test_a_reject_after_the_first_approval_rejects_the_request(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack)
    first_approval(bot, player, slack, card)

    player.click(GROUP_APPROVER, APPROVALS, card, ids.REJECT, card["ref"])
    form = slack.wait_for("views.open", where=lambda c: c.args["view"].get("callback_id")
                          == ids.REJECT_MODAL)[-1].args["view"]
    done = player.submit(GROUP_APPROVER, form, {ids.REASON_BLOCK: "The bank shows no wire"})
    assert done.status_code == 200 and not done.content, done.text

    text = wait_card(slack, card["ts"], "Rejected")
    assert (f"*Rejected* by <@{GROUP_APPROVER}> after 1 of 2 approvals by <@{APPROVER}>: "
            "The bank shows no wire") in text
    assert buttons(slack, card) == []
    settle(bot.services.repo)
    assert orders_in(store) == []
    approve(player, THIRD_APPROVER, card)
    wait_until(lambda: told(slack, THIRD_APPROVER, "was already rejected"), "a late approver told")
