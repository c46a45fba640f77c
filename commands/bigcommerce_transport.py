"""The BigCommerce REST transport: one `request()` choke point, pacing, retries and paging.

Shape after MedShift/bigc's api_client: a requests.Session per thread, explicit timeouts, one
exception class per failure, retries only where repeating a request cannot do harm, and a
paging iterator. Unlike bigc it honours BigCommerce's rate-limit headers, because the quota is
shared by every app on the store and ignoring 429s is treated as abuse. What the answers mean
is read in commands/bigcommerce_answers.py; the endpoints are in commands/bigcommerce.py.
"""

from __future__ import annotations

import itertools
import json as jsonlib
import logging
import random
import threading
import time as timelib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests

from commands.bigcommerce_errors import (
    BigCommerceError,
    RateLimited,
    ServerError,
    Unavailable,
    UnusableAnswer,
    error_class,
    error_messages,
)

# The endpoints and the transport log as one client, under the name operators filter on.
log = logging.getLogger("commands.bigcommerce")

MAX_PAGE_SIZE = 250
# Only these 5xx are transient; 501/505 will never succeed and 507 is a plan limit.
RETRYABLE_5XX = frozenset({500, 502, 503, 504})
# Repeating these cannot create anything twice. PUT is idempotent in theory, but a PUT that
# adds order lines is not, so writes are never repeated after an unclear failure.
SAFE_TO_REPEAT = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class CallOutcome:
    """What the last HTTP exchange did, for /healthz."""

    method: str
    path: str
    status: int | None  # HTTP status, None when no answer came back
    error: str | None  # exception class name when the call failed, else None
    at: datetime
    elapsed_ms: float

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def outcome(self) -> str:
        return str(self.status) if self.status is not None else (self.error or "unknown")


class RateLimitGovernor:
    """Spaces requests out once the store's quota runs low, so we rarely see a 429 at all.

    It remembers `X-Rate-Limit-Requests-Left` and `X-Rate-Limit-Time-Reset-Ms` from the latest
    answer. Below `slow_down_below` requests left, each request waits its share of the time
    until the window resets; with none left it waits for the reset. Reservations are serialised
    so that concurrent threads queue up instead of all firing at once.
    """

    def __init__(
        self, slow_down_below: int, *, clock: Callable[[], float] = timelib.monotonic
    ) -> None:
        self.slow_down_below = slow_down_below
        self._clock = clock
        self._lock = threading.Lock()
        self._left: int | None = None
        self._reset_at = 0.0
        self._next_at = 0.0

    def observe(self, headers: Mapping[str, str]) -> None:
        left = _int_header(headers, "X-Rate-Limit-Requests-Left")
        reset_ms = _int_header(headers, "X-Rate-Limit-Time-Reset-Ms")
        if left is None or reset_ms is None:
            return  # nothing to go on; keep what we knew
        with self._lock:
            self._left = left
            self._reset_at = self._clock() + reset_ms / 1000

    def reserve(self) -> float:
        """Seconds the caller should wait before sending its next request."""
        with self._lock:
            now = self._clock()
            left = self._left
            if left is None or left >= self.slow_down_below or now >= self._reset_at:
                return 0.0
            interval = (self._reset_at - now) / (left + 1)
            # Never past the reset: the window refills then, and everyone may go again.
            slot = min(max(now, self._next_at) + interval, self._reset_at)
            self._next_at = slot
            self._left = max(left - 1, 0)  # this request will spend one before we hear back
            return slot - now


class _JSONEncoder(jsonlib.JSONEncoder):
    # BigCommerce takes money as numeric strings; str(float) would lose cents.
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return format(o, "f")
        return super().default(o)


