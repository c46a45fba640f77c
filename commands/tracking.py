"""Following the bot's orders after they exist: status changes and shipments, from anywhere.

Changes reach the bot by webhook and by polling; both end in `refresh_order`, which re-reads the
order from BigCommerce (a webhook's payload is never trusted), records what is new, and writes
the follow-up work (card update, thread reply) to the outbox. Recording is idempotent, so the
same change arriving twice is shown once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from commands.bigcommerce import BigCommerceClient, UnusableAnswer
from commands.bigcommerce_answers import Order, OrderProduct, Shipment
from commands.claims import insert_if_absent
from commands.repository import Outbox, Repository, StoredRequest
from commands.schema import cursors, requests, shipments

log = logging.getLogger(__name__)

POLL_CURSOR = "orders_poll"
# Seconds re-read at each poll: BigCommerce's min_date_modified has one-second resolution and a
# change can land while the previous poll is reading.
POLL_OVERLAP = timedelta(seconds=5)


@dataclass(frozen=True)
class Refreshed:
    status_changed: bool
    new_shipments: list[Shipment]


def refresh_order(stored: StoredRequest, *, repo: Repository, bigcommerce: BigCommerceClient,
                  order: Order | None = None) -> Refreshed:
    """Bring what the bot knows about `stored`'s order up to date; enqueue what must be shown.

    An answer the bot can't use is put on the card as a problem instead of being retried: the
    next change (webhook or poll) reads the order again, and a good answer clears it."""
    assert stored.order_id is not None
    try:
        order = order or bigcommerce.get_order(stored.order_id)
        found = bigcommerce.shipments(stored.order_id) if order.items_shipped else []
        products = {p.id: p for p in bigcommerce.order_products(stored.order_id)} \
            if found else {}
    except UnusableAnswer as exc:
        note_unusable_answer(repo, stored, exc)
        return Refreshed(False, [])
    now = repo.clock()
    with repo.transaction() as conn:
        changed = conn.execute(
            update(requests)
            .where(requests.c.ref == stored.ref,
                   requests.c.order_status_id.is_distinct_from(order.status_id))
            .values(order_status_id=order.status_id, order_status=order.status, updated_at=now)
            .returning(requests.c.id)
        ).first() is not None
        if changed:
            repo.audit(conn, stored.ref, "bigcommerce", "status_changed",
                       {"order_id": stored.order_id, "status_id": order.status_id,
                        "status": order.status})
        new = [s for s in found if insert_if_absent(conn, shipments, {
            "shipment_id": s.id, "order_id": s.order_id, "ref": stored.ref,
            "carrier": s.carrier, "tracking_number": s.tracking_number,
            "tracking_link": s.tracking_link, "items": _items(s, products), "seen_at": now,
        }, ["shipment_id"])]
        for shipment in new:
            repo.audit(conn, stored.ref, "bigcommerce", "shipment_seen",
                       {"order_id": stored.order_id, "shipment_id": shipment.id})
        if new:
            repo.enqueue(conn, stored.ref, Outbox.POST_SHIPMENTS)
        if changed or new:
            repo.enqueue(conn, stored.ref, Outbox.UPDATE_CARD)
    if stored.problem:
        repo.note_problem(stored.ref, None)  # the order reads fine again
    return Refreshed(changed, new)


def note_unusable_answer(repo: Repository, stored: StoredRequest, exc: UnusableAnswer) -> None:
    log.error("order %s of %s: %s", stored.order_id, stored.ref, exc)
    repo.note_problem(stored.ref, f"BigCommerce's answer about order #{stored.order_id} can't "
                                  f"be used ({exc.field}); check the order in the control panel.")


def poll_changes(*, repo: Repository, bigcommerce: BigCommerceClient) -> int:
    """One poll cycle: a single paged list of orders changed since the last cycle, then a
    refresh only of the bot's own orders among them. Returns how many of ours changed."""
    started = repo.clock()
    since = _cursor(repo) or started - timedelta(days=1)
    ours = 0
    for order in bigcommerce.orders_modified_since(since - POLL_OVERLAP):
        order_id = order.order_id if isinstance(order, UnusableAnswer) else order.id
        stored = repo.by_order_id(order_id) if order_id is not None else None
        if stored is None:
            continue
        if isinstance(order, UnusableAnswer):
            note_unusable_answer(repo, stored, order)
            continue
        if _looks_unchanged(repo, stored, order):
            continue
        refresh_order(stored, repo=repo, bigcommerce=bigcommerce, order=order)
        ours += 1
    _save_cursor(repo, started)
    return ours


def _looks_unchanged(repo: Repository, stored: StoredRequest, order: Order) -> bool:
    """Same status and every shipped item already seen: skip the shipments call."""
    if stored.order_status_id != order.status_id or stored.problem:
        return False
    return order.items_shipped == 0 or order.items_shipped == items_shipped_known(repo, stored.ref)


def items_shipped_known(repo: Repository, ref: str) -> int:
    with repo.engine.connect() as conn:
        rows = conn.execute(select(shipments.c["items"]).where(shipments.c.ref == ref)).scalars()
        return sum(int(item["quantity"]) for items in rows for item in items)


def _cursor(repo: Repository) -> datetime | None:
    with repo.engine.connect() as conn:
        return conn.execute(select(cursors.c.at).where(cursors.c.name == POLL_CURSOR)).scalar()


def _save_cursor(repo: Repository, at: datetime) -> None:
    with repo.transaction() as conn:
        if not insert_if_absent(conn, cursors, {"name": POLL_CURSOR, "at": at}, ["name"]):
            conn.execute(update(cursors).where(cursors.c.name == POLL_CURSOR,
                                               cursors.c.at < at).values(at=at))


def _items(shipment: Shipment, products: dict[int, OrderProduct]) -> list[dict[str, Any]]:
    items = []
    for item in shipment.items:
        product = products.get(item.order_product_id)
        items.append({"order_product_id": item.order_product_id,
                      "sku": product.sku if product else "",
                      "name": product.name if product else "",
                      "quantity": item.quantity})
    return items


def unposted_shipments(repo: Repository, ref: str) -> list[dict[str, Any]]:
    with repo.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(shipments).where(shipments.c.ref == ref, shipments.c.reply_ts.is_(None))
            .order_by(shipments.c.shipment_id)).mappings()]


def mark_posted(repo: Repository, shipment_id: int, reply_ts: str) -> None:
    with repo.transaction() as conn:
        conn.execute(update(shipments).where(shipments.c.shipment_id == shipment_id)
                     .values(reply_ts=reply_ts))
