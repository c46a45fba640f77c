"""SKU resolution for the request modal: a short-lived cache and a time budget.

The modal's inline errors have to be in Slack's 3-second acknowledgement, so the catalog is
asked under a budget; a lookup that overruns keeps going in the background and fills the cache,
so the requester's next try is instant.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from decimal import Decimal
from typing import Any, Protocol

from commands.bigcommerce import BigCommerceError, RateLimited, UnusableAnswer
from commands.bigcommerce_answers import Customer, Modifier, Product, Variant
from commands.items import Choice
from commands.validation import CatalogEntry, CatalogUnavailable

log = logging.getLogger(__name__)

SLOW = "BigCommerce is slow to answer — try again in a minute."


class CatalogSource(Protocol):
    def variants_by_sku(self, skus: Sequence[str]) -> list[Variant]: ...
    def products_by_id(self, ids: Sequence[int]) -> list[Product]: ...
    def customer_by_email(self, email: str) -> Customer | None: ...


class Catalog:
    def __init__(self, source: CatalogSource, *, ttl: float = 120.0, budget: float = 2.0,
                 max_entries: int = 5000, clock: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self._ttl = ttl
        self._budget = budget
        self._max_entries = max_entries
        self._clock = clock
        self._cache: dict[str, tuple[float, CatalogEntry | None]] = {}
        self._customers: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="catalog")

    def lookup(self, skus: list[str], *, budget: float | None = None
               ) -> Mapping[str, CatalogEntry]:
        """Entries for the SKUs that exist; raises CatalogUnavailable with a plain message.

        `budget` can shorten the wait (never lengthen it) when the caller has less time left.
        """
        found, missing = self._cached(skus)
        if not missing:
            return found
        wait = self._budget if budget is None else max(0.0, min(self._budget, budget))
        fetched = self._result(self._pool.submit(self._fetch, missing), wait, what="these items")
        return {**found, **fetched}

    def start_customer_lookup(self, email: str) -> Callable[..., int]:
        """Start asking for the BigCommerce customer with `email` now, alongside the catalog
        lookup, and return the call that waits for the answer (0: none, a guest order).

        The wait shares the catalog's budget (and can be shortened by the caller's), so the two
        lookups together still fit in Slack's acknowledgement; an overrun raises
        CatalogUnavailable with a plain message.
        """
        key = email.strip().casefold()
        started = self._clock()
        with self._lock:
            hit = self._customers.get(key)
        if hit is not None and hit[0] > started:
            known = hit[1]
            return lambda _email, budget=None: known
        future: Future[Any] = self._pool.submit(self._source.customer_by_email, email.strip())

        def wait(_email: str, budget: float | None = None) -> int:
            left = self._budget - (self._clock() - started)
            if budget is not None:
                left = min(left, budget)
            customer = self._result(future, max(left, 0.05), what="the customer")
            found = customer.id if customer else 0
            with self._lock:
                if len(self._customers) >= self._max_entries:
                    self._customers.clear()
                self._customers[key] = (self._clock() + self._ttl, found)
            return found

        return wait

    @staticmethod
    def _result(future: Future[Any], budget: float, *, what: str) -> Any:
        try:
            return future.result(timeout=budget)
        except FutureTimeout:
            raise CatalogUnavailable(SLOW) from None
        except RateLimited:
            raise CatalogUnavailable(SLOW) from None
        except UnusableAnswer as exc:
            log.error("looking up %s got an answer it can't use: %s", what, exc)
            raise CatalogUnavailable(
                f"BigCommerce's answer about {what} can't be used ({exc.field}); ask an "
                "admin to check them in BigCommerce.") from None
        except BigCommerceError as exc:
            log.warning("looking up %s failed: %s", what, exc)
            raise CatalogUnavailable(
                f"Could not check {what} in BigCommerce ({exc}). Try again in a minute."
            ) from None

    def _cached(self, skus: list[str]) -> tuple[dict[str, CatalogEntry], list[str]]:
        now = self._clock()
        found: dict[str, CatalogEntry] = {}
        missing: list[str] = []
        with self._lock:
            for sku in skus:
                hit = self._cache.get(sku.upper())
                if hit is None or hit[0] <= now:
                    missing.append(sku)
                elif hit[1] is not None:
                    found[sku] = hit[1]
        return found, missing

    def _fetch(self, skus: list[str]) -> dict[str, CatalogEntry]:
        variants = self._source.variants_by_sku(skus)
        product_ids = sorted({v.product_id for v in variants})
        products = {p.id: p for p in self._source.products_by_id(product_ids)} \
            if product_ids else {}
        entries = {v.sku.upper(): _entry(v, products.get(v.product_id)) for v in variants}
        self._remember(skus, entries)
        return {sku: entries[sku.upper()] for sku in skus if sku.upper() in entries}

    def _remember(self, asked: list[str], entries: dict[str, CatalogEntry]) -> None:
        expires = self._clock() + self._ttl
        with self._lock:
            if len(self._cache) + len(asked) > self._max_entries:
                self._cache.clear()  # bounded memory beats a clever eviction policy here
            for sku in asked:
                self._cache[sku.upper()] = (expires, entries.get(sku.upper()))


def _entry(variant: Variant, product: Product | None) -> CatalogEntry:
    price = variant.price
    if price is None and product is not None:
        price = product.price
    disabled = variant.purchasing_disabled or (
        product is not None and product.availability == "disabled")
    return CatalogEntry(
        sku=variant.sku,
        name=product.name if product and product.name else variant.sku,
        product_id=variant.product_id,
        variant_id=variant.id,
        price=(price or Decimal("0")).quantize(Decimal("0.01")),
        purchasable=not disabled,
        modifiers=tuple(_choice(m) for m in (product.modifiers if product else ())
                        if m.type in _SUPPORTED_MODIFIERS),
        variant_options=tuple(
            Choice(v.option_id, v.option_name, required=False, values=((v.label, v.id),))
            for v in variant.option_values),
    )


# Text and choice modifiers; file uploads and pick lists can't be set on API orders (orders v2
# spec, `product_options`), and date/checkbox ones are left to the control panel.
_TEXT_MODIFIERS = ("text", "multi_line_text", "numbers_only_text")
_SUPPORTED_MODIFIERS = (*_TEXT_MODIFIERS, "dropdown", "radio_buttons", "rectangles", "swatch")


def _choice(modifier: Modifier) -> Choice:
    return Choice(modifier.id, modifier.name, required=modifier.required,
                  is_text=modifier.type in _TEXT_MODIFIERS, values=modifier.values)
