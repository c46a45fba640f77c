"""Memory: RSS of an idle bot process, and after 10,000 form submissions.

The bot runs alone in a subprocess (the sandbox store and the Slack stand-in stay in this
process); VmRSS and VmHWM are read from /proc/<pid>/status. Every submission is valid and
distinct (its own transaction id), so each one stores a request and has its card posted.

Bounded caches to keep in mind: the catalog cache (`Catalog(max_entries=5000)`, cleared when
full, entries live 120 s) and the roster cache (one entry per configured user group, 300 s).

    python bench/memory.py
    python bench/memory.py --quick
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from _common import (
    APPROVALS,
    GOOD_FORM,
    REQUESTER,
    SALES,
    SIGNING_SECRET,
    Prepared,
    begin,
    bot_process,
    fire,
    player,
    rss_kib,
    settings_values,
    standin,
    table,
    wait_until,
)


def main(argv: list[str] | None = None) -> int:
    args = begin("Memory", __doc__, argv)
    total = 200 if args.quick else 10_000
    batch = 100 if args.quick else 1_000

    from sandbox.bigcommerce import SandboxServer

    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        store = SandboxServer(quota=0).start()
        slack = standin(0.0)
        values = settings_values(store, slack, Path(tmp) / "bot.db",
                                 paidorder_poll_seconds=3600)
        rows = []
        try:
            with bot_process(values) as (child, url):
                rows.append(["just started", 0, *rss_kib(child.pid)])
                time.sleep(7)  # past the startup poll
                rows.append(["idle (7 s after start)", 0, *rss_kib(child.pid)])
                play = player(url, slack)
                play.command(REQUESTER, SALES)
                view = slack.wait_for("views.open", count=1)[-1].args["view"]
                prepared = Prepared(url, SIGNING_SECRET, team_id=slack.team_id)
                sent = bad = 0
                started = time.monotonic()
                while sent < total:
                    n = min(batch, total - sent)
                    reqs = [prepared.submit(REQUESTER, view, {**GOOD_FORM,
                                                              "transaction_id": f"MEM-{sent + i}"})
                            for i in range(n)]
                    answers = fire(url + "/slack/events", reqs, concurrency=8)
                    bad += sum(1 for a in answers if a.status != 200)
                    sent += n
                    rows.append([f"after {sent:,} submissions", sent, *rss_kib(child.pid)])
                    print(rows[-1], flush=True)
                took = time.monotonic() - started

                def cards() -> int:
                    return len(slack.calls_to("chat.postMessage"))

                wait_until(lambda: cards() >= total, 180, 0.5)
                rows.append([f"cards posted ({cards():,})", sent, *rss_kib(child.pid)])
                time.sleep(3)
                rows.append(["idle 3 s later", sent, *rss_kib(child.pid)])
        finally:
            slack.stop()
            store.stop()
    idle = rows[1][2]
    print()
    print(table(["moment", "submissions", "VmRSS MiB", "VmHWM MiB", "vs idle"],
                [[m, f"{s:,}", f"{r / 1024:.1f}", f"{h / 1024:.1f}", f"{r / idle:.2f}×"]
                 for m, s, r, h in rows]))
    print(f"\n{total:,} submissions in {took:.1f} s ({total / took:.0f}/s, 8 in flight), "
          f"{bad} non-200 answers; approval channel {APPROVALS}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
