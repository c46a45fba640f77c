"""Reports: `/paidorder export` over 10,000 orders, and the summary's 14-day chart (SQLite).

The database gets 10,000 ordered requests recorded over 14 days in America/Chicago (six payment
methods, one in twenty with a customer name or transaction id that needs defusing), with their
audit lines, inserted with SQLAlchemy. Timed: `export_orders` for the whole range (query, rows,
CSV bytes), and the chart: `recorded_per_day` and `draw_chart`, the first draw in the process
(which imports matplotlib) apart from the rest.

    python bench/export.py
    python bench/export.py --quick
    python bench/export.py --save-chart docs/summary-chart.png   # also write the chart
"""

from __future__ import annotations

import csv
import io
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from _common import begin, insert_history, median, table

TZ = ZoneInfo("America/Chicago")
LAST_DAY = date(2026, 3, 9)  # the range crosses the DST change of 8 March
DAYS = 14
EXPORT_GOAL = 2.0


def populate(repo, orders: int) -> None:

    from commands.models import PAYMENT_METHODS, Address, LineItem, OrderRequest

    address = Address(first_name="Jane", last_name="Doe", street_1="12 Main St", city="Austin",
                      state="Texas", zip="78701", country="United States", country_iso2="US",
                      email="jane@example.com")
    item = LineItem(sku="TSHIRT-RED-M", name="Classic T-Shirt", product_id=111, variant_id=201,
                    quantity=2, unit_price=Decimal("25.99"))
    body = OrderRequest(customer_email="jane@example.com", address=address, items=(item,),
                        shipping_cost=Decimal("5.00"), payment_method="Bank transfer",
                        transaction_id="x", amount_paid=Decimal("56.98"),
                        status_id=11).model_dump(mode="json")
    # Fewer orders at weekends, more bank transfers than checks: a chart worth looking at.
    shuffle = random.Random(7)
    days = [LAST_DAY - timedelta(days=n) for n in reversed(range(DAYS))]
    weights = [0.4 if d.weekday() >= 5 else 1.0 + 0.1 * (n % 4) for n, d in enumerate(days)]
    per_day = [int(orders * w / sum(weights)) for w in weights]
    per_day[-1] += orders - sum(per_day)
    moments = [datetime.combine(day, datetime.min.time(), TZ) + timedelta(days=1) * k / count
               for day, count in zip(days, per_day, strict=True) for k in range(count)]
    rows, audit = [], []
    for i, local in enumerate(moments):
        at = local.astimezone(UTC)
        method = shuffle.choices(PAYMENT_METHODS, weights=(40, 25, 15, 10, 6, 4))[0]
        hostile = i % 20 == 0
        txn = f"=HYPERLINK(\"x\",\"{i}\")" if hostile else f"TXN-{i}"
        name = "@SUM(A1)" if hostile else "Jane"
        ref = f"PO-E{i:08d}"
        total = Decimal(shuffle.randrange(2000, 40000)) / 100
        rows.append({
            "ref": ref, "state": "ordered", "requester_id": "U0REQ", "origin_channel": "C0SALES",
            "payment_method": method, "transaction_key": txn.lower(),
            "amount_paid": total, "catalog_total": total, "currency": "USD",
            "body": {**body, "transaction_id": txn, "address": {**body["address"],
                                                                 "first_name": name}},
            "created_at": at, "updated_at": at, "decided_by": "U0APPROVER", "decided_at": at,
            "order_id": 100 + i, "order_status_id": 11, "order_status": "Awaiting Fulfillment",
            "order_total": total, "order_currency": "USD", "order_tax": Decimal("4.21"),
        })
        audit.append({"at": at, "ref": ref, "actor": "U0APPROVER", "action": "approved",
                      "detail": {}})
        audit.append({"at": at + timedelta(seconds=1), "ref": ref, "actor": "bigcommerce",
                      "action": "order_created", "detail": {"order_id": 100 + i}})
    insert_history(repo, rows, audit)


def timed(work, runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return times, result


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    save = None
    if "--save-chart" in argv:
        at = argv.index("--save-chart")
        save = Path(argv[at + 1])
        del argv[at:at + 2]
    args = begin("Reports: export and chart", __doc__, argv)
    orders = 300 if args.quick else 10_000
    runs = 3 if args.quick else 7

    from bot.summary_chart import alt_text, draw_chart
    from commands.export import DateRange, export_orders
    from commands.recorded_per_day import recorded_per_day
    from commands.repository import Repository, connect

    span = DateRange(LAST_DAY - timedelta(days=DAYS - 1), LAST_DAY)
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        repo = Repository(connect(f"sqlite:///{Path(tmp) / 'bot.db'}"))
        repo.create_schema()
        populate(repo, orders)
        export_times, report = timed(lambda: export_orders(repo, span, TZ), runs)
        query_times, chart = timed(lambda: recorded_per_day(repo, LAST_DAY, TZ), runs)
        started = time.perf_counter()
        png = draw_chart(chart)
        first_draw = time.perf_counter() - started
        draw_times, png = timed(lambda: draw_chart(chart), runs)
        repo.engine.dispose()
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"), newline="")))
    assert report.orders == orders == len(rows) - 1, (report.orders, len(rows))
    defused = sum(1 for row in rows[1:] if row[5].startswith("'="))
    assert defused == len(range(0, orders, 20)), defused
    print(f"export: {report.orders:,} rows, {len(report.content) / 1024:,.0f} KiB, "
          f"{defused} transaction ids defused · chart: {len(png):,} bytes PNG, "
          f"total {chart.total:,} {chart.currency}\n  alt text: {alt_text(chart)[:120]}…\n")
    med = median(export_times)
    print(table(["figure", "value", "goal", "met?"], [
        [f"export_orders, {orders:,} orders, median of {runs}", f"{med * 1000:.0f} ms",
         f"< {EXPORT_GOAL:.0f} s", "yes" if med < EXPORT_GOAL else "NO"],
        ["export_orders, slowest run", f"{max(export_times) * 1000:.0f} ms",
         f"< {EXPORT_GOAL:.0f} s", "yes" if max(export_times) < EXPORT_GOAL else "NO"],
        [f"recorded_per_day (14 queries), median of {runs}",
         f"{median(query_times) * 1000:.0f} ms", "—", "—"],
        ["draw_chart, first in the process (imports matplotlib)", f"{first_draw * 1000:.0f} ms",
         "—", "—"],
        [f"draw_chart, median of {runs}", f"{median(draw_times) * 1000:.0f} ms", "—", "—"],
    ]))
    if save is not None:
        save.parent.mkdir(parents=True, exist_ok=True)
        save.write_bytes(png)
        print(f"\nchart saved to {save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
