"""`/paidorder ship` and `/paidorder status` over real HTTP: signed slash commands in, the answer
on the response_url, the shipment in the sandbox store and on the request card."""

from __future__ import annotations

from bot.runtime import Bot
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import REQUESTER
from tests.tracking.story import ask, place_order, settle, thread, wait_card, wait_until

UPS = "1Z999AA10123456784"
USPS = "9400111899223197428490"


def shipments_in_store(store: SandboxServer, order_id: int) -> int:
    with store.state.lock:
        return len(store.state.orders[order_id].shipments)


def test_ship_everything_marks_the_order_shipped_and_replies_once_in_the_thread(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = place_order(bot, player, slack)
    order_id = card["order_id"]

    answer = ask(player, slack, REQUESTER, f"ship {order_id} ups {UPS}")

    assert f"added to order #{order_id}" in answer and "*Shipped*" in answer
    assert store.state.orders[order_id].status_id == 2
    text = wait_card(slack, card["ts"], "Status: *Shipped*")
    assert f"#{order_id}" in text
    replies = wait_until(lambda: thread(slack, card), "a thread reply")
    settle(bot)
    replies = thread(slack, card)
    assert len(replies) == 1, replies
    reply = replies[0]
    assert "ups" in reply.lower() and UPS in reply
    assert "T-Shirt × 2" in reply and "Mug × 1" in reply


def test_partial_shipment_then_the_rest(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = place_order(bot, player, slack)
    order_id = card["order_id"]

    answer = ask(player, slack, REQUESTER, f"ship {order_id} ups {UPS} TSHIRT-RED-M x 1")
    assert "*Partially Shipped*" in answer
    assert store.state.orders[order_id].status_id == 3
    wait_card(slack, card["ts"], "Status: *Partially Shipped*")
    first = wait_until(lambda: thread(slack, card), "the first thread reply")
    assert len(first) == 1 and "T-Shirt × 1" in first[0] and "Mug" not in first[0]

    status = ask(player, slack, REQUESTER, f"status {order_id}")
    assert "*Partially Shipped*" in status and "1 of 3 items shipped" in status
    assert UPS in status

    # A carrier BigCommerce has no provider code for travels as free text.
    answer = ask(player, slack, REQUESTER, f"ship {order_id} DHL-Express {USPS}")
    assert "*Shipped*" in answer
    assert store.state.orders[order_id].status_id == 2
    wait_card(slack, card["ts"], "Status: *Shipped*")
    wait_until(lambda: len(thread(slack, card)) >= 2, "the second thread reply")
    settle(bot)
    replies = thread(slack, card)
    assert len(replies) == 2, replies
    assert USPS in replies[1] and "T-Shirt × 1" in replies[1] and "Mug × 1" in replies[1]
    assert "*DHL-Express*" in replies[1]

    status = ask(player, slack, REQUESTER, f"status {order_id}")
    lines = status.splitlines()
    assert "*Shipped*" in lines[0] and "3 of 3 items shipped" in lines[0]
    assert card["ref"] in lines[0]
    shipment_lines = [line for line in lines if line.startswith("• Shipment")]
    assert len(shipment_lines) == 2
    assert UPS in shipment_lines[0] and "TSHIRT-RED-M × 1" in shipment_lines[0]
    assert USPS in shipment_lines[1] and "MUG-WHT × 1" in shipment_lines[1]
    assert "via DHL-Express" in shipment_lines[1]


def test_status_of_an_order_without_shipments(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = place_order(bot, player, slack)
    status = ask(player, slack, REQUESTER, f"status {card['order_id']}")
    assert "*Awaiting Fulfillment*" in status and "0 of 3 items shipped" in status
    assert "No shipments yet." in status


def test_refusals_explain_themselves_and_ship_nothing(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = place_order(bot, player, slack)
    order_id = card["order_id"]

    not_ours = f"Order #{order_id + 500} wasn't recorded with /paidorder"
    assert not_ours in ask(player, slack, REQUESTER, f"ship {order_id + 500} ups {UPS}")
    assert not_ours in ask(player, slack, REQUESTER, f"status {order_id + 500}")
    unknown = ask(player, slack, REQUESTER, f"ship {order_id} ups {UPS} HAT-XL x 1")
    assert 'no item with SKU "HAT-XL"' in unknown
    too_many = ask(player, slack, REQUESTER, f"ship {order_id} ups {UPS} TSHIRT-RED-M x 3")
    assert 'Only 2 of "TSHIRT-RED-M" are left' in too_many and "asked for 3" in too_many
    assert shipments_in_store(store, order_id) == 0
    assert store.state.orders[order_id].status_id == 11

    ask(player, slack, REQUESTER, f"ship {order_id} ups {UPS}")
    again = ask(player, slack, REQUESTER, f"ship {order_id} usps {USPS}")
    assert f"Order #{order_id} is already fully shipped." in again
    assert shipments_in_store(store, order_id) == 1
    wait_until(lambda: thread(slack, card), "the thread reply")
    settle(bot)
    assert len(thread(slack, card)) == 1
