"""BigCommerce webhook deliveries: de-duplicated on their `hash`, turned into order refreshes.

The payload carries ids only and may be replayed, so it is never trusted for state: it only
names an order for the worker to re-read (BigCommerce webhooks docs: "read the order again").
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from commands.bigcommerce import BigCommerceClient
from commands.bigcommerce_answers import MAX_ID, Hook
from commands.claims import insert_if_absent
from commands.repository import Outbox, Repository
from commands.schema import outbox, requests, webhook_events

log = logging.getLogger(__name__)

# Product changes keep the product search's index fresh between polls (commands/product_index.py).
PRODUCT_SCOPES = ("store/product/created", "store/product/updated", "store/product/deleted")
SCOPES = ("store/order/statusUpdated", "store/shipment/created", *PRODUCT_SCOPES)
WEBHOOK_PATH = "/bigcommerce/webhooks"  # where bot/server.py takes deliveries
# Deliveries come in bursts (a control-panel shipment sends several; a bulk edit hundreds), so
# the re-read waits for a quiet moment instead of running once per delivery.
QUIET = timedelta(seconds=1)
MAX_WAIT = timedelta(seconds=10)


def order_id_of(envelope: dict[str, Any]) -> int | None:
    """The order a delivery names, or None when it names none we could hold: ids are whole
    JSON numbers (or digit strings) from 1 to the largest the database stores."""
    data = envelope.get("data") or {}
    if not isinstance(data, dict):
        return None
    raw = data.get("orderId") if data.get("type") == "shipment" else data.get("id")
    raw = raw if raw is not None else data.get("order_id")
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 12:
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_ID:
        return None  # a float, a huge or negative number, or something else entirely
    return raw


def product_change(body: bytes) -> tuple[int, bool] | None:
    """(product id, deleted) when the delivery is about a product, else None."""
    try:
        envelope = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        return None
    if not isinstance(envelope, dict) or envelope.get("scope") not in PRODUCT_SCOPES:
        return None
    data = envelope.get("data") or {}
    product_id = data.get("id") if isinstance(data, dict) else None
    if isinstance(product_id, bool) or not isinstance(product_id, int) \
            or not 1 <= product_id <= MAX_ID:
        return None
    return product_id, envelope["scope"] == "store/product/deleted"


def accept_webhook(repo: Repository, body: bytes) -> bool:
    """Record one delivery; True when it gave the worker an order to re-read."""
    try:
        envelope = json.loads(body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
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
        if ref is None or _absorbed(repo, conn, ref):
            return False
        repo.enqueue(conn, ref, Outbox.REFRESH_ORDER, delay=QUIET)
    return True


def _absorbed(repo: Repository, conn: Connection, ref: str) -> bool:
    """Fold this delivery into a re-read of the order that is queued and not started yet, and
    let that re-read wait for the burst to end (QUIET after the last delivery, MAX_WAIT after
    the first): 300 deliveries for one order cost a re-read or two, not one each. A re-read
    already running may have read the order before this change, so it does not absorb it."""
    waiting = conn.execute(
        select(outbox.c.id, outbox.c.created_at)
        .where(outbox.c.ref == ref, outbox.c.kind == Outbox.REFRESH_ORDER,
               outbox.c.done_at.is_(None), outbox.c.claimed_until.is_(None))
        .order_by(outbox.c.id).limit(1)
    ).first()
    if waiting is None:
        return False
    run_after = min(repo.clock() + QUIET, waiting.created_at + MAX_WAIT)
    conn.execute(update(outbox).where(outbox.c.id == waiting.id, outbox.c.run_after < run_after)
                 .values(run_after=run_after))
    return True


def register_webhooks(bigcommerce: BigCommerceClient, url: str, secret: str) -> list[Hook]:
    """Create the hooks the bot listens to, each sending the shared-secret header."""
    destination = url.rstrip("/")
    if not destination.endswith(WEBHOOK_PATH):
        destination += WEBHOOK_PATH
    existing = {(h.scope, h.destination) for h in bigcommerce.hooks()}
    return [bigcommerce.create_hook(scope, destination, {"X-Paidorder-Secret": secret})
            for scope in SCOPES if (scope, destination) not in existing]
