"""Daily summary: time and peak memory of `daily_summary` over 10,000 orders of one day (SQLite).

The database gets 10,000 ordered requests decided and created that day (one in ten with an
amount mismatch, a spread of payment methods and statuses), their audit lines, 100 pending and
100 rejected requests, inserted with SQLAlchemy. Then `daily_summary` runs several times; the
median time is reported, and the peak of a separate run under tracemalloc.

    python bench/summary.py
    python bench/summary.py --quick
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from _common import GOOD_FORM, begin, insert_history, median, pct, table

DAY = date(2025, 3, 12)
TZ = ZoneInfo("America/Chicago")


def populate(repo, orders: int) -> None:

    from commands.models import PAYMENT_METHODS, RequestState

    start = datetime(2025, 3, 12, 6, 0, tzinfo=UTC)  # 00:00 in Chicago
    body = {"note": "summary reads columns only", **GOOD_FORM}
    rows, audit = [], []
    statuses = (11, 11, 11, 3, 2, 10)
    for i in range(orders + 200):
        at = start + timedelta(seconds=i * 8)
        method = PAYMENT_METHODS[i % len(PAYMENT_METHODS)]
        paid = Decimal("56.98") if i % 10 else Decimal("52.98")
        ref = f"PO-S{i:08d}"
        if i < orders:
            state = RequestState.ORDERED.value
        elif i < orders + 100:
            state = RequestState.PENDING.value
        else:
            state = RequestState.REJECTED.value
        ordered = state == RequestState.ORDERED.value
        rows.append({
            "ref": ref, "state": state, "requester_id": "U0REQ", "origin_channel": "C0SALES",
            "payment_method": method, "transaction_key": f"s-{i}", "amount_paid": paid,
            "catalog_total": Decimal("56.98"), "currency": "USD", "body": body,
            "created_at": at, "updated_at": at,
            "decided_by": "U0APPROVER" if state != RequestState.PENDING.value else None,
            "decided_at": at + timedelta(seconds=2) if state != "pending" else None,
            "order_id": 100 + i if ordered else None,
            "order_status_id": statuses[i % len(statuses)] if ordered else None,
            "order_status": "Awaiting Fulfillment" if ordered else None,
            "order_total": Decimal("56.98") if ordered else None,
            "order_currency": "USD" if ordered else None,
        })
        audit.append({"at": at, "ref": ref, "actor": "U0REQ", "action": "submitted",
                      "detail": {}})
        if ordered:
            audit.append({"at": at + timedelta(seconds=2), "ref": ref, "actor": "U0APPROVER",
                          "action": "approved", "detail": {}})
            audit.append({"at": at + timedelta(seconds=3), "ref": ref, "actor": "bigcommerce",
                          "action": "order_created", "detail": {"order_id": 100 + i}})
    insert_history(repo, rows, audit)


def main(argv: list[str] | None = None) -> int:
    args = begin("Daily summary", __doc__, argv)
    orders = 200 if args.quick else 10_000
    runs = 3 if args.quick else 9

    from bot.summary_view import summary_message
    from commands.repository import Repository, connect
    from commands.summary import daily_summary

    with tempfile.TemporaryDirectory(prefix="bench-summary-") as tmp:
        repo = Repository(connect(f"sqlite:///{Path(tmp) / 'bot.db'}"))
        repo.create_schema()
        populate(repo, orders)
        now = datetime(2025, 3, 13, 15, 0, tzinfo=UTC)
        summary = daily_summary(repo, DAY, TZ, now=now)  # warm-up (connection, statements)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            summary = daily_summary(repo, DAY, TZ, now=now)
            times.append(time.perf_counter() - started)
        render = []
        for _ in range(runs):
            started = time.perf_counter()
            text, blocks = summary_message(summary, title="bench")
            render.append(time.perf_counter() - started)
        tracemalloc.start()
        daily_summary(repo, DAY, TZ, now=now)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        repo.engine.dispose()
    assert summary.orders == orders, summary.orders
    print(f"summary: {summary.orders:,} orders, totals {len(summary.totals)} groups, "
          f"{summary.approved:,} approved / {summary.rejected} rejected / "
          f"{len(summary.pending)} pending, {len(summary.mismatches):,} mismatches, "
          f"by status {summary.by_status}\n")
    med = median(times)
    print(table(["figure", "value", "goal", "met?"], [
        [f"daily_summary over {orders:,} orders, median of {runs}", f"{med * 1000:.0f} ms",
         "< 1 s", "yes" if med < 1 else "NO"],
        ["daily_summary, slowest run", f"{max(times) * 1000:.0f} ms", "< 1 s",
         "yes" if max(times) < 1 else "NO"],
        ["peak traced memory (tracemalloc)", f"{peak / 1024 / 1024:.1f} MiB", "—", "—"],
        ["rendering the Slack message, median", f"{median(render) * 1000:.2f} ms", "—", "—"],
        ["p90 of runs", f"{pct(times, 90) * 1000:.0f} ms", "—", "—"],
    ]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
