"""The catalog, searchable as the requester types: a local index kept fresh in the background.

Slack gives an options request 3 seconds and a typist sends one per keystroke, so a search
never calls BigCommerce: it reads this index. A full sync at start-up pages through
`GET /v3/catalog/products?include=variants` (250 a page); after that, refreshes ask only for
what changed (`date_modified:min`), on the scheduler's beat and when a product webhook says so.

Each replica keeps its own index in memory rather than sharing one through the database:
a search has to rank by SKU prefix and name words, case- and accent-insensitively, well inside
200 ms under a burst of typists; in memory that is a few bisects on sorted lists, the same on
SQLite and PostgreSQL, and a database that is slow or away cannot slow typing. The cost is one
full sync per replica at start-up (200 requests for 50,000 products) and some memory
(BENCHMARKS.md); replicas may disagree for one refresh interval, which is harmless because the
submit-time SKU check still asks BigCommerce (commands/catalog.py).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import re
import threading
import time
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from commands.bigcommerce import BigCommerceError, UnusableAnswer
from commands.bigcommerce_answers import Product

log = logging.getLogger(__name__)

MAX_OPTIONS = 100  # what Slack shows of an options answer
RECENT_QUERIES = 4096
# Changes are asked for from the newest `date_modified` seen, inclusive (`:min`), by
# BigCommerce's own clock, so a change later in that same second is not missed. Only with no
# date seen yet does our clock stand in, a minute early for the difference between the two.
OVERLAP = timedelta(seconds=60)
# Only a full sync notices products deleted while no webhook told us.
FULL_SYNC_EVERY = timedelta(hours=6)
_END = "\U0010ffff"
_WORD = re.compile(r"[^\W_]+")


class ProductSource(Protocol):
    def catalog_products(self, modified_since: datetime | None = None
                         ) -> Iterator[Product | UnusableAnswer]: ...


@dataclass(frozen=True)
class Listing:
    """One thing a requester can put on an Items line: a product's variant and its SKU."""

    product_id: int
    variant_id: int
    sku: str
    name: str
    options: str  # the variant's option values, e.g. "Color Red, Size M"
    price: Decimal | None
    purchasable: bool

    @property
    def key(self) -> str:
        return f"{self.product_id}:{self.variant_id}"


