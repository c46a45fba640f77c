"""The BigCommerce client over real HTTP.

Part one talks to a tiny scripted stdlib server defined here, to pin down the choke point's
behaviour exactly (retries, 429 waits, timeouts, 204s, error parsing). Part two talks to the
sandbox store, to show the endpoints work together the way the bot uses them.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from commands.bigcommerce import (
    AuthenticationFailed,
    BigCommerceClient,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    RateLimitGovernor,
    ServerError,
    Unavailable,
)
from commands.bigcommerce_answers import Customer, Hook
from tests.conftest import order_body

TOKEN = "secret-token-123"


# --------------------------------------------------------------------------- scripted server


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=dict)  # JSON-able, bytes (sent raw) or None (no body)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    """Answers each request with the next scripted Reply (then 200 {} forever)."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def reply(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            self.seen.append(seen)
            return self.script.pop(0) if self.script else Reply()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                seen = Seen(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    dict(self.headers.items()),
                    self.rfile.read(length) if length else b"",
                )
                reply = server._next(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = (
                    b""
                    if reply.body is None
                    else reply.body
                    if isinstance(reply.body, bytes)
                    else json.dumps(reply.body).encode()
                )
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if payload:
                        self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout tests)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def stub() -> Iterator[ScriptedServer]:
    server = ScriptedServer().start()
    yield server
    server.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(stub: ScriptedServer, sleeps: list[float]) -> BigCommerceClient:
    return BigCommerceClient(
        stub.url, "abc123", TOKEN, read_timeout=0.5, connect_timeout=0.5, sleep=sleeps.append
    )


def v2_error(status: int, message: str) -> Reply:
    return Reply(status, [{"status": status, "message": message}])


# --------------------------------------------------------------------------- headers and URLs


def test_sends_token_accept_and_user_agent_to_the_store_url(
    client: BigCommerceClient, stub: ScriptedServer
) -> None:
    stub.reply(Reply(body={"time": 1529512970}))

    assert client.time() == 1529512970

    seen = stub.seen[0]
    assert (seen.method, seen.path) == ("GET", "/stores/abc123/v2/time")
    assert seen.headers["X-Auth-Token"] == TOKEN
    assert seen.headers["Accept"] == "application/json"
    assert seen.headers["User-Agent"] == "paidorder/0.1"
    # A strict gateway refuses a call without it, GET included.
    assert seen.headers["Content-Type"] == "application/json"


def test_writes_send_json_with_decimals_as_strings(
    client: BigCommerceClient, stub: ScriptedServer
) -> None:
    stub.reply(Reply(201, {"id": 100, "status_id": 11}))

    order = client.create_order({"status_id": 11, "shipping_cost_ex_tax": Decimal("5.00")})

    assert (order.id, order.status_id) == (100, 11)
    seen = stub.seen[0]
    assert seen.headers["Content-Type"] == "application/json"
    assert json.loads(seen.body) == {"status_id": 11, "shipping_cost_ex_tax": "5.00"}


def test_api_url_with_trailing_slash(stub: ScriptedServer) -> None:
    client = BigCommerceClient(stub.url + "/", "abc123", TOKEN)
    client.store()
    assert stub.seen[0].path == "/stores/abc123/v2/store"


# --------------------------------------------------------------------------- empty answers


def test_v2_204_is_an_empty_list(client: BigCommerceClient, stub: ScriptedServer) -> None:
    stub.reply(Reply(204, None))
    assert client.find_orders_by_external_id("PO-1") == []
    assert stub.seen[0].query["external_order_id"] == ["PO-1"]


def test_other_204_is_none(client: BigCommerceClient, stub: ScriptedServer) -> None:
    stub.reply(Reply(204, None), Reply(204, None))
    assert client.request("DELETE", "/v3/hooks/5") is None
    assert client.request("GET", "/v3/hooks/5") is None


# --------------------------------------------------------------------------- errors


def test_v2_error_array_becomes_invalid_request_with_bigcommerce_words(
    client: BigCommerceClient, stub: ScriptedServer
) -> None:
    stub.reply(v2_error(400, "The field 'item_total' cannot be written to."))

    with pytest.raises(InvalidRequest) as caught:
        client.create_order({"item_total": 3})

    exc = caught.value
    assert exc.status == 400
    assert exc.messages == ["The field 'item_total' cannot be written to."]
    assert "The field 'item_total' cannot be written to." in str(exc)
    assert len(stub.seen) == 1  # a 400 is our bug; repeating it cannot help


