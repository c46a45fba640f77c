"""BigCommerce webhook deliveries: de-duplicated on their `hash`, turned into order refreshes.

The payload carries ids only and may be replayed, so it is never trusted for state: it only
names an order for the worker to re-read (BigCommerce webhooks docs: "read the order again").
"""

from __future__ import annotations

import json
import logging
from typing import Any

from commands.bigcommerce import BigCommerceClient
from commands.bigcommerce_answers import Hook
from commands.claims import insert_if_absent
from commands.repository import Outbox, Repository
from commands.schema import requests, webhook_events

log = logging.getLogger(__name__)

SCOPES = ("store/order/statusUpdated", "store/shipment/created")


def order_id_of(envelope: dict[str, Any]) -> int | None:
    data = envelope.get("data") or {}
    if not isinstance(data, dict):
        return None
    raw = data.get("orderId") if data.get("type") == "shipment" else data.get("id")
    raw = raw if raw is not None else data.get("order_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def accept_webhook(repo: Repository, body: bytes) -> bool:
    """Record one delivery; True when it named one of the bot's orders for the first time."""
    try:
        envelope = json.loads(body or b"{}")
    except ValueError:
        log.warning("ignored a webhook that is not JSON")
        return False
    if not isinstance(envelope, dict):
        return False
    order_id = order_id_of(envelope)
    digest = str(envelope.get("hash") or "")[:64]
    if order_id is None or not digest:
        return False
    with repo.transaction() as conn:
        first = insert_if_absent(conn, webhook_events, {
            "hash": digest, "scope": str(envelope.get("scope") or "")[:64],
            "order_id": order_id, "received_at": repo.clock()}, ["hash"])
        if not first:
            return False
        ref = conn.execute(requests.select().with_only_columns(requests.c.ref)
                           .where(requests.c.order_id == order_id)).scalar()
        if ref is None:
            return False
        repo.enqueue(conn, ref, Outbox.REFRESH_ORDER)
    return True


def register_webhooks(bigcommerce: BigCommerceClient, url: str, secret: str) -> list[Hook]:
    """Create the hooks the bot listens to, each sending the shared-secret header."""
    destination = url.rstrip("/")
    if not destination.endswith("/bigcommerce/webhooks"):
        destination += "/bigcommerce/webhooks"
    existing = {(h.scope, h.destination) for h in bigcommerce.hooks()}
    return [bigcommerce.create_hook(scope, destination, {"X-Paidorder-Secret": secret})
            for scope in SCOPES if (scope, destination) not in existing]
