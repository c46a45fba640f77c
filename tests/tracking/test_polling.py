"""Polling BigCommerce (`min_date_modified`): a change made out of band reaches the card, at
the cost of one list call per page plus per-order calls only for the bot's changed orders."""

from __future__ import annotations

import pytest

from bot.runtime import Bot
from commands.tracking import poll_changes
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.tracking.story import place_order, settle, thread, wait_card, wait_until

ADDRESS = {"first_name": "Web", "last_name": "Shopper", "street_1": "1 Road", "city": "Austin",
           "state": "Texas", "zip": "78701", "country": "United States", "country_iso2": "US",
           "email": "web@example.com"}


@pytest.fixture
def quiet_bot(bot: Bot) -> Bot:
    """No timed poll and no webhooks: only the test's `poll()` calls bring changes in."""
    bot.scheduler.stop()
    return bot


def poll_now(bot: Bot) -> int:
    """One poll cycle, raising what the scheduler's job would only log."""
    return poll_changes(repo=bot.services.repo, bigcommerce=bot.services.bigcommerce)


def poll_calls(bot: Bot, store: SandboxServer) -> list[tuple[str, str]]:
    store.reset_requests()
    poll_now(bot)
    return [(r.method, r.path.split("/v2", 1)[-1]) for r in list(store.requests)]


def foreign_order(store: SandboxServer) -> int:
    """An order placed in the store by someone else (not one of the bot's)."""
    order = store.state.create_order({
        "status_id": 11, "billing_address": ADDRESS, "shipping_addresses": [ADDRESS],
        "products": [{"product_id": 113, "quantity": 1}]})
    return order.id


def test_one_poll_brings_a_control_panel_shipment_to_the_card(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = place_order(quiet_bot, player, slack)
    assert not store.state.hooks
    store.ship_from_control_panel(card["order_id"], shipping_provider="fedex",
                                  tracking_number="FX-778899")

    poll_now(quiet_bot)

    replies = wait_until(lambda: thread(slack, card), "the shipment in the thread")
    assert "FX-778899" in replies[0] and "fedex" in replies[0].lower()
    wait_card(slack, card["ts"], "Status: *Shipped*")
    settle(quiet_bot)

    poll_now(quiet_bot)
    settle(quiet_bot)
    assert len(thread(slack, card)) == 1


def test_a_poll_cycle_costs_one_list_call_plus_calls_for_changed_orders_only(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    first = place_order(quiet_bot, player, slack, transaction_id="BT-POLL-1")
    second = place_order(quiet_bot, player, slack, transaction_id="BT-POLL-2")
    other = foreign_order(store)
    listing = ("GET", "/orders")

    # Nothing of ours changed: just the list.
    assert poll_calls(quiet_bot, store) == [listing]

    store.ship_from_control_panel(second["order_id"], tracking_number="1ZCHANGED")
    store.ship_from_control_panel(other, tracking_number="1ZNOTOURS")
    store.set_status(other, 10)

    calls = poll_calls(quiet_bot, store)

    changed = second["order_id"]
    assert calls.count(listing) == 1, calls
    assert sorted(calls) == sorted([listing, ("GET", f"/orders/{changed}/shipments"),
                                    ("GET", f"/orders/{changed}/products")]), calls
    list_query = next(r.query for r in store.requests if r.path.endswith("/v2/orders"))
    assert "min_date_modified" in list_query
    wait_until(lambda: thread(slack, second), "the shipment in the thread")
    wait_card(slack, second["ts"], "Status: *Shipped*")
    settle(quiet_bot)

    # Nothing changed since: the list again and nothing else, and no second reply.
    assert poll_calls(quiet_bot, store) == [listing]
    settle(quiet_bot)
    assert len(thread(slack, second)) == 1
    assert thread(slack, first) == []
    assert "Awaiting Fulfillment" in slack.message("C0APPROVALS", first["ts"]).text