def test_v3_error_object_lists_title_and_field_errors(
    client: BigCommerceClient, stub: ScriptedServer
) -> None:
    stub.reply(
        Reply(
            422,
            {
                "status": 422,
                "title": "Missing Required Fields",
                "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
                "errors": {"destination": "Please provide a destination."},
            },
        )
    )

    with pytest.raises(InvalidRequest) as caught:
        client.create_hook("store/order/created", "", {})

    assert caught.value.messages == ["Missing Required Fields", "Please provide a destination."]
    assert "Please provide a destination." in str(caught.value)


@pytest.mark.parametrize("status", [409, 413, 415, 422])
def test_client_errors_are_invalid_request_and_not_retried(
    client: BigCommerceClient, stub: ScriptedServer, status: int
) -> None:
    stub.reply(v2_error(status, "nope"))
    with pytest.raises(InvalidRequest):
        client.get_order(1)
    assert len(stub.seen) == 1


def test_401_never_shows_the_token(client: BigCommerceClient, stub: ScriptedServer) -> None:
    stub.reply(v2_error(401, "You are not authorized."))
    with pytest.raises(AuthenticationFailed) as caught:
        client.time()
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(client)
    assert "You are not authorized." in str(caught.value)


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("/v2/orders", "Orders: modify"),
        ("/v2/orders/5/shipments", "Orders: modify"),
        ("/v3/catalog/variants", "Products: read-only"),
        ("/v3/customers", "Customers: read-only"),
        ("/v2/store", "Information & Settings: read-only"),
        ("/v2/time", "Information & Settings: read-only"),
    ],
)
def test_403_names_the_missing_scope(
    client: BigCommerceClient, stub: ScriptedServer, path: str, scope: str
) -> None:
    stub.reply(v2_error(403, "You don't have a required scope to access the endpoint"))
    with pytest.raises(PermissionDenied) as caught:
        client.request("GET", path)
    assert caught.value.scope_hint == scope
    assert scope in str(caught.value)


def test_404_is_not_found(client: BigCommerceClient, stub: ScriptedServer) -> None:
    stub.reply(v2_error(404, "The requested resource was not found."))
    with pytest.raises(NotFound, match="The requested resource was not found"):
        client.get_order(999)


def test_html_error_page_still_gives_a_sentence(
    client: BigCommerceClient, stub: ScriptedServer
) -> None:
    stub.reply(Reply(400, b"<html>Bad</html>", {"Content-Type": "text/html"}))
    with pytest.raises(InvalidRequest) as caught:
        client.time()
    assert "<html>" not in str(caught.value)
    assert "HTTP 400" in str(caught.value)


# --------------------------------------------------------------------------- retries


def test_get_is_retried_on_5xx_with_growing_backoff(
    client: BigCommerceClient, stub: ScriptedServer, sleeps: list[float]
) -> None:
    stub.reply(v2_error(500, "Internal"), Reply(503, None), Reply(body={"time": 7}))

    assert client.time() == 7
    assert len(stub.seen) == 3
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 0.75 and 1.0 <= sleeps[1] <= 1.5  # backoff 0.5 · 2^n + jitter


def test_get_gives_up_after_max_retries(
    client: BigCommerceClient, stub: ScriptedServer, sleeps: list[float]
) -> None:
    stub.reply(*[v2_error(502, "Bad gateway")] * 5)

    with pytest.raises(ServerError) as caught:
        client.time()

    assert len(stub.seen) == 4  # first try + max_retries=3
    assert caught.value.status == 502
    assert caught.value.ambiguous is False


def test_501_is_not_retried(client: BigCommerceClient, stub: ScriptedServer) -> None:
    stub.reply(v2_error(501, "Not implemented"))
    with pytest.raises(ServerError):
        client.time()
    assert len(stub.seen) == 1


