"""Customers found by name or email for the request modal, under Slack's 3-second clock.

Unlike products, customers are asked for live (`GET /v3/customers`, `name:like` or `email:in`):
a store's customer list changes with every checkout and one page of matches is cheap. The ask
runs under a time budget; an answer that comes too late still fills a small cache, so the
requester's next keystroke or choice is instant.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Protocol

from commands.bigcommerce import BigCommerceError
from commands.bigcommerce_answers import Address, Customer

log = logging.getLogger(__name__)

BUDGET = 2.0  # seconds: Slack waits 3 for options, and the answer has to travel back
MAX_MATCHES = 20


class CustomerSource(Protocol):
    def customers_named(self, text: str, *, limit: int = 20) -> list[Customer]: ...
    def customer_by_id(self, customer_id: int) -> Customer | None: ...
    def customer_addresses(self, customer_id: int) -> list[Address]: ...


class CustomerSearch:
    def __init__(self, source: CustomerSource, *, budget: float = BUDGET, ttl: float = 60.0,
                 max_entries: int = 500, clock: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self._budget = budget
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._found: dict[str, tuple[float, list[Customer]]] = {}
        self._known: dict[int, Customer] = {}  # every customer a search showed, by id
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="customers")

    def search(self, text: str) -> list[Customer] | None:
        """Matches for `text`; None when BigCommerce failed or was slower than the budget."""
        key = " ".join(text.split()).casefold()
        if len(key) < 2:
            return []
        now = self._clock()
        with self._lock:
            hit = self._found.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        future: Future[list[Customer]] = self._pool.submit(self._ask, key, text.strip())
        try:
            return future.result(timeout=self._budget)
        except FutureTimeout:
            log.info("the customer search for %r was slower than %.1f s", key, self._budget)
        except BigCommerceError as exc:
            log.warning("the customer search failed: %s", exc)
        return None

    def customer(self, customer_id: int) -> Customer | None:
        """The chosen customer: as the search showed it, else (the search ran on another
        replica) read again."""
        with self._lock:
            known = self._known.get(customer_id)
        return known if known is not None else self._source.customer_by_id(customer_id)

    def first_address(self, customer_id: int) -> Address | None:
        found = self._source.customer_addresses(customer_id)
        return found[0] if found else None

    def _ask(self, key: str, text: str) -> list[Customer]:
        found = self._source.customers_named(text, limit=MAX_MATCHES)
        with self._lock:
            if len(self._found) >= self._max_entries:
                self._found.clear()  # bounded memory beats a clever eviction policy here
            if len(self._known) >= self._max_entries * MAX_MATCHES:
                self._known.clear()
            self._found[key] = (self._clock() + self._ttl, found)
            self._known.update({c.id: c for c in found})
        return found
