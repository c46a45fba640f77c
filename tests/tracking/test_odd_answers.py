"""The bot meets odd but spec-valid BigCommerce answers, end to end over HTTP: at submit it says
so inline and stores nothing; after the order exists it records one failure and never creates
another or retries forever; while following an order it flags the order on its card."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot import ids
from bot.runtime import Bot
from commands.repository import Outbox
from commands.schema import outbox, requests
from commands.tracking import poll_changes
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import (
    APPROVALS,
    APPROVER,
    GOOD_FORM,
    REQUESTER,
    open_form,
    order_body,
    submit_request,
)
from tests.tracking.story import ask, card_text, place_order, settle, wait_card
from tests.tracking.test_webhooks import deliver, envelope

BASE = "/stores/sandbox"
ORDER = rf"{BASE}/v2/orders/\d+"


@pytest.fixture
def quiet_bot(bot: Bot) -> Bot:
    bot.scheduler.stop()  # only the test's webhook or poll brings changes in
    return bot


def count(bot: Bot, table: Any, *where: Any) -> int:
    with bot.services.repo.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar())


@pytest.mark.parametrize(("changes", "drop"), [
    ({"calculated_price": "call us"}, ()),
    ({"calculated_price": -1.8e308}, ()),
    ({}, ("id",)),
    ({}, ("sku",)),
], ids=["price-not-a-number", "price-minus-1.8e308", "no-variant-id", "no-sku"])
def test_an_odd_catalog_answer_at_submit_is_an_inline_error_and_stores_nothing(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer,
    changes: dict[str, Any], drop: tuple[str, ...],
) -> None:
    view = open_form(player, slack)
    store.answer_oddly("GET", rf"{BASE}/v3/catalog/variants", changes=changes, drop=drop)

    answer = player.submit(REQUESTER, view, GOOD_FORM)

    assert answer.status_code == 200
    body = answer.json()
    assert body["response_action"] == "errors"
    message = body["errors"]["items"]
    assert message.startswith("BigCommerce's answer about these items can't be used (")
    assert "Traceback" not in message and len(message) < 300
    assert count(quiet_bot, requests) == 0
    assert slack.messages(APPROVALS) == []


def test_an_odd_customer_answer_at_submit_is_an_inline_error_and_stores_nothing(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer,
) -> None:
    """The customer is looked up at submission and travels with the request, so an answer about
    them that can't be used is told on the form, never after an approval."""
    view = open_form(player, slack)
    store.answer_oddly("GET", rf"{BASE}/v3/customers", drop=("id",), times=100)

    body = player.submit(REQUESTER, view, GOOD_FORM).json()

    assert body["response_action"] == "errors"
    assert body["errors"]["email"].startswith("BigCommerce's answer about the customer can't "
                                              "be used (")
    assert count(quiet_bot, requests) == 0
    assert slack.messages(APPROVALS) == []


@pytest.mark.parametrize(("drop", "changes", "names"), [
    (("status_id",), {}, "order #"),
    (("id",), {}, "an order with external id PO-"),
    ((), {"total_inc_tax": "twelve"}, "order #"),
], ids=["no-status-id", "no-id", "total-not-a-number"])
def test_an_odd_answer_to_the_create_records_one_failure_and_one_order(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer,
    drop: tuple[str, ...], changes: dict[str, Any], names: str,
) -> None:
    card = submit_request(player, slack)
    store.answer_oddly("POST", rf"{BASE}/v2/orders", drop=drop, changes=changes)

    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])

    text = wait_card(slack, card["ts"], "A person needs to look at this.")
    settle(quiet_bot)
    assert len(store.state.orders) == 1  # it exists, and is not created a second time
    (order,) = store.state.orders.values()
    stored = quiet_bot.services.repo.get(card["ref"])
    assert stored.state == "failed"
    assert names in stored.problem and "can't be used" in stored.problem
    if names == "order #":
        assert f"order #{order.id}" in stored.problem and f"order #{order.id}" in text
    trail = quiet_bot.services.repo.audit_trail(ref=card["ref"])
    assert [e["action"] for e in trail].count("order_failed") == 1
    (noted,) = [e["detail"] for e in trail if e["action"] == "unusable_answer"]
    assert noted["endpoint"] == "POST /v2/orders"
    assert noted["field"].startswith((*drop, *changes))
    assert noted["order_id"] == (order.id if names == "order #" else None)
    jobs = count(quiet_bot, outbox, outbox.c.kind == Outbox.CREATE_ORDER)
    assert jobs == 1 and count(quiet_bot, outbox, outbox.c.done_at.is_(None)) == 0
    assert [r.method for r in store.requests if r.path == f"{BASE}/v2/orders"].count("POST") == 1

    summary = ask(player, slack, APPROVER, "summary")
    assert "Posted the summary" in summary
    posted = render_blocks(slack.messages(APPROVALS)[-1].blocks)
    assert "Needs a person" in posted and card["ref"] in posted


