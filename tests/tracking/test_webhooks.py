"""`POST /bigcommerce/webhooks`: the shared secret, de-duplication on `hash`, and the order
re-read from BigCommerce instead of trusting the payload."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from bot.runtime import Bot
from commands.repository import Outbox
from commands.schema import outbox, webhook_events
from commands.webhooks import PRODUCT_SCOPES, register_webhooks
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import SALES, SIGNING_SECRET, WEBHOOK_SECRET
from tests.tracking.story import card_text, place_order, settle, thread, wait_card, wait_until


def envelope(order_id: int, *, digest: str, scope: str = "store/shipment/created",
             data: dict[str, Any] | None = None) -> bytes:
    if data is None:
        data = {"type": "shipment", "id": 1, "orderId": order_id}
    return json.dumps({"scope": scope, "store_id": "1000001", "data": data,
                       "created_at": int(time.time()), "producer": "stores/sandbox",
                       "hash": digest}).encode()


def deliver(bot: Bot, body: bytes, secret: str | None = WEBHOOK_SECRET) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Paidorder-Secret"] = secret
    return requests.post(f"{bot.url}/bigcommerce/webhooks", data=body, headers=headers,
                         timeout=10)


def count(bot: Bot, table: Any, *where: Any) -> int:
    with bot.services.repo.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar())


def refresh_jobs(bot: Bot) -> int:
    return count(bot, outbox, outbox.c.kind == Outbox.REFRESH_ORDER)


@pytest.fixture
def quiet_bot(bot: Bot) -> Bot:
    """The bot without its own poll job, so only the webhook can bring changes in."""
    bot.scheduler.stop()
    return bot


def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = place_order(quiet_bot, player, slack)
    store.ship_from_control_panel(card["order_id"], tracking_number="1ZSECRET")
    calls = len(slack.calls)

    for secret in (None, "", "wrong-secret", WEBHOOK_SECRET + "x", WEBHOOK_SECRET.upper()):
        answer = deliver(quiet_bot, envelope(card["order_id"], digest="h-secret"), secret)
        assert answer.status_code == 401, secret

    time.sleep(0.3)
    assert refresh_jobs(quiet_bot) == 0
    assert count(quiet_bot, webhook_events) == 0
    assert len(slack.calls) == calls
    assert thread(slack, card) == []
    # The same delivery with the right secret is still new: nothing was recorded before.
    assert deliver(quiet_bot, envelope(card["order_id"], digest="h-secret")).status_code == 202
    wait_until(lambda: thread(slack, card), "the thread reply after the right secret")


def test_webhooks_are_refused_when_no_secret_is_configured(
    start_bot: Callable[..., Bot], slack: SlackStandIn, store: SandboxServer
) -> None:
    bot = start_bot(paidorder_webhook_secret=None)
    bot.scheduler.stop()
    player = SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=slack.response_url("no-secret", channel=SALES))
    card = place_order(bot, player, slack)
    store.ship_from_control_panel(card["order_id"])

    for secret in (None, "", "None", WEBHOOK_SECRET):
        assert deliver(bot, envelope(card["order_id"], digest="h-none"),
                       secret).status_code == 401
    time.sleep(0.3)
    assert refresh_jobs(bot) == 0 and count(bot, webhook_events) == 0
    assert thread(slack, card) == []


def test_the_same_delivery_twice_is_handled_once(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = place_order(quiet_bot, player, slack)
    store.ship_from_control_panel(card["order_id"], tracking_number="1ZTWICE")
    body = envelope(card["order_id"], digest="same-hash")

    started = time.monotonic()
    first = deliver(quiet_bot, body)
    elapsed = time.monotonic() - started
    second = deliver(quiet_bot, body)

    assert first.status_code == 202 and elapsed < 1.0, (first.status_code, elapsed)
    assert second.status_code == 202
    wait_card(slack, card["ts"], "Status: *Shipped*")
    wait_until(lambda: thread(slack, card), "the thread reply")
    settle(quiet_bot)
    replies = thread(slack, card)
    assert len(replies) == 1 and "1ZTWICE" in replies[0]
    assert refresh_jobs(quiet_bot) == 1


def test_the_order_is_read_again_instead_of_trusting_the_payload(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = place_order(quiet_bot, player, slack)
    store.set_status(card["order_id"], 9)  # Awaiting Shipment, really
    lie = envelope(card["order_id"], digest="lying", scope="store/order/statusUpdated",
                   data={"type": "order", "id": card["order_id"],
                         "status": {"previous_status_id": 11, "new_status_id": 10}})

    assert deliver(quiet_bot, lie).status_code == 202

    text = wait_card(slack, card["ts"], "Status: *Awaiting Shipment*")
    assert "Completed" not in text
    settle(quiet_bot)
    assert quiet_bot.services.repo.get(card["ref"]).order_status_id == 9


def test_a_control_panel_shipment_reaches_the_thread_through_registered_hooks(
    quiet_bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    hooks = register_webhooks(quiet_bot.services.bigcommerce, quiet_bot.url, WEBHOOK_SECRET)
    assert {h.scope for h in hooks} == {"store/order/statusUpdated", "store/shipment/created",
                                        *PRODUCT_SCOPES}
    assert register_webhooks(quiet_bot.services.bigcommerce, quiet_bot.url,
                             WEBHOOK_SECRET) == []  # idempotent
    card = place_order(quiet_bot, player, slack)

    store.ship_from_control_panel(card["order_id"], shipping_provider="usps",
                                  tracking_number="9400111899223197428490")

    replies = wait_until(lambda: thread(slack, card), "the shipment in the thread", 5.0)
    assert "9400111899223197428490" in replies[0] and "usps" in replies[0].lower()
    wait_card(slack, card["ts"], "Status: *Shipped*", 5.0)
    settle(quiet_bot)
    assert len(thread(slack, card)) == 1
    ours = [d for d in store.webhooks.deliveries
            if d["body"]["data"].get("orderId", d["body"]["data"].get("id")) == card["order_id"]
            and d["body"]["scope"] in ("store/shipment/created", "store/order/statusUpdated")]
    assert ours and all(d["status"] == 202 for d in ours)
    assert "Status: *Shipped*" in card_text(slack, card["ts"])
