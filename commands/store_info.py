"""Facts about the BigCommerce store (`GET /v2/store`): its currency and control-panel URL.

Read once, in the background, and never on Slack's acknowledgement path.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from commands.bigcommerce_answers import Store

log = logging.getLogger(__name__)


class StoreSource(Protocol):
    def store(self) -> Store: ...


class StoreInfo:
    def __init__(self, source: StoreSource) -> None:
        self._source = source
        self._facts: Store | None = None
        self._lock = threading.Lock()

    def load(self) -> Store | None:
        """Fetch the facts if not known yet; None when BigCommerce can't be asked now."""
        with self._lock:
            if self._facts is None:
                try:
                    self._facts = self._source.store()
                except Exception as exc:  # retried on the next call
                    log.warning("could not read the store's details: %s", exc)
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
