"""One approved request → exactly one BigCommerce order, over real HTTP, whatever goes wrong.

Each test drives the running bot with signed Slack requests, makes something fail on the way,
waits until the outbox is empty (nothing left that could create another order), and then
asks the sandbox store how many orders exist and checks the card shows the one that does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests

from bot import ids
from bot.runtime import Bot
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import (
    APPROVALS,
    APPROVER,
    GOOD_FORM,
    GROUP_APPROVER,
    REQUESTER,
    open_form,
    submit_request,
)
from tests.e2e.test_approval_flow import wait_card
from tests.reliability.conftest import LEASE, orders_in, player_for, settle, wait_until

ORDERS = r"/stores/[^/]+/v2/orders"


def the_one_order(bot: Bot, store: SandboxServer, slack: SlackStandIn,
                  card: dict[str, Any]) -> dict[str, Any]:
    """Assert the request ended with exactly one order and the card shows it; return it."""
    # A click is acknowledged before the approval is written (it runs after the ack), so an
    # empty outbox right after the click can mean "not started yet": wait for the order first.
    wait_until(lambda: orders_in(store), "an order in the store", timeout=30)
    settle(bot.services.repo)
    orders = orders_in(store)
    assert len(orders) == 1, [(o["id"], o["external_order_id"]) for o in orders]
    order = orders[0]
    assert order["external_order_id"] == card["ref"]
    text = wait_card(slack, card["ts"], f"#{order['id']}", timeout=15)
    assert "Awaiting Fulfillment" in text
    blocks = slack.message(APPROVALS, card["ts"]).blocks
    assert not [b for b in blocks if b.get("type") == "actions"]  # the buttons are gone
    return order


def at_once(*actions: Callable[[], requests.Response]) -> list[requests.Response]:
    """Run the actions in threads released together, as simultaneous clicks arrive."""
    gate = threading.Barrier(len(actions))
    answers: list[requests.Response | None] = [None] * len(actions)

    def run(i: int) -> None:
        gate.wait()
        answers[i] = actions[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert all(a is not None and a.status_code == 200 for a in answers), answers
    return answers  # type: ignore[return-value]


def refusals(slack: SlackStandIn, user: str) -> list[str]:
    return [e.text for e in slack.ephemerals if e.user == user and "already approved" in e.text]


# -- clicks -----------------------------------------------------------------------------------


def test_double_click_creates_one_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack)
    click = lambda: player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])  # noqa: E731
    at_once(click, click)

    the_one_order(bot, store, slack, card)
    wait_until(lambda: refusals(slack, APPROVER), "the second click to be refused")
    assert len(refusals(slack, APPROVER)) == 1  # the second click is told, not obeyed
    approvals = [a for a in bot.services.repo.audit_trail(ref=card["ref"])
                 if a["action"] == "approved"]
    assert len(approvals) == 1


def test_two_approvers_clicking_at_the_same_moment_create_one_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack)
    at_once(lambda: player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]),
            lambda: player.click(GROUP_APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]))

    the_one_order(bot, store, slack, card)
    stored = bot.services.repo.get(card["ref"])
    assert stored is not None and stored.decided_by in (APPROVER, GROUP_APPROVER)
    loser = GROUP_APPROVER if stored.decided_by == APPROVER else APPROVER
    wait_until(lambda: refusals(slack, loser), "the slower approver to be told")
    assert not refusals(slack, stored.decided_by)


def test_two_replicas_sharing_a_database_create_one_order(
    start_bot: Callable[..., Bot], database_url: str, slack: SlackStandIn,
    store: SandboxServer,
) -> None:
    one = start_bot(lease=LEASE, database_url=database_url)
    two = start_bot(lease=LEASE, database_url=database_url)
    on_one, on_two = player_for(one, slack), player_for(two, slack)
    card = submit_request(on_one, slack)

    at_once(lambda: on_one.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]),
            lambda: on_two.click(GROUP_APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]))

    settle(two.services.repo)
    the_one_order(one, store, slack, card)
    creates = [r for r in store.requests if r.method == "POST" and r.path.endswith("/v2/orders")]
    assert len(creates) == 1


def test_slack_resending_the_click_creates_one_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    card = submit_request(player, slack)
    bodies: list[str] = []
    monkeypatch.setattr(player, "send", lambda body, **_: bodies.append(body))
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    monkeypatch.undo()
    # Slack re-sends the very same payload when it thinks the first delivery was not acked.
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    at_once(lambda: player.send(bodies[0]), lambda: player.send(bodies[0], headers=retry))

    the_one_order(bot, store, slack, card)


# -- BigCommerce failing around the create ---------------------------------------------------


def test_500_before_the_create_is_retried_into_one_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    store.inject("POST", ORDERS, "500_before")
    card = submit_request(player, slack)
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])

    the_one_order(bot, store, slack, card)
    actions = [a["action"] for a in bot.services.repo.audit_trail(ref=card["ref"])]
    assert actions.count("order_create_attempted") == 2 and "order_created" in actions


def test_500_after_the_create_adopts_the_order_instead_of_making_another(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    store.inject("POST", ORDERS, "500_after")
    card = submit_request(player, slack)
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])

    order = the_one_order(bot, store, slack, card)
    adopted = [a for a in bot.services.repo.audit_trail(ref=card["ref"])
               if a["action"] == "order_adopted"]
    assert [a["detail"]["order_id"] for a in adopted] == [order["id"]]


def test_timeout_after_the_create_adopts_the_order_instead_of_making_another(
    impatient_bot: Bot, slack: SlackStandIn, store: SandboxServer
) -> None:
    player = player_for(impatient_bot, slack)
    # The store makes the order, then answers after 3 s; the bot stops listening after 1 s.
    store.inject("POST", ORDERS, "delay_after", delay=3.0)
    card = submit_request(player, slack)
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])

    order = the_one_order(impatient_bot, store, slack, card)
    trail = impatient_bot.services.repo.audit_trail(ref=card["ref"])
    assert [a["detail"]["order_id"] for a in trail if a["action"] == "order_adopted"] == [
        order["id"]]


def test_429_on_the_create_waits_and_creates_one_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    store.inject("POST", ORDERS, "429", retry_after=1)
    card = submit_request(player, slack)
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])

    the_one_order(bot, store, slack, card)
    creates = [r.status for r in store.requests
               if r.method == "POST" and r.path.endswith("/v2/orders")]
    assert creates == [429, 201]


# -- Slack failing after the order exists -----------------------------------------------------


@pytest.mark.parametrize(("status", "error", "times"), [
    (429, "ratelimited", 4),    # more than slack_sdk's own 3 retries: the outbox retries it
    (500, "internal_error", 3),  # more than slack_sdk's own 2 retries
])
def test_card_update_failing_after_the_order_exists_still_shows_the_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer,
    status: int, error: str, times: int,
) -> None:
    # Hold the create's answer for a moment, so the Slack failure can be set up while the order
    # exists at BigCommerce and the card still says "approved".
    store.inject("POST", ORDERS, "delay_after", delay=1.0)
    card = submit_request(player, slack)
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    wait_until(lambda: orders_in(store), "the order to exist")
    slack.fail_next("chat.update", error=error, status=status, times=times)

    the_one_order(bot, store, slack, card)
    failed = [c for c in slack.calls_to("chat.update") if c.status == status]
    assert len(failed) == times


# -- the same payment twice ---------------------------------------------------------------------


def test_the_same_payment_cannot_be_booked_twice(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack)
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    the_one_order(bot, store, slack, card)

    cards_before = len(slack.messages(APPROVALS))
    view = open_form(player, slack)
    answer = player.submit(REQUESTER, view, {**GOOD_FORM, "transaction_id": "bt-1"})

    assert answer.json() == {"response_action": "errors", "errors": {
        "transaction_id": "Transaction ID bt-1 was already booked as a Bank transfer payment."}}
    assert len(slack.messages(APPROVALS)) == cards_before
    assert len(orders_in(store)) == 1


def test_the_same_payment_submitted_twice_at_once_is_booked_once(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    views = [open_form(player, slack), open_form(player, slack)]
    answers = at_once(*(lambda v=v: player.submit(REQUESTER, v, GOOD_FORM) for v in views))

    accepted = [a for a in answers if not a.content]
    refused = [a.json() for a in answers if a.content]
    assert len(accepted) == 1, [a.text for a in answers]
    assert refused == [{"response_action": "errors", "errors": {
        "transaction_id": "Transaction ID BT-1 was already booked as a Bank transfer payment."}}]
    slack.wait_for("chat.postMessage", where=lambda c: c.args.get("channel") == APPROVALS)
    settle(bot.services.repo)
    assert len(slack.messages(APPROVALS)) == 1


def test_a_dropped_connection_after_the_create_adopts_the_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    store.inject("POST", ORDERS, "drop_after")  # made, then the connection closes unanswered
    card = submit_request(player, slack)
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])

    order = the_one_order(bot, store, slack, card)
    trail = bot.services.repo.audit_trail(ref=card["ref"])
    assert [a["detail"]["order_id"] for a in trail if a["action"] == "order_adopted"] == [
        order["id"]]


def test_an_approval_whose_card_cannot_be_updated_still_gets_its_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack)
    slack.fail_next("chat.update", error="message_not_found", times=1000)  # card deleted
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])

    orders = wait_until(lambda: orders_in(store), "the order to be created", timeout=5)
    assert [o["external_order_id"] for o in orders] == [card["ref"]]
