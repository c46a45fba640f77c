"""BigCommerce requests per order, split into submit time and approval time.

Runs the real flow over HTTP (signed `/paidorder`, form submission, Approve click) against the
sandbox store and counts the store's recorded requests around each phase.

    python bench/requests_per_order.py
    python bench/requests_per_order.py --quick
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import (
    APPROVALS,
    APPROVE_ACTION,
    APPROVER,
    GOOD_FORM,
    REQUESTER,
    SALES,
    clean_env,
    drained,
    header,
    player,
    quiet_logs,
    standin,
    start_bot,
    table,
    wait_until,
)

PURPOSE = {
    ("GET", "/v3/catalog/variants"): "resolve the form's SKUs to variants (ids, price)",
    ("GET", "/v3/catalog/products"): "names and availability of those variants' products",
    ("GET", "/v2/orders"): "idempotency: is there already an order with this external_order_id?",
    ("GET", "/v3/customers"): "customer by email → customer_id (0 = guest)",
    ("POST", "/v2/orders"): "create the paid order",
}
# The customer is looked up at submission, alongside the catalog, and travels with the request,
# so approving needs only the idempotency look-up and the create.
MINIMUM = {"submit (cold cache)": 3, "submit (warm cache)": 0, "approval": 2}


def calls(store: Any) -> list[tuple[str, str]]:
    return [(r.method, "/" + r.path.split("/", 3)[3]) for r in store.requests]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run (same work: it is small)")
    parser.parse_args(argv)
    clean_env()
    quiet_logs()
    header("BigCommerce requests per order", "--quick" in (argv or sys.argv))

    from commands.models import RequestState
    from sandbox.bigcommerce import SandboxServer

    with tempfile.TemporaryDirectory(prefix="bench-rpo-") as tmp:
        store = SandboxServer(quota=0).start()
        slack = standin(0.0)
        bot = start_bot(store, slack, Path(tmp) / "bot.db", paidorder_poll_seconds=3600)
        play = player(bot.url, slack)
        try:
            # The bot polls once 5 s after start; let that pass so it is not counted.
            wait_until(lambda: any("min_date_modified" in r.query for r in store.requests), 8)
            drained(bot, 10)
            phases: dict[str, list[tuple[str, str]]] = {}
            refs = []
            for phase, txn in (("submit (cold cache)", "RPO-1"), ("submit (warm cache)", "RPO-2")):
                store.reset_requests()
                before = len(slack.calls_to("views.open"))
                play.command(REQUESTER, SALES)
                view = slack.wait_for("views.open", count=before + 1)[-1].args["view"]
                cards = len(slack.messages(APPROVALS))
                answer = play.submit(REQUESTER, view, {**GOOD_FORM, "transaction_id": txn})
                assert answer.status_code == 200 and not answer.content, answer.text
                wait_until(lambda n=cards: len(slack.messages(APPROVALS)) > n, 10)
                drained(bot, 10)
                phases[phase] = calls(store)
                message = slack.messages(APPROVALS)[-1]
                refs.append(next(e["value"] for b in message.blocks if b.get("type") == "actions"
                                 for e in b["elements"]))
            store.reset_requests()
            play.click(APPROVER, APPROVALS, {"ts": "1.000001"}, APPROVE_ACTION, refs[0])
            wait_until(lambda: (bot.services.repo.get(refs[0]).state == RequestState.ORDERED), 15)
            drained(bot, 10)
            phases["approval"] = calls(store)

            rows = []
            for phase, seen in phases.items():
                rows.append([phase, len(seen), MINIMUM[phase],
                             "yes" if len(seen) <= MINIMUM[phase] else "NO"])
            print(table(["phase", "BigCommerce requests", "design minimum", "met?"], rows))
            print()
            detail = [[phase, f"{m} {p}", PURPOSE.get((m, p), "UNEXPECTED")]
                      for phase, seen in phases.items() for m, p in seen]
            print(table(["phase", "request", "what it is for"], detail or [["—", "—", "—"]]))
            total = len(phases["submit (cold cache)"]) + len(phases["approval"])
            print(f"\nper order: {total} with a cold catalog cache, "
                  f"{len(phases['submit (warm cache)']) + len(phases['approval'])} with a warm "
                  "one (the catalog cache keeps SKUs for 120 s, at most 5,000 entries).")
        finally:
            bot.stop()
            slack.stop()
            store.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