@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("POST", lambda c: c.create_order({"status_id": 11})),
        ("PUT", lambda c: c.update_order(5, {"status_id": 2})),
        ("POST", lambda c: c.create_shipment(5, {"order_address_id": 1, "items": []})),
    ],
)
def test_writes_are_never_retried_on_5xx_and_are_ambiguous(
    client: BigCommerceClient, stub: ScriptedServer, method: str, call: Any
) -> None:
    stub.reply(v2_error(500, "Internal"))

    with pytest.raises(ServerError) as caught:
        call(client)

    assert len(stub.seen) == 1
    assert stub.seen[0].method == method
    assert caught.value.ambiguous is True


def test_get_timeout_is_retried(
    client: BigCommerceClient, stub: ScriptedServer, sleeps: list[float]
) -> None:
    stub.reply(Reply(body={"time": 1}, delay=0.8), Reply(body={"time": 2}))

    assert client.time() == 2
    assert len(stub.seen) == 2


def test_post_timeout_is_unavailable_ambiguous_and_not_retried(
    client: BigCommerceClient, stub: ScriptedServer
) -> None:
    stub.reply(Reply(201, {"id": 1}, delay=0.8))

    with pytest.raises(Unavailable) as caught:
        client.create_order({"status_id": 11})

    assert caught.value.ambiguous is True
    assert caught.value.status is None
    assert "no answer within 0.5 s" in str(caught.value)
    assert len(stub.seen) == 1
    assert client.last_call is not None and client.last_call.error == "ReadTimeout"


def test_connection_refused_is_unavailable_after_retries(sleeps: list[float]) -> None:
    with socket.socket() as sock:  # find a port, then close it so nobody listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = BigCommerceClient(
        f"http://127.0.0.1:{port}", "abc", TOKEN, connect_timeout=0.5, sleep=sleeps.append
    )

    with pytest.raises(Unavailable) as caught:
        client.time()

    assert caught.value.ambiguous is False
    assert client.calls == 4
    assert len(sleeps) == 3


# --------------------------------------------------------------------------- 429


def test_429_waits_the_longer_of_reset_and_retry_after(
    client: BigCommerceClient, stub: ScriptedServer, sleeps: list[float]
) -> None:
    limited = {"X-Rate-Limit-Time-Reset-Ms": "1500", "X-Retry-After": "1"}
    stub.reply(Reply(429, None, limited), Reply(body={"time": 3}))

    assert client.time() == 3
    assert sleeps[0] == 1.5


def test_429_retry_after_can_be_the_longer_one(
    client: BigCommerceClient, stub: ScriptedServer, sleeps: list[float]
) -> None:
    limited = {"X-Rate-Limit-Time-Reset-Ms": "200", "X-Retry-After": "2"}
    stub.reply(Reply(429, None, limited), Reply(body={"time": 3}))
    client.time()
    assert sleeps[0] == 2.0


def test_429_on_post_is_waited_out_and_sent_again(
    client: BigCommerceClient, stub: ScriptedServer, sleeps: list[float]
) -> None:
    # A 429 applied nothing, so sending the order again cannot duplicate it.
    stub.reply(Reply(429, None, {"X-Retry-After": "1"}), Reply(201, {"id": 42, "status_id": 11}))

    assert client.create_order({"status_id": 11}).id == 42
    assert [s.method for s in stub.seen] == ["POST", "POST"]
    assert sleeps == [1.0]


def test_429_without_headers_backs_off_then_gives_up(
    client: BigCommerceClient, stub: ScriptedServer, sleeps: list[float]
) -> None:
    stub.reply(*[Reply(429, None)] * 5)

    with pytest.raises(RateLimited) as caught:
        client.time()

    assert caught.value.status == 429
    assert len(stub.seen) == 4
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[1] < sleeps[2]


# --------------------------------------------------------------------------- slowing down


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limit_headers(left: int, reset_ms: int) -> dict[str, str]:
    return {"X-Rate-Limit-Requests-Left": str(left), "X-Rate-Limit-Time-Reset-Ms": str(reset_ms)}


def test_governor_does_not_wait_while_quota_is_plentiful() -> None:
    governor = RateLimitGovernor(10, clock=FakeClock())
    assert governor.reserve() == 0.0  # nothing observed yet
    governor.observe(limit_headers(100, 20_000))
    assert governor.reserve() == 0.0