def fold(text: str) -> str:
    """Case and accents gone: "Crème" and "CREME" are the same search."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def listings_of(product: Product) -> tuple[Listing, ...]:
    purchasable = product.availability != "disabled" and product.is_visible
    found = [Listing(product.id, v.id, v.sku, product.name,
                     ", ".join(f"{o.option_name} {o.label}" for o in v.option_values),
                     v.price if v.price is not None else product.price,
                     purchasable and not v.purchasing_disabled)
             for v in product.variants if v.sku.strip()]
    if not found and product.sku.strip():  # an answer without variants: the base SKU
        found = [Listing(product.id, 0, product.sku, product.name, "", product.price,
                         purchasable)]
    return tuple(found)


class _Snapshot:
    """An immutable search structure; a refresh builds a new one and swaps it in whole."""

    def __init__(self, listings: Iterable[Listing]) -> None:
        # Position is rank: purchasable first, then by name, so every match list, sorted by
        # position, is already in the order to show.
        self.listings = sorted(listings, key=lambda x: (not x.purchasable, fold(x.name), x.sku))
        self.purchasable = sum(1 for x in self.listings if x.purchasable)
        skus = sorted((fold(x.sku), i) for i, x in enumerate(self.listings))
        self.sku_keys = [s for s, _ in skus]
        self.sku_positions = array("I", (i for _, i in skus))
        postings: dict[str, list[int]] = {}
        for i, x in enumerate(self.listings):
            for word in set(_WORD.findall(fold(f"{x.name} {x.options} {x.sku}"))):
                postings.setdefault(word, []).append(i)
        self.vocabulary = sorted(postings)
        self.postings = {w: array("I", p) for w, p in postings.items()}
        self.by_key = {x.key: x for x in self.listings}
        # Typists share prefixes ("cl", "cla", …): the answers of recent queries, per snapshot.
        self._recent: dict[tuple[str, int], list[Listing]] = {}

    def search(self, query: str, limit: int) -> list[Listing]:
        q = fold(query).strip()
        if not q:
            return []
        key = (q, limit)
        found = self._recent.get(key)
        if found is None:
            found = [self.listings[i] for i in self._positions(q, limit)]
            if len(self._recent) >= RECENT_QUERIES:
                self._recent.clear()  # bounded memory beats a clever eviction policy here
            self._recent[key] = found
        return found

    def _positions(self, q: str, limit: int) -> list[int]:
        lo = bisect.bisect_left(self.sku_keys, q)
        exact_end = bisect.bisect_right(self.sku_keys, q, lo)
        prefix_end = bisect.bisect_left(self.sku_keys, q + _END, exact_end)
        # Each tier ascending by position, which is rank: purchasable first, then by name.
        tiers = [sorted(self.sku_positions[lo:exact_end]),
                 sorted(self.sku_positions[exact_end:prefix_end]),
                 self._word_matches(_WORD.findall(q))]
        chosen: list[int] = []
        taken: set[int] = set()
        # Purchasable listings first, whatever tier; within that, the tiers in order.
        for purchasable in (True, False):
            for tier in tiers:
                start = 0 if purchasable else bisect.bisect_left(tier, self.purchasable)
                for i in itertools.islice(tier, start, None):
                    if purchasable and i >= self.purchasable:
                        break
                    if i in taken:
                        continue
                    chosen.append(i)
                    taken.add(i)
                    if len(chosen) >= limit:
                        return chosen
        return chosen

    def _word_matches(self, tokens: list[str]) -> list[int]:
        """Listings with a word starting with each token ("cot tot" → Cotton Tote), in
        position order (a listing may repeat: two of its words can share a prefix)."""
        found: set[int] | None = None
        for token in sorted(set(tokens), key=len, reverse=True):  # longest: fewest matches
            start = bisect.bisect_left(self.vocabulary, token)
            end = bisect.bisect_left(self.vocabulary, token + _END, start)
            postings = [self.postings[word] for word in self.vocabulary[start:end]]
            if len(tokens) == 1:  # no intersection: merging the sorted postings is enough
                return sorted(itertools.chain.from_iterable(postings))
            matches = set(itertools.chain.from_iterable(postings))
            found = matches if found is None else found & matches
            if not found:
                return []
        return sorted(found or ())


class ProductIndex:
    def __init__(self, source: ProductSource, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._source = source
        self._clock = clock
        self._products: dict[int, tuple[Listing, ...]] = {}
        self._snapshot = _Snapshot(())
        self._newest: datetime | None = None  # the latest date_modified seen
        self._synced_at: datetime | None = None  # when the last full sync started
        self._refreshing = threading.Lock()
        self._again = threading.Event()
        self._gone: set[int] = set()  # deleted products, dropped by the next refresh
        self.last_sync: dict[str, float] = {}  # what the last refresh read, for the logs

    @property
    def ready(self) -> bool:
        return self._synced_at is not None

    def report(self) -> dict[str, object]:
        """For /healthz: whether Find a product has a catalog to search yet."""
        return {"ready": self.ready, "skus": len(self),
                "synced_at": self._synced_at.isoformat() if self._synced_at else None}

    def search(self, query: str, limit: int = MAX_OPTIONS) -> list[Listing]:
        return self._snapshot.search(query, min(limit, MAX_OPTIONS))

    def listing(self, key: str) -> Listing | None:
        return self._snapshot.by_key.get(key)

    def __len__(self) -> int:
        return len(self._snapshot.listings)

    def refresh(self) -> None:
        """A full sync when none has finished or the last is old, else only the changes.
        One at a time: a refresh asked for while one runs makes that one go again."""
        if not self._refreshing.acquire(blocking=False):
            self._again.set()
            return
        try:
            while True:
                self._again.clear()
                self._refresh_once()
                if not self._again.is_set():
                    return
        except BigCommerceError as exc:
            log.warning("the product search could not be refreshed: %s", exc)
        finally:
            self._refreshing.release()

    def changed(self, product_id: int, *, deleted: bool = False) -> None:
        """A product webhook: re-read what changed (or drop a deleted product) in the
        background, so the delivery is answered at once."""
        if deleted:
            self._gone.add(product_id)  # a burst of deletions costs one rebuild, not one each
        threading.Thread(target=self.refresh, name="product-index", daemon=True).start()

    def _refresh_once(self) -> None:
        started = self._clock()
        full = self._synced_at is None or started - self._synced_at >= FULL_SYNC_EVERY
        since = None if full else (self._newest or (self._synced_at or started) - OVERLAP)
        began = time.perf_counter()
        products: dict[int, tuple[Listing, ...]] = {} if full else dict(self._products)
        read = changed = skipped = 0
        newest = self._newest  # kept only if the whole refresh succeeds: nothing is skipped
        for item in self._source.catalog_products(since):
            if isinstance(item, UnusableAnswer):
                skipped += 1
                log.warning("a product left out of the search: %s", item)
                continue
            listings = listings_of(item)
            read += 1
            if products.get(item.id) != listings:  # re-read unchanged (`:min` is inclusive)
                products[item.id] = listings
                changed += 1
            if item.date_modified and (newest is None or item.date_modified > newest):
                newest = item.date_modified
        while self._gone:
            changed += products.pop(self._gone.pop(), None) is not None
        if full or changed:
            self._products = products
            self._snapshot = _Snapshot(self._all())
        self._newest = newest
        if full:
            self._synced_at = started
        self.last_sync = {"full": float(full), "read": float(read), "changed": float(changed),
                          "skipped": float(skipped), "seconds": time.perf_counter() - began}
        if full or changed:
            log.info("product search: %s sync read %d products, %d changed (%d left out) "
                     "in %.1f s", "full" if full else "incremental", read, changed, skipped,
                     self.last_sync["seconds"])

    def _all(self) -> Iterator[Listing]:
        for listings in self._products.values():
            yield from listings