@pytest.mark.parametrize(("path", "drop", "orders", "says"), [
    (rf"{BASE}/v2/orders", ("status_id",), 1, "can't be used (status_id of order"),
], ids=["looked-up-order-without-status"])
def test_an_odd_answer_before_the_create_fails_the_request_once(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer,
    path: str, drop: tuple[str, ...], orders: int, says: str,
) -> None:
    card = submit_request(player, slack)
    if orders:  # an order for this request already exists, e.g. made by a lost answer
        quiet_bot.services.bigcommerce.create_order(order_body(card["ref"]))
        store.reset_requests()
    store.answer_oddly("GET", path, drop=drop, times=100)

    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])

    wait_card(slack, card["ts"], "A person needs to look at this.")
    settle(quiet_bot)
    assert len(store.state.orders) == orders  # none made, and never a second one
    assert says in quiet_bot.services.repo.get(card["ref"]).problem
    assert not [r for r in store.requests if r.method == "POST"]
    assert count(quiet_bot, outbox, outbox.c.done_at.is_(None)) == 0


def test_an_odd_order_on_a_webhook_refresh_is_flagged_once_not_retried_forever(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = place_order(quiet_bot, player, slack)
    store.set_status(card["order_id"], 9)
    store.answer_oddly("GET", ORDER, drop=("status_id",), times=1000)

    assert deliver(quiet_bot, envelope(card["order_id"], digest="odd-1")).status_code == 202

    text = wait_card(slack, card["ts"], "can't be used")
    settle(quiet_bot)
    assert f"answer about order #{card['order_id']} can't be used (status_id" in text
    (job,) = [j for j in _jobs(quiet_bot) if j["kind"] == Outbox.REFRESH_ORDER]
    assert job["done_at"] is not None and job["attempts"] == 1
    gets = [r for r in store.requests if r.method == "GET"
            and r.path == f"{BASE}/v2/orders/{card['order_id']}"]
    assert len(gets) == 1
    ask(player, slack, APPROVER, "summary")
    posted = render_blocks(slack.messages(APPROVALS)[-1].blocks)
    assert "Needs a person" in posted and card["ref"] in posted

    # Once BigCommerce answers sensibly again, the next change clears the flag.
    store._oddities.clear()
    assert deliver(quiet_bot, envelope(card["order_id"], digest="odd-2")).status_code == 202
    text = wait_card(slack, card["ts"], "Status: *Awaiting Shipment*")
    settle(quiet_bot)
    assert "can't be used" not in card_text(slack, card["ts"])
    assert quiet_bot.services.repo.get(card["ref"]).problem is None


def test_a_poll_with_an_odd_order_flags_ours_and_keeps_going(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = place_order(quiet_bot, player, slack)
    store.set_status(card["order_id"], 9)
    store.answer_oddly("GET", rf"{BASE}/v2/orders", changes={"total_inc_tax": "lots"})

    assert poll_changes(repo=quiet_bot.services.repo, bigcommerce=quiet_bot.services.bigcommerce
                        ) == 0

    wait_card(slack, card["ts"], "can't be used (total_inc_tax")
    assert poll_changes(repo=quiet_bot.services.repo, bigcommerce=quiet_bot.services.bigcommerce
                        ) == 1
    wait_card(slack, card["ts"], "Status: *Awaiting Shipment*")


@pytest.mark.parametrize(("path", "drop"), [
    (rf"{ORDER}/products", ("quantity",)),
    (ORDER, ("status_id",)),
    (rf"{ORDER}/shipments", ("items.*.order_product_id",)),
], ids=["line-without-quantity", "order-without-status", "shipment-item-without-line"])
def test_paidorder_status_with_an_odd_answer_says_so_in_one_sentence(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer,
    path: str, drop: tuple[str, ...],
) -> None:
    card = place_order(quiet_bot, player, slack)
    store.ship_from_control_panel(card["order_id"])
    store.answer_oddly("GET", path, drop=drop, times=5)

    answer = ask(player, slack, REQUESTER, f"status {card['order_id']}")

    assert answer.startswith(f"BigCommerce's answer about order #{card['order_id']} can't be "
                             f"used ({drop[0].split('.')[-1]}")
    assert "\n" not in answer and "Something went wrong" not in answer


def _jobs(bot: Bot) -> list[dict[str, Any]]:
    with bot.services.repo.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(outbox).order_by(outbox.c.id)).mappings()]