def test_governor_spreads_remaining_requests_over_the_time_to_reset() -> None:
    clock = FakeClock()
    governor = RateLimitGovernor(10, clock=clock)
    governor.observe(limit_headers(4, 10_000))

    assert governor.reserve() == pytest.approx(2.0)  # 10 s shared by the 4 left + this one


def test_governor_waits_for_the_reset_when_nothing_is_left() -> None:
    clock = FakeClock()
    governor = RateLimitGovernor(10, clock=clock)
    governor.observe(limit_headers(0, 3_000))

    assert governor.reserve() == pytest.approx(3.0)
    clock.now += 3.0
    assert governor.reserve() == 0.0  # the window has refilled


def test_governor_queues_concurrent_reservations_without_passing_the_reset() -> None:
    clock = FakeClock()
    governor = RateLimitGovernor(10, clock=clock)
    governor.observe(limit_headers(3, 8_000))

    waits = [governor.reserve() for _ in range(5)]  # five threads asking before any answer

    assert waits == sorted(waits)
    assert waits[0] == pytest.approx(2.0)
    assert max(waits) == pytest.approx(8.0)


def test_governor_ignores_answers_without_rate_limit_headers() -> None:
    governor = RateLimitGovernor(10, clock=FakeClock())
    governor.observe(limit_headers(1, 4_000))
    governor.observe({})
    assert governor.reserve() > 0


def test_client_slows_down_when_the_store_quota_runs_low(
    client: BigCommerceClient, stub: ScriptedServer, sleeps: list[float]
) -> None:
    stub.reply(Reply(body={"time": 1}, headers=limit_headers(3, 4_000)), Reply(body={"time": 2}))

    client.time()
    assert sleeps == []
    client.time()

    assert len(sleeps) == 1 and 0.5 < sleeps[0] <= 1.0  # about 4 s / (3 + 1)


# --------------------------------------------------------------------------- paging


def test_v2_paging_stops_at_a_short_page(client: BigCommerceClient, stub: ScriptedServer) -> None:
    stub.reply(Reply(body=[{"id": 1}, {"id": 2}]), Reply(body=[{"id": 3}]))

    items = list(client.get_many("/v2/orders", {"status_id": 11}, limit=2))

    assert [i["id"] for i in items] == [1, 2, 3]
    assert [s.query["page"] for s in stub.seen] == [["1"], ["2"]]
    assert stub.seen[0].query["limit"] == ["2"]
    assert stub.seen[0].query["status_id"] == ["11"]


def test_v2_paging_stops_at_204(client: BigCommerceClient, stub: ScriptedServer) -> None:
    stub.reply(Reply(body=[{"id": 1}, {"id": 2}]), Reply(204, None))
    assert len(list(client.get_many("/v2/orders", limit=2))) == 2
    assert len(stub.seen) == 2


def v3_page(items: list[dict], page: int, total_pages: int) -> Reply:
    return Reply(
        body={
            "data": items,
            "meta": {"pagination": {"current_page": page, "total_pages": total_pages}},
        }
    )


def test_v3_paging_follows_total_pages(client: BigCommerceClient, stub: ScriptedServer) -> None:
    stub.reply(v3_page([{"id": 1}], 1, 2), v3_page([{"id": 2}], 2, 2))

    assert [h.id for h in client.hooks()] == [1, 2]
    assert len(stub.seen) == 2


def test_variants_by_sku_is_one_call_with_deduped_skus(
    client: BigCommerceClient, stub: ScriptedServer
) -> None:
    stub.reply(v3_page([{"id": 201, "product_id": 1, "sku": "A"},
                        {"id": 202, "product_id": 1, "sku": "B"}], 1, 1))

    variants = client.variants_by_sku(["A", "B", "A"])

    assert [v.id for v in variants] == [201, 202]
    assert len(stub.seen) == 1
    assert stub.seen[0].query["sku:in"] == ["A,B"]
    assert stub.seen[0].path == "/stores/abc123/v3/catalog/variants"


def test_no_skus_means_no_call(client: BigCommerceClient, stub: ScriptedServer) -> None:
    assert client.variants_by_sku([]) == []
    assert client.products_by_id([]) == []
    assert stub.seen == []


