"""Facts about the BigCommerce store: its currency, control-panel URL and tax mode
(`GET /v2/store`), and its active storefronts (`GET /v3/channels`).

Read once, in the background; the acknowledgement path waits for them only within a budget.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from commands.bigcommerce_answers import Channel, Store

log = logging.getLogger(__name__)


class StoreSource(Protocol):
    def store(self) -> Store: ...
    def channels(self) -> list[Channel]: ...


class StoreInfo:
    def __init__(self, source: StoreSource) -> None:
        self._source = source
        self._facts: Store | None = None
        self._storefronts: tuple[tuple[int, str], ...] = ()
        self._lock = threading.Lock()

    def load(self) -> Store | None:
        """Fetch the facts if not known yet; None when BigCommerce can't be asked now."""
        with self._lock:
            if self._facts is None:
                try:
                    facts = self._source.store()
                    self._storefronts = self._read_storefronts()
                    self._facts = facts
                except Exception as exc:  # retried on the next call
                    log.warning("could not read the store's details: %s", exc)
            return self._facts

    def _read_storefronts(self) -> tuple[tuple[int, str], ...]:
        try:
            channels = self._source.channels()
        except Exception as exc:
            # A store without Multi-Storefront, or an API account without the channels scope,
            # sells on channel 1 only; the form then simply does not ask.
            log.info("could not list the store's channels (%s); assuming one storefront", exc)
            return ()
        return tuple((c.id, c.name or str(c.id)) for c in channels
                     if c.type == "storefront" and c.status == "active")

    def load_within(self, budget: float) -> Store | None:
        """The facts, waiting at most `budget` seconds for a first read; None if not known."""
        if self._facts is not None:
            return self._facts
        done = threading.Event()

        def read() -> None:
            self.load()
            done.set()

        threading.Thread(target=read, name="store-info", daemon=True).start()
        done.wait(budget)
        return self._facts

    def load_in_background(self) -> None:
        threading.Thread(target=self.load, name="store-info", daemon=True).start()

    @property
    def currency(self) -> str:
        facts = self._facts
        return facts.currency if facts else ""

    @property
    def control_panel_url(self) -> str | None:
        facts = self._facts
        return facts.control_panel_url if facts else None

    @property
    def tax_inclusive(self) -> bool:
        facts = self._facts
        return facts.tax_inclusive if facts else False

    @property
    def storefronts(self) -> tuple[tuple[int, str], ...]:
        """(channel id, name) of each active storefront; empty or one: the form does not ask."""
        return self._storefronts
