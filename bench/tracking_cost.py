"""Cost of tracking: BigCommerce calls per `poll_changes` cycle by open orders and changes.

For each size the sandbox store gets N open orders (created in its state directly) and the bot's
database gets the matching ordered requests (inserted with SQLAlchemy). All orders are dated two
hours back, the poll cursor one minute back; then K orders are shipped "from the control panel"
and one poll cycle runs. A second cycle right after shows the steady cost.

    python bench/tracking_cost.py
    python bench/tracking_cost.py --quick
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import GOOD_FORM, REQUESTER, SALES, begin, table


def build(store: Any, repo: Any, client: Any, n: int) -> list[int]:
    """N open orders in the store and N matching ordered requests in the database."""
    from sqlalchemy import insert, select

    from commands.catalog import Catalog
    from commands.handlers import Submitted, submit_request
    from commands.models import RequestForm, RequestState
    from commands.orders import order_body
    from commands.schema import requests

    result = submit_request(RequestForm(**{**GOOD_FORM, "transaction_id": "TPL"}),
                            requester_id=REQUESTER, origin_channel=SALES, repo=repo,
                            lookup=Catalog(client).lookup, currency="USD")
    assert isinstance(result, Submitted), result
    body = order_body(result.stored, customer_id=0, external_source="bench")
    with repo.engine.connect() as conn:
        template = dict(conn.execute(select(requests).where(
            requests.c.ref == result.stored.ref)).mappings().one())
    with repo.transaction() as conn:
        conn.execute(requests.delete())
    template.pop("id")
    rows, ids = [], []
    for i in range(n):
        ref = f"PO-T{i:08d}"
        order = store.state.create_order({**body, "external_order_id": ref})
        ids.append(order.id)
        rows.append({**template, "ref": ref, "transaction_key": f"t-{i}",
                     "state": RequestState.ORDERED.value, "order_id": order.id,
                     "order_status_id": order.status_id, "order_status": "Awaiting Fulfillment",
                     "order_total": order.money.get("total_inc_tax"), "order_currency": "USD"})
    with repo.transaction() as conn:
        for start in range(0, len(rows), 2000):
            conn.execute(insert(requests), rows[start:start + 2000])
    backdate(store, ids)
    return ids


def backdate(store: Any, ids: list[int]) -> None:
    old = datetime.now(UTC) - timedelta(hours=2)
    with store.state.lock:
        for order_id in ids:
            store.state.orders[order_id].date_modified = old


def set_cursor(repo: Any, at: datetime) -> None:
    from commands.schema import cursors
    from commands.tracking import POLL_CURSOR

    with repo.transaction() as conn:
        conn.execute(cursors.delete())
        conn.execute(cursors.insert().values(name=POLL_CURSOR, at=at))


def cycle(store: Any, repo: Any, client: Any) -> tuple[int, int, float, dict[str, int]]:
    from collections import Counter

    from commands.tracking import poll_changes

    before = client.calls
    store.reset_requests()
    started = time.perf_counter()
    changed = poll_changes(repo=repo, bigcommerce=client)
    seconds = time.perf_counter() - started
    kinds = Counter(
        "list changed orders" if "min_date_modified" in r.query else
        "/".join(p if not p.isdigit() else "{id}" for p in r.path.split("/")[4:])
        for r in store.requests)
    return client.calls - before, changed, seconds, dict(kinds)


def main(argv: list[str] | None = None) -> int:
    args = begin("Cost of tracking (poll_changes)", __doc__, argv)
    sizes = (10, 100) if args.quick else (10, 1_000, 10_000)
    changes = (0, 10) if args.quick else (0, 10, 100)

    from commands.bigcommerce import BigCommerceClient
    from commands.repository import Repository, connect
    from sandbox.bigcommerce import SandboxServer

    rows: list[list[Any]] = []
    crashes: list[str] = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-track-") as tmp:
            store = SandboxServer(quota=0).start()
            try:
                repo = Repository(connect(f"sqlite:///{Path(tmp) / 'bot.db'}"))
                repo.create_schema()
                client = BigCommerceClient(store.url, store.store_hash, store.access_token)
                t0 = time.perf_counter()
                ids = build(store, repo, client, n)
                setup = time.perf_counter() - t0
                untouched = list(ids)
                for k in changes:
                    if k > n:
                        continue
                    set_cursor(repo, datetime.now(UTC) - timedelta(minutes=1))
                    shipped = [untouched.pop() for _ in range(k)]
                    for order_id in shipped:
                        store.ship_from_control_panel(order_id, tracking_number=f"1Z{order_id}")
                    calls, changed, seconds, kinds = cycle(store, repo, client)
                    try:
                        calls2, _, seconds2, _ = cycle(store, repo, client)
                    except Exception as exc:  # reported, so a product bug shows in the table
                        calls2, seconds2 = f"CRASH {type(exc).__name__}", float("nan")
                        crashes.append(f"{exc}"[:200])
                    backdate(store, shipped)
                    rows.append([f"{n:,}", k, calls, changed, f"{seconds * 1000:.0f}",
                                 calls2, f"{seconds2 * 1000:.0f}",
                                 ", ".join(f"{v}× {k_}" for k_, v in kinds.items())])
                    print(table(["open orders", "changes", "BC calls (cycle)",
                                 "our orders changed", "cycle ms", "BC calls (next cycle)",
                                 "next cycle ms", "calls by kind"], rows[-1:]).splitlines()[-1],
                          f"(setup {setup:.1f} s)", flush=True)
                repo.engine.dispose()
            finally:
                store.stop()
    print()
    print(table(["open orders", "changes", "BC calls (cycle)", "our orders changed",
                 "cycle ms", "BC calls (next cycle)", "next cycle ms", "calls by kind"], rows))
    for crash in dict.fromkeys(crashes):
        print(f"\nA poll cycle CRASHED: {crash}")
    by_k: dict[int, set[int]] = {}
    for row in rows:
        by_k.setdefault(row[1], set()).add(row[2])
    flat = all(len(v) == 1 for v in by_k.values())
    print(f"\ncalls independent of the number of open orders: {'yes' if flat else 'NO'} "
          f"({ {k: sorted(v) for k, v in by_k.items()} })")
    return 0


if __name__ == "__main__":
    sys.exit(main())
