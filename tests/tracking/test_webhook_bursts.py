"""Webhook deliveries in bulk and with strange order ids: a burst for one order costs a re-read
or two, and an id the database can't hold is ignored instead of failing with a 500."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
import requests
from sqlalchemy import func, select

from bot.runtime import Bot
from commands.repository import Outbox
from commands.schema import outbox, webhook_events
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import SALES, SIGNING_SECRET, WEBHOOK_SECRET
from tests.tracking.story import place_order, settle, thread, wait_card, wait_until
from tests.tracking.test_webhooks import envelope

HEADERS = {"Content-Type": "application/json", "X-Paidorder-Secret": WEBHOOK_SECRET}


def order_reads(store: SandboxServer, order_id: int) -> int:
    path = f"/stores/{store.store_hash}/v2/orders/{order_id}"
    return sum(1 for r in list(store.requests) if r.method == "GET" and r.path == path)


def test_300_deliveries_for_one_order_cost_a_handful_of_reads(
    start_bot: Callable[..., Bot], database_url: str, slack: SlackStandIn, store: SandboxServer
) -> None:
    bot = start_bot(database_url=database_url)
    bot.scheduler.stop()  # only the deliveries bring the change in
    player = SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=slack.response_url("burst", channel=SALES))
    card = place_order(bot, player, slack)
    store.ship_from_control_panel(card["order_id"], tracking_number="1ZBURST")
    store.reset_requests()

    with requests.Session() as session:
        for n in range(300):
            body = envelope(card["order_id"], digest=f"burst-{n}")
            answer = session.post(f"{bot.url}/bigcommerce/webhooks", data=body,
                                  headers=HEADERS, timeout=10)
            assert answer.status_code == 202

    wait_card(slack, card["ts"], "Status: *Shipped*")
    wait_until(lambda: thread(slack, card), "the shipment in the thread")
    settle(bot, timeout=20)
    reads = order_reads(store, card["order_id"])
    assert 1 <= reads <= 5, reads
    assert len(thread(slack, card)) == 1
    with bot.services.repo.engine.connect() as conn:
        delivered = conn.execute(select(func.count()).select_from(webhook_events)).scalar()
        refreshes = conn.execute(select(func.count()).select_from(outbox)
                                 .where(outbox.c.kind == Outbox.REFRESH_ORDER)).scalar()
    assert delivered == 300  # every delivery is still recorded once, by its hash
    assert refreshes <= 5, refreshes


def raw_delivery(order_id: str, digest: str) -> bytes:
    """A delivery whose order id is written as raw JSON, so huge numbers stay huge."""
    return (b'{"scope": "store/order/statusUpdated", "store_id": "1000001", "hash": "'
            + digest.encode() + b'", "created_at": ' + str(int(time.time())).encode()
            + b', "data": {"type": "order", "id": ' + order_id.encode() + b"}}")


STRANGE_IDS = ["9223372036854775808", "18446744073709551616", "2147483648", "-1", "0",
               "12.5", "1e999", "1" + "0" * 400, '"9223372036854775808"', '"12abc"', "true",
               "null", "[100]", '{"id": 100}']


def test_order_ids_the_database_cannot_hold_are_ignored_not_a_500(
    start_bot: Callable[..., Bot], database_url: str, slack: SlackStandIn, store: SandboxServer
) -> None:
    bot = start_bot(database_url=database_url)
    bot.scheduler.stop()
    player = SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=slack.response_url("strange-ids", channel=SALES))
    card = place_order(bot, player, slack)

    for n, strange in enumerate(STRANGE_IDS):
        answer = requests.post(f"{bot.url}/bigcommerce/webhooks", headers=HEADERS,
                               data=raw_delivery(strange, f"strange-{n}"), timeout=10)
        assert answer.status_code in (202, 400), (strange, answer.status_code, answer.text)

    # The bot still works: a sensible delivery for the real order is handled as before.
    store.set_status(card["order_id"], 9)
    good = raw_delivery(str(card["order_id"]), "sensible")
    assert requests.post(f"{bot.url}/bigcommerce/webhooks", headers=HEADERS, data=good,
                         timeout=10).status_code == 202
    wait_card(slack, card["ts"], "Status: *Awaiting Shipment*")
    settle(bot)
    with bot.services.repo.engine.connect() as conn:
        recorded = conn.execute(select(webhook_events.c.hash)).scalars().all()
    assert recorded == ["sensible"]


@pytest.mark.parametrize("value", [100, "100"])
def test_an_id_as_a_number_or_a_digit_string_names_the_order(value: object) -> None:
    from commands.webhooks import order_id_of

    assert order_id_of({"data": {"type": "order", "id": value}}) == 100
    assert order_id_of({"data": {"type": "shipment", "orderId": value}}) == 100
    assert order_id_of(json.loads('{"data": {"type": "order", "id": 1e999}}')) is None
