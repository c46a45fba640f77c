"""The per-store rate limit (§9) and the faults tests inject."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

FAULTS = frozenset({"500_before", "500_after", "delay_after", "429", "drop_after"})


class RateLimiter:
    """A fixed window per store, shared by every client, as BigCommerce meters it (§9)."""

    UNLIMITED = 1_000_000

    def __init__(self, quota: int, window_seconds: float) -> None:
        self.quota = quota
        self.window = window_seconds
        self._lock = threading.Lock()
        self._resets_at = 0.0
        self._left = quota

    def take(self, *, spend: bool = True) -> tuple[bool, dict[str, str]]:
        """Spend one request; answer whether it is allowed, plus the headers to send.

        With spend=False only the headers are wanted (for answers given before metering).
        """
        with self._lock:
            clock = time.monotonic()
            if clock >= self._resets_at:
                self._resets_at, self._left = clock + self.window, self.quota
            reset_ms = max(1, math.ceil((self._resets_at - clock) * 1000))
            allowed = self.quota == 0 or self._left > 0
            if allowed and self.quota and spend:
                self._left -= 1
            quota = self.quota or self.UNLIMITED
            left = self._left if self.quota else self.UNLIMITED
        headers = {
            "X-Rate-Limit-Time-Window-Ms": str(int(self.window * 1000)),
            "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
            "X-Rate-Limit-Requests-Quota": str(quota),
            "X-Rate-Limit-Requests-Left": str(left),
        }
        if not allowed and spend:
            headers["X-Retry-After"] = str(math.ceil(reset_ms / 1000))
        return allowed, headers


@dataclass
class Fault:
    method: str
    path_pattern: str
    kind: str
    times: int
    delay: float
    retry_after: int
