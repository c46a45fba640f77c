"""Shared steps for the shipment-tracking tests: an approved order, a slash-command answer,
waiting for what the bot does after its ack."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from bot import ids
from bot.runtime import Bot
from commands.bigcommerce_answers import Order
from commands.models import Address, LineItem, OrderRequest
from commands.repository import Repository
from sandbox.slack import SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import APPROVALS, APPROVER, SALES, submit_request

T = TypeVar("T")


def wait_until(probe: Callable[[], T], what: str, timeout: float = 10.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.03)


def card_text(slack: SlackStandIn, ts: str) -> str:
    return render_blocks(slack.message(APPROVALS, ts).blocks)


def wait_card(slack: SlackStandIn, ts: str, words: str, timeout: float = 10.0) -> str:
    wait_until(lambda: words in card_text(slack, ts), f"the card to show {words!r}", timeout)
    return card_text(slack, ts)


def place_order(bot: Bot, player: SlackRequests, slack: SlackStandIn, **changes: str | None
                ) -> dict[str, Any]:
    """Submit and approve a request; return its card with the BigCommerce `order_id`."""
    card = submit_request(player, slack, **changes)
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    stored = wait_until(lambda: (s := bot.services.repo.get(card["ref"])) and s.order_id and s,
                        "the order to be created")
    wait_card(slack, card["ts"], "Status:")
    settle(bot)
    return {**card, "order_id": stored.order_id}


def settle(bot: Bot, timeout: float = 10.0) -> None:
    """Wait until the outbox worker has nothing left to do."""
    wait_until(lambda: not bot.services.repo.pending_jobs(), "the outbox to drain", timeout)


def ask(player: SlackRequests, slack: SlackStandIn, user: str, text: str,
        channel: str = SALES) -> str:
    """Run `/paidorder <text>` and return the ephemeral answer sent to the response_url."""
    before = len(slack.ephemerals)
    response = player.command(user, channel, text)
    assert response.status_code == 200, response.text
    wait_until(lambda: len(slack.ephemerals) > before, f"an answer to {text!r}")
    return slack.ephemerals[before].text


def thread(slack: SlackStandIn, card: dict[str, Any]) -> list[str]:
    return [m.text for m in slack.thread(APPROVALS, card["ts"])]


# -- requests written straight through the Repository, at chosen instants ---------------------

class FakeClock:
    """A settable clock for `Repository(engine, clock=...)`."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def order_request(transaction_id: str, *, amount_paid: str = "24.00",
                  payment_method: str = "Bank transfer", quantity: int = 1,
                  unit_price: str = "24.00", shipping: str = "0.00") -> OrderRequest:
    address = Address(first_name="Jane", last_name="Doe", street_1="12 Main St", city="Austin",
                      state="Texas", zip="78701", country="United States", country_iso2="US",
                      email="jane@example.com")
    item = LineItem(sku="BEANIE-GRY", name="Wool Beanie", product_id=114, variant_id=206,
                    quantity=quantity, unit_price=Decimal(unit_price))
    return OrderRequest(customer_email="jane@example.com", address=address, items=(item,),
                        shipping_cost=Decimal(shipping), payment_method=payment_method,
                        transaction_id=transaction_id, amount_paid=Decimal(amount_paid),
                        status_id=11)


STATUS_NAMES = {2: "Shipped", 3: "Partially Shipped", 10: "Completed",
                11: "Awaiting Fulfillment", 9: "Awaiting Shipment"}


def record(repo: Repository, clock: FakeClock, at: datetime, transaction_id: str, *,
           order_id: int, total: str, currency: str = "USD", status_id: int = 11,
           method: str = "Bank transfer", amount_paid: str | None = None) -> str:
    """A request submitted, approved and ordered at `at`; returns its ref."""
    clock.at = at
    stored = repo.add_request(
        order_request(transaction_id, payment_method=method,
                      amount_paid=amount_paid or "24.00"),
        requester_id="U0REQ", origin_channel="C0SALES", currency=currency)
    assert repo.approve(stored.ref, "U0APPROVER") is not None
    assert repo.record_order(stored.ref, Order(
        id=order_id, status_id=status_id, status=STATUS_NAMES[status_id],
        total_inc_tax=Decimal(total), currency_code=currency, items_total=1, items_shipped=0),
        adopted=False)
    return stored.ref