def test_customer_by_email_wants_an_exact_match(
    client: BigCommerceClient, stub: ScriptedServer
) -> None:
    stub.reply(
        v3_page(
            [{"id": 7, "email": "jane.doe@example.com"}, {"id": 1, "email": "Jane@Example.com"}],
            1,
            1,
        ),
        v3_page([], 1, 0),
    )

    assert client.customer_by_email("jane@example.com") == Customer(1, "Jane@Example.com")
    assert client.customer_by_email("nobody@example.com") is None
    assert stub.seen[0].query["email:in"] == ["jane@example.com"]


def test_create_hook_accepts_wrapped_and_bare_answers(
    client: BigCommerceClient, stub: ScriptedServer
) -> None:
    hook = {"id": 9, "scope": "store/order/created", "destination": "https://x.example/h"}
    stub.reply(Reply(body={"data": hook, "meta": {}}), Reply(body=hook))

    made = Hook(9, "store/order/created", "https://x.example/h")
    assert client.create_hook("store/order/created", "https://x.example/h", {"X-S": "1"}) == made
    assert client.create_hook("store/order/created", "https://x.example/h", {"X-S": "1"}) == made
    sent = json.loads(stub.seen[0].body)
    assert sent == {
        "scope": "store/order/created",
        "destination": "https://x.example/h",
        "is_active": True,
        "headers": {"X-S": "1"},
    }


def test_orders_modified_since_sends_iso_time_with_offset(
    client: BigCommerceClient, stub: ScriptedServer
) -> None:
    stub.reply(Reply(204, None))
    since = datetime(2026, 4, 20, 11, 32, tzinfo=timezone(timedelta(hours=-4)))

    assert list(client.orders_modified_since(since)) == []

    query = stub.seen[0].query
    assert query["min_date_modified"] == ["2026-04-20T11:32:00-04:00"]
    assert query["sort"] == ["date_modified:asc"]
    assert query["limit"] == ["250"]


def test_orders_modified_since_refuses_naive_times(client: BigCommerceClient) -> None:
    with pytest.raises(ValueError):
        list(client.orders_modified_since(datetime(2026, 1, 1)))


# --------------------------------------------------------------------------- bookkeeping


def test_counts_calls_and_remembers_the_last_one(
    client: BigCommerceClient, stub: ScriptedServer
) -> None:
    stub.reply(Reply(body={"time": 1}), v2_error(404, "gone"))
    client.time()
    with pytest.raises(NotFound):
        client.get_order(3)

    assert client.calls == 2
    last = client.last_call
    assert last is not None
    assert (last.method, last.path, last.status, last.ok) == ("GET", "/v2/orders/3", 404, False)
    assert last.at.tzinfo is not None


