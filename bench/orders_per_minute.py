"""Orders per minute under BigCommerce's rate limit.

Approves a batch of pending requests (real signed Approve clicks over HTTP) against the sandbox
store metering a fixed window, and measures how fast the outbox worker turns them into orders,
how many 429s it drew, and whether any order was duplicated or lost.

The Standard plan's 150 requests per 30 s is scaled down to 50 per 10 s (the same 5 requests
per second) so a full run stays under about 3 minutes; --quick uses 15 per 3 s.

    python bench/orders_per_minute.py
    python bench/orders_per_minute.py --quick
    python bench/orders_per_minute.py --quota 150 --window 30   # the real plan (slower)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from _common import (
    APPROVALS,
    APPROVE_ACTION,
    APPROVER,
    SALES,
    SIGNING_SECRET,
    Prepared,
    clean_env,
    drained,
    fire,
    header,
    make_pending,
    quiet_logs,
    standin,
    start_bot,
    table,
    wait_until,
)

APPROVAL_CALLS = 3  # GET /v2/orders?external_order_id, GET /v3/customers, POST /v2/orders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--approvals", type=int, default=None)
    parser.add_argument("--quota", type=int, default=None)
    parser.add_argument("--window", type=float, default=None)
    args = parser.parse_args(argv)
    clean_env()
    quiet_logs()
    header("Orders per minute under the rate limit", args.quick)
    count = args.approvals or (10 if args.quick else 200)
    quota = args.quota or (15 if args.quick else 50)
    window = args.window or (3.0 if args.quick else 10.0)
    ceiling = quota / window * 60 / APPROVAL_CALLS

    from sqlalchemy import select

    from commands.models import RequestState
    from commands.schema import audit_log, requests
    from sandbox.bigcommerce import SandboxServer

    with tempfile.TemporaryDirectory(prefix="bench-opm-") as tmp:
        store = SandboxServer(quota=quota, window_seconds=window).start()
        slack = standin(0.0)
        bot = start_bot(store, slack, Path(tmp) / "bot.db", paidorder_poll_seconds=3600)
        try:
            refs = make_pending(bot, count, "OPM")
            drained(bot, 60)
            wait_until(lambda: any("min_date_modified" in r.query for r in store.requests), 8)
            prepared = Prepared(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                                response_url=slack.response_url("bench", channel=SALES))
            clicks = [prepared.click(APPROVER, APPROVALS, {"ts": "1.000001"}, APPROVE_ACTION,
                                     ref) for ref in refs]
            store.reset_requests()
            started_wall = datetime.now(UTC)
            started = time.monotonic()
            answers = fire(bot.url + "/slack/events", clicks, concurrency=20)
            clicked = time.monotonic() - started
            repo = bot.services.repo

            def ordered() -> int:
                with repo.engine.connect() as conn:
                    return len(conn.execute(select(requests.c.ref).where(
                        requests.c.state == RequestState.ORDERED)).all())

            budget = count / ceiling * 60 * 2 + 30
            wait_until(lambda: ordered() >= count, budget, 0.25)
            elapsed = time.monotonic() - started
            drained(bot, 30)
            with repo.engine.connect() as conn:
                created = sorted(conn.execute(select(audit_log.c.at).where(
                    audit_log.c.action.in_(("order_created", "order_adopted")))).scalars())
                states = Counter(s for s in conn.execute(select(requests.c.state)).scalars())
                ordered_refs = set(conn.execute(select(requests.c.ref).where(
                    requests.c.state == RequestState.ORDERED)).scalars())
            with store.state.lock:
                external = [o.text.get("external_order_id") for o in store.state.orders.values()]
            per_ref = Counter(external)
            duplicates = sum(n - 1 for n in per_ref.values() if n > 1)
            lost = [r for r in refs if r not in ordered_refs or per_ref.get(r, 0) == 0]
            recorded = list(store.requests)
            limited = sum(1 for r in recorded if r.status == 429)
            spent = sum(1 for r in recorded if r.status != 429)
            last = (created[-1] - started_wall).total_seconds() if created else float("nan")
            rate = len(created) / last * 60 if created else 0.0
            steady = ((len(created) - 1) / (created[-1] - created[0]).total_seconds() * 60
                      if len(created) > 1 else float("nan"))
            by_call = Counter(f"{r.method} {r.path.split('/v', 1)[-1]}" for r in recorded
                              if r.status != 429)
            print(f"quota {quota} requests per {window:g} s (= {quota / window:.1f}/s; "
                  f"Standard plan 150/30 s = 5.0/s); {count} approvals clicked in "
                  f"{clicked:.2f} s; all recorded after {elapsed:.1f} s")
            print(f"requests spent: {spent} ({spent / max(len(created), 1):.2f} per order); "
                  f"by endpoint: {dict(by_call)}")
            print(f"request states at the end: {dict(states)}")
            print(f"non-200 click answers: {sum(1 for a in answers if a.status != 200)}\n")
            met = rate >= 0.9 * ceiling and duplicates == 0 and not lost
            print(table(
                ["figure", "value", "baseline (ceiling)", "goal", "met?"],
                [["orders/minute (first click → last order)", f"{rate:.1f}",
                  f"{ceiling:.1f} (= {quota}/{window:g}s ÷ {APPROVAL_CALLS} calls)",
                  f"≥ {0.9 * ceiling:.1f} (90 %)", "yes" if rate >= 0.9 * ceiling else "NO"],
                 ["orders/minute (first order → last order)", f"{steady:.1f}",
                  f"{ceiling:.1f}", "—", f"{steady / ceiling:.0%} of ceiling"],
                 ["share of ceiling", f"{rate / ceiling:.0%}", "100 %", "≥ 90 %",
                  "yes" if rate >= 0.9 * ceiling else "NO"],
                 ["429s received", limited, "0 ideal", "(retried, not failed)", "—"],
                 ["duplicate orders", duplicates, "0", "0", "yes" if not duplicates else "NO"],
                 ["lost approvals", len(lost), "0", "0", "yes" if not lost else "NO"]]))
            print(f"\noverall: {'all goals met' if met else 'GOAL MISSED'}")
        finally:
            bot.stop()
            slack.stop()
            store.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
