"""Find a product: options-request latency at a large catalog, and what the index costs.

A sandbox store with 50,000 generated products (plus the seeded ones). First the index alone:
the full sync's requests and time, then its memory (tracemalloc, in a second sync). Then the
running bot: 20 typists type product names and SKUs one keystroke at a time, each keystroke a
signed `block_suggestion` options request over HTTP, at most 20 in flight; the BigCommerce
requests made meanwhile are counted (the index answers, so there should be none).

    python bench/product_search.py            # full run (~1 min)
    python bench/product_search.py --quick    # smoke run for CI
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from _common import (
    REQUESTER,
    SIGNING_SECRET,
    Prepared,
    begin,
    fire,
    median,
    pct,
    standin,
    start_bot,
    table,
    wait_until,
)

TYPISTS = 20
# What staff type: names (with and without accents, any case), SKUs and SKU prefixes.
TYPED = ("classic cotton shirt", "GEN-0412", "creme linen", "señor wool cap", "urban denim",
         "gen-3", "Vintage Poster", "tshirt-red", "alpine fleece hoodie", "smart hemp tote",
         "coastal silk scarf", "GEN-49999", "organic bamboo towel", "mug", "recycled steel")


def keystrokes(quick: bool) -> list[str]:
    """Every prefix of at least two characters (Slack's min_query_length), typist by typist;
    each typist also looks for a SKU and a name of their own, so most long queries differ."""
    from sandbox.bigcommerce.catalog_search import generated_products

    named = generated_products(TYPISTS * 2503 % 50_000 + 1)
    queries = []
    for typist in range(TYPISTS if not quick else 4):
        own = named[typist * 2503 % len(named)]
        texts = [*TYPED[typist % 5:], own.sku, own.name.lower()]
        for text in (texts if not quick else texts[:3]):
            shifted = text if typist % 2 == 0 else text.upper()
            queries += [shifted[:n] for n in range(2, len(shifted) + 1)]
    return queries


def search_alone(index, queries: list[str]) -> list[float]:  # noqa: ANN001
    """Each distinct query once, straight on the index with no recent answers to reuse (ms)."""
    from commands.product_index import _Snapshot

    snapshot: _Snapshot = index._snapshot  # noqa: SLF001 - measuring the structure itself
    times = []
    for query in dict.fromkeys(q.casefold() for q in queries):
        snapshot._recent.clear()  # noqa: SLF001
        began = time.perf_counter()
        index.search(query)
        times.append((time.perf_counter() - began) * 1000)
    return times


def index_cost(products: int, queries: list[str]) -> tuple[list[list[str]], list[float]]:
    from commands.bigcommerce import BigCommerceClient
    from commands.product_index import ProductIndex
    from sandbox.bigcommerce import SandboxServer

    store = SandboxServer(quota=0, generated_products=products).start()
    try:
        index = ProductIndex(BigCommerceClient(store.url, store.store_hash, store.access_token))
        began = time.perf_counter()
        index.refresh()
        seconds = time.perf_counter() - began
        requests = len(store.requests)
        listings = len(index)
        fresh = ProductIndex(BigCommerceClient(store.url, store.store_hash, store.access_token))
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        fresh.refresh()
        retained = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        began = time.perf_counter()
        index.refresh()  # incremental: nothing changed
        incremental = time.perf_counter() - began
        alone = search_alone(index, queries)
    finally:
        store.stop()
    return [[f"{products + 6:,}", f"{listings:,}", str(requests), f"{seconds:.1f} s",
             f"{retained / 2**20:.0f} MiB", f"{incremental * 1000:.0f} ms"]], alone


def typing(products: int, queries: list[str]) -> tuple[list[list[str]], int]:
    from bot.views import request_modal
    from sandbox.bigcommerce import SandboxServer

    store = SandboxServer(quota=0, generated_products=products).start()
    slack = standin()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        bot = start_bot(store, slack, Path(tmp) / "bot.db")
        try:
            wait_until(lambda: bot.services.products.ready, timeout=600)
            view = request_modal(origin_channel=None) | {"id": "V1", "hash": "h"}
            player = Prepared(bot.url, SIGNING_SECRET, team_id=slack.team_id)
            prepared = [player.suggest(REQUESTER, view, "find_product", q) for q in queries]
            before = len(store.requests)
            fire(f"{bot.url}/slack/events", prepared[:40], concurrency=TYPISTS)  # warm-up
            began = time.perf_counter()
            samples = fire(f"{bot.url}/slack/events", prepared, concurrency=TYPISTS)
            wall = time.perf_counter() - began
            asked = len(store.requests) - before
        finally:
            bot.stop()
            slack.stop()
            store.stop()
    ok = [s.seconds for s in samples if s.status == 200]
    ms = [s * 1000 for s in ok]
    rows = [[f"{products + 6:,}", str(TYPISTS), f"{len(samples):,}",
             f"{len(ok):,}", f"{median(ms):.0f} ms", f"{pct(ms, 99):.0f} ms",
             f"{max(ms):.0f} ms", f"{len(samples) / wall:.0f}/s"]]
    return rows, asked


def main(argv: list[str] | None = None) -> int:
    args = begin("Find a product", __doc__, argv)
    products = 2_000 if args.quick else 50_000
    queries = keystrokes(args.quick)
    cost, alone = index_cost(products, queries)
    print("## The index: full sync and memory\n")
    print(table(["products", "SKUs indexed", "full-sync requests", "full-sync time",
                 "index memory (tracemalloc)", "incremental refresh, no changes"], cost))
    print("\n## One search, no HTTP, no reused answers\n")
    print(table(["distinct queries", "p50", "p99", "max"],
                [[str(len(alone)), f"{median(alone):.1f} ms", f"{pct(alone, 99):.1f} ms",
                  f"{max(alone):.1f} ms"]]))
    print("\n## Options requests while typing\n")
    rows, asked = typing(products, queries)
    print(table(["products", "typists in flight", "requests", "answered 200", "p50", "p99",
                 "max", "throughput"], rows))
    print(f"\nBigCommerce requests during the typing: {asked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