def test_logs_one_debug_line_per_call_without_the_token(
    client: BigCommerceClient, stub: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    stub.reply(Reply(body={"time": 1}))
    with caplog.at_level(logging.DEBUG, logger="commands.bigcommerce"):
        client.time()

    lines = [r.getMessage() for r in caplog.records if r.name == "commands.bigcommerce"]
    assert len(lines) == 1
    assert lines[0].startswith("GET /v2/time 200 ")
    assert TOKEN not in lines[0]


def test_each_thread_gets_its_own_session(client: BigCommerceClient) -> None:
    sessions = []
    threads = [threading.Thread(target=lambda: sessions.append(client._session)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in sessions}) == 3
    assert client._session is client._session


def test_call_counter_is_thread_safe(client: BigCommerceClient, stub: ScriptedServer) -> None:
    def work() -> None:
        for _ in range(5):
            client.time()

    stub.reply(*[Reply(body={"time": 1})] * 40)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert client.calls == 20 == len(stub.seen)


# =========================================================================== against the sandbox


def sandbox_server(**options: Any) -> Any:
    """A started-later SandboxServer, or a skip when the sandbox module is not there."""
    try:
        from sandbox.bigcommerce import SandboxServer
    except ImportError as exc:
        pytest.skip(f"the sandbox store cannot be imported: {exc}")
    return SandboxServer(**options)


SANDBOX_TOKEN = "sandbox-token"
ORDERS = r"/stores/sandbox/v2/orders"


@pytest.fixture
def store() -> Iterator[Any]:
    server = sandbox_server(quota=0).start()  # quota 0: unmetered unless a test asks for it
    yield server
    server.stop()


@pytest.fixture
def bc(store: Any, sleeps: list[float]) -> BigCommerceClient:
    return BigCommerceClient(
        store.url, "sandbox", SANDBOX_TOKEN, read_timeout=0.5, sleep=sleeps.append
    )


def test_sandbox_resolves_skus_in_one_call(bc: BigCommerceClient, store: Any) -> None:
    variants = bc.variants_by_sku(["TSHIRT-RED-M", "MUG-WHT", "NO-SUCH-SKU", "TSHIRT-RED-M"])

    by_sku = {v.sku: (v.product_id, v.id) for v in variants}
    assert by_sku == {"TSHIRT-RED-M": (111, 201), "MUG-WHT": (113, 205)}
    assert len(store.requests) == 1


def test_sandbox_products_by_id(bc: BigCommerceClient) -> None:
    assert {p.id for p in bc.products_by_id([111, 113, 111])} == {111, 113}


def test_sandbox_finds_customers_by_email_case_insensitively(bc: BigCommerceClient) -> None:
    jane = bc.customer_by_email("Jane@Example.com")
    assert jane is not None and jane.id == 1
    assert bc.customer_by_email("nobody@example.com") is None


def test_sandbox_create_then_find_by_external_id_then_get(bc: BigCommerceClient) -> None:
    assert bc.find_orders_by_external_id("PO-1") == []

    created = bc.create_order(order_body("PO-1"))

    found = bc.find_orders_by_external_id("PO-1")
    assert [o.id for o in found] == [created.id]
    assert bc.get_order(created.id).status_id == 11
    stored = bc.request("GET", f"/v2/orders/{created.id}")
    assert stored["external_order_id"] == "PO-1"
    assert stored["shipping_cost_inc_tax"] == "5.0000"


def test_sandbox_ships_an_order(bc: BigCommerceClient) -> None:
    order = bc.create_order(order_body("PO-2", [(111, 201, 2), (113, 205, 1)]))
    lines = bc.order_products(order.id)
    (destination,) = bc.shipping_addresses(order.id)
    assert bc.shipments(order.id) == []  # 204 when there are none

    shipment = bc.create_shipment(
        order.id,
        {
            "order_address_id": destination.id,
            "tracking_number": "1Z999AA10123456784",
            "shipping_provider": "ups",
            "items": [
                {"order_product_id": line.id, "quantity": line.quantity} for line in lines
            ],
        },
    )

    assert [s.id for s in bc.shipments(order.id)] == [shipment.id]
    assert bc.get_order(order.id).status_id == 2  # Shipped


def test_sandbox_updates_an_order(bc: BigCommerceClient) -> None:
    order = bc.create_order(order_body("PO-3"))
    updated = bc.update_order(order.id, {"staff_notes": "checked"})
    assert updated.id == order.id
    assert bc.request("GET", f"/v2/orders/{order.id}")["staff_notes"] == "checked"


def test_sandbox_statuses_store_time_and_hooks(bc: BigCommerceClient) -> None:
    assert {s.id for s in bc.order_statuses()} >= {1, 2, 11}
    assert bc.store().currency == "USD"
    assert abs(bc.time() - time.time()) < 60

    hook = bc.create_hook("store/order/created", "https://127.0.0.1:9/hook", {"X-Secret": "s"})
    assert hook.scope == "store/order/created"
    assert [h.id for h in bc.hooks()] == [hook.id]


def test_sandbox_orders_modified_since_pages_through_everything(
    bc: BigCommerceClient, store: Any
) -> None:
    ids = [bc.create_order(order_body(f"PO-P{n}")).id for n in range(5)]
    since = datetime.now(UTC) - timedelta(minutes=1)

    assert [o.id for o in bc.orders_modified_since(since)] == ids
    store.reset_requests()
    params = {"min_date_modified": since.isoformat(timespec="seconds"), "sort": "date_modified:asc"}
    assert [o["id"] for o in bc.get_many("/v2/orders", params, limit=2)] == ids
    assert [r.query["page"] for r in store.requests] == ["1", "2", "3"]
    assert list(bc.orders_modified_since(datetime.now(UTC) + timedelta(minutes=1))) == []


def test_sandbox_errors_carry_bigcommerce_words(bc: BigCommerceClient, store: Any) -> None:
    with pytest.raises(NotFound, match="The requested resource was not found"):
        bc.get_order(999_999)
    with pytest.raises(InvalidRequest, match="customer_id"):
        bc.create_order({**order_body("PO-E"), "customer_id": 424242})
    wrong = BigCommerceClient(store.url, "sandbox", "wrong-token")
    with pytest.raises(AuthenticationFailed) as caught:
        wrong.time()
    assert "wrong-token" not in str(caught.value)


def test_sandbox_small_quota_is_waited_out() -> None:
    # Governor off (slow_down_below=0) so the store really answers 429 and the client must wait.
    with sandbox_server(quota=3, window_seconds=0.6) as store:
        bc = BigCommerceClient(store.url, "sandbox", SANDBOX_TOKEN, slow_down_below=0)
        assert all(bc.time() for _ in range(7))

    statuses = [r.status for r in store.requests]
    assert 429 in statuses
    assert statuses.count(200) == 7


def test_sandbox_governor_avoids_429s_altogether() -> None:
    with sandbox_server(quota=4, window_seconds=0.5) as store:
        bc = BigCommerceClient(store.url, "sandbox", SANDBOX_TOKEN, slow_down_below=4)
        assert all(bc.time() for _ in range(9))

    assert [r.status for r in store.requests] == [200] * 9


def test_sandbox_429_on_create_is_retried_and_creates_once(
    bc: BigCommerceClient, store: Any, sleeps: list[float]
) -> None:
    store.inject("POST", ORDERS, "429", retry_after=1)

    bc.create_order(order_body("PO-429"))

    assert sleeps[0] == 1.0
    assert len(bc.find_orders_by_external_id("PO-429")) == 1


def test_sandbox_get_survives_a_500(bc: BigCommerceClient, store: Any) -> None:
    order = bc.create_order(order_body("PO-G"))
    store.inject("GET", rf"{ORDERS}/\d+", "500_before", times=2)

    assert bc.get_order(order.id).id == order.id
    assert [r.status for r in store.requests[-3:]] == [500, 500, 200]


def test_sandbox_500_before_create_is_ambiguous_and_nothing_was_made(
    bc: BigCommerceClient, store: Any
) -> None:
    store.inject("POST", ORDERS, "500_before")

    with pytest.raises(ServerError) as caught:
        bc.create_order(order_body("PO-5B"))

    assert caught.value.ambiguous is True
    assert bc.find_orders_by_external_id("PO-5B") == []


@pytest.mark.parametrize(
    ("fault", "raised"),
    [("500_after", ServerError), ("delay_after", Unavailable), ("drop_after", Unavailable)],
)
def test_sandbox_lost_answer_to_create_is_ambiguous_and_the_order_is_found(
    bc: BigCommerceClient, store: Any, fault: str, raised: type[Exception]
) -> None:
    store.inject("POST", ORDERS, fault, delay=1.0)

    with pytest.raises(raised) as caught:
        bc.create_order(order_body(f"PO-{fault}"))

    assert caught.value.ambiguous is True
    assert [r.method for r in store.requests].count("POST") == 1  # never re-sent
    # The check the bot makes before any retry finds what the lost answer created.
    (found,) = bc.find_orders_by_external_id(f"PO-{fault}")
    assert found.status_id == 11


def test_sandbox_lost_answer_to_shipment_is_ambiguous(bc: BigCommerceClient, store: Any) -> None:
    order = bc.create_order(order_body("PO-S"))
    (line,) = bc.order_products(order.id)
    (destination,) = bc.shipping_addresses(order.id)
    store.inject("POST", rf"{ORDERS}/\d+/shipments", "500_after")

    with pytest.raises(ServerError) as caught:
        bc.create_shipment(
            order.id,
            {
                "order_address_id": destination.id,
                "items": [{"order_product_id": line.id, "quantity": 2}],
            },
        )

    assert caught.value.ambiguous is True
    assert len(bc.shipments(order.id)) == 1