class Transport:
    """Sends API calls to one store; `BigCommerceClient` adds the endpoints."""

    def __init__(
        self,
        api_url: str,
        store_hash: str,
        access_token: str,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 20.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        slow_down_below: int = 10,
        sleep: Callable[[float], None] = timelib.sleep,
        user_agent: str = "paidorder/0.1",
    ) -> None:
        self.base_url = f"{api_url.rstrip('/')}/stores/{store_hash}"
        self._token = access_token
        self.timeout = (connect_timeout, read_timeout)
        self.max_retries = max_retries
        self.backoff = backoff
        self.rate_limit = RateLimitGovernor(slow_down_below)
        self._sleep = sleep
        self.user_agent = user_agent
        self._local = threading.local()
        self._lock = threading.Lock()
        self._calls = 0
        self.last_call: CallOutcome | None = None
        # Told of every exchange (for metrics); set by whoever runs the client.
        self.on_call: Callable[[CallOutcome], None] | None = None

    def __repr__(self) -> str:  # never show the token
        return f"{type(self).__name__}({self.base_url!r})"

    @property
    def calls(self) -> int:
        with self._lock:
            return self._calls

    @property
    def _session(self) -> requests.Session:
        # Sessions pool connections but are not thread-safe, so each thread gets its own.
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    # ------------------------------------------------------------------ the choke point

    def request(
        self, method: str, path: str, *, params: dict | None = None, json: Any = None
    ) -> Any:
        """Send one API call (retrying where safe) and return the parsed JSON answer.

        Returns [] for a V2 GET answered with 204 (BigCommerce's empty list) and None for any
        other empty answer. Raises a BigCommerceError subclass for every failure.
        """
        method = method.upper()
        body = None if json is None else jsonlib.dumps(json, cls=_JSONEncoder).encode()
        for attempt in itertools.count():
            try:
                response = self._send(method, path, params, body)
                if response.ok:
                    return _parse_success(response, method, path)
                raise _error_from(response, method, path)
            except RateLimited as exc:
                # A 429 applied nothing, so even a POST may be sent again after the wait.
                if attempt >= self.max_retries:
                    raise
                self._sleep(exc.wait or self._backoff_delay(attempt))
            except (ServerError, Unavailable) as exc:
                if not self._may_retry(method, exc, attempt):
                    raise
                self._sleep(self._backoff_delay(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def get_many(
        self, path: str, params: dict | None = None, *, limit: int = MAX_PAGE_SIZE
    ) -> Iterator[dict]:
        """Yield every item of a paged list, V2 (page/limit) or V3 (meta.pagination)."""
        if path.startswith("/v3/"):
            return self._v3_pages(path, dict(params or {}), limit)
        return self._v2_pages(path, dict(params or {}), limit)

    # ------------------------------------------------------------------ internals

    def _send(
        self, method: str, path: str, params: dict | None, body: bytes | None
    ) -> requests.Response:
        """One HTTP exchange: wait our turn, send, record what happened."""
        wait = self.rate_limit.reserve()
        if wait > 0:
            self._sleep(wait)
        with self._lock:
            self._calls += 1
        started = timelib.perf_counter()
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params=params,
                data=body,
                headers=self._headers(),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            self._record(method, path, None, type(exc).__name__, started)
            raise Unavailable(
                [_network_reason(exc, self.timeout)],
                method=method,
                path=path,
                ambiguous=method not in SAFE_TO_REPEAT,
            ) from None  # the chained urllib3 error adds nothing a person can act on
        self._record(method, path, response.status_code, None, started)
        self.rate_limit.observe(response.headers)
        return response

    def _headers(self) -> dict[str, str]:
        # Content-Type goes on every request, GET included: the specs mark both headers
        # required and a strict gateway in front of the API refuses a call without them.
        return {
            "X-Auth-Token": self._token,
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": self.user_agent,
        }

    def _record(
        self, method: str, path: str, status: int | None, error: str | None, started: float
    ) -> None:
        elapsed_ms = (timelib.perf_counter() - started) * 1000
        call = CallOutcome(method, path, status, error, datetime.now(UTC), elapsed_ms)
        self.last_call = call
        if self.on_call is not None:
            self.on_call(call)
        log.debug("%s %s %s %.0fms", method, path, status if status else error, elapsed_ms)

    def _may_retry(self, method: str, exc: BigCommerceError, attempt: int) -> bool:
        if method not in SAFE_TO_REPEAT or attempt >= self.max_retries:
            return False
        return isinstance(exc, Unavailable) or exc.status in RETRYABLE_5XX

    def _backoff_delay(self, attempt: int) -> float:
        delay = self.backoff * 2**attempt
        return delay + random.uniform(0, delay / 2)  # jitter keeps threads from retrying in step

    def _v2_pages(self, path: str, params: dict, limit: int) -> Iterator[dict]:
        params["limit"] = limit
        for page in itertools.count(1):
            params["page"] = page
            items = self.request("GET", path, params=params) or []
            if not isinstance(items, list):
                raise UnusableAnswer("the answer", "is not a list", method="GET", path=path)
            yield from items
            if len(items) < limit:  # a short page or a 204 is the last one
                return

    def _v3_pages(self, path: str, params: dict, limit: int) -> Iterator[dict]:
        params["limit"] = limit
        for page in itertools.count(1):
            params["page"] = page
            answer = self.request("GET", path, params=params) or {}
            data = answer.get("data") if isinstance(answer, dict) else None
            if not isinstance(data or [], list):
                raise UnusableAnswer("data", "is not a list", method="GET", path=path)
            yield from data or []
            if not data or page >= _total_pages(answer):  # an empty page is the last
                return


def _parse_success(response: requests.Response, method: str, path: str) -> Any:
    if response.status_code == 204 or not response.content:
        # V2 answers an empty list with 204 and no body.
        return [] if method == "GET" and path.startswith("/v2/") else None
    try:
        return response.json()
    except ValueError:
        raise UnusableAnswer("the answer", "is not JSON", method=method, path=path) from None


def _total_pages(answer: dict[str, Any]) -> int:
    meta = answer.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    total = pagination.get("total_pages") if isinstance(pagination, dict) else None
    # An unreadable page count ends the paging: the first page is all we can trust.
    return total if isinstance(total, int) and not isinstance(total, bool) else 0


def _error_from(response: requests.Response, method: str, path: str) -> BigCommerceError:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text if "html" not in response.headers.get("Content-Type", "") else ""
    messages = error_messages(body) or [response.reason or f"HTTP {response.status_code}"]
    status = response.status_code
    cls = error_class(status)
    exc = cls(
        messages,
        status=status,
        method=method,
        path=path,
        # A 5xx on a write may have been applied before the server failed.
        ambiguous=cls is ServerError and method not in SAFE_TO_REPEAT,
    )
    if isinstance(exc, RateLimited):
        exc.wait = _rate_limit_wait(response.headers)
    return exc


def _rate_limit_wait(headers: Mapping[str, str]) -> float:
    """The longer of the window reset and Retry-After; 0 when BigCommerce gave neither."""
    reset_ms = _int_header(headers, "X-Rate-Limit-Time-Reset-Ms")
    retry_after = _int_header(headers, "X-Retry-After")
    candidates = [reset_ms / 1000 if reset_ms is not None else 0.0, float(retry_after or 0)]
    return max(candidates)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def _network_reason(exc: requests.RequestException, timeout: tuple[float, float]) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return f"no connection within {timeout[0]:g} s"
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout[1]:g} s"
    if isinstance(exc, requests.ConnectionError):
        return "the connection failed or was dropped"
    return f"the request failed ({type(exc).__name__})"
