"""`SandboxServer`: the store on localhost over HTTP, with request recording and fault injection."""

from __future__ import annotations

import http.server
import json
import logging
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from sandbox.bigcommerce import catalog_search
from sandbox.bigcommerce.api import Call, Reply, _Api
from sandbox.bigcommerce.limits import FAULTS, Fault, RateLimiter
from sandbox.bigcommerce.oddities import Oddity
from sandbox.bigcommerce.records import Hook
from sandbox.bigcommerce.render import render_hook, render_order, render_shipment
from sandbox.bigcommerce.state import SandboxState
from sandbox.bigcommerce.values import NOT_FOUND, ApiError
from sandbox.bigcommerce.webhooks import WebhookDispatcher

# One logger for the whole store, under the name it had as a single module.
log = logging.getLogger("sandbox.bigcommerce")


class HeaderDict(dict[str, str]):
    """Request headers as sent, looked up case-insensitively (header names are)."""

    def _key(self, name: object) -> object:
        if isinstance(name, str):
            for key in self.keys():
                if key.lower() == name.lower():
                    return key
        return name

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(self._key(name))  # type: ignore[arg-type]

    def __contains__(self, name: object) -> bool:
        return super().__contains__(self._key(name))

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(self._key(name), default)  # type: ignore[arg-type]


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int = 0  # the status answered; 0 while in flight or when the connection was dropped


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    sandbox: SandboxServer


class _Handler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.1 keep-alive so a requests.Session reuses connections as it does with the real API.
    protocol_version = "HTTP/1.1"
    # Headers and body go out as one buffered write with Nagle off; otherwise every keep-alive
    # answer waits ~40 ms on the client's delayed ACK.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self.server.sandbox._handle(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox: " + format, *args)

    def answer(self, status: int, body: Any, headers: dict[str, str]) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", "application/json")
        if status != 204:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class SandboxServer:
    """A BigCommerce-like store on localhost. `start()` it, point a client at `url`."""

    def __init__(self, *, store_hash: str = "sandbox", access_token: str = "sandbox-token",
                 host: str = "127.0.0.1", port: int = 0,
                 quota: int = 150, window_seconds: float = 30.0,
                 strict_gateway: bool = False, storefronts: int = 1,
                 tax_inclusive: bool = False, generated_products: int = 0) -> None:
        self.store_hash = store_hash
        # Like a strict gateway in front of the API: refuse any call, GET included, that does
        # not say `Accept` and `Content-Type: application/json` (the specs mark both required).
        self.strict_gateway = strict_gateway
        self.access_token = access_token
        self.requests: list[RecordedRequest] = []
        self.webhooks = WebhookDispatcher(store_hash, self._hooks_for,
                                          deactivate=lambda hook_id: self.deactivate_hook(hook_id))
        self.state = SandboxState(store_hash, self.webhooks.emit)
        # Two or more: a Multi-Storefront store (`GET /v3/channels` lists them).
        self.state.storefronts = storefronts
        # Prices entered with tax (`/v2/store` is_price_entered_with_tax). Like a store with
        # automatic tax, the sandbox computes no tax on API orders either way.
        self.state.store["is_price_entered_with_tax"] = tax_inclusive
        # A large store for measuring: that many more products, the same on every start.
        self.state.add_products(catalog_search.generated_products(generated_products))
        self.rate_limiter = RateLimiter(quota, window_seconds)
        self._api = _Api(self.state, lambda: f"{self.url}/stores/{self.store_hash}")
        self._faults: list[Fault] = []
        self._oddities: list[Oddity] = []
        self._lock = threading.Lock()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.sandbox = self
        self._thread: threading.Thread | None = None

    def _hooks_for(self, scope: str) -> list[Hook]:
        return self.state.hooks_for(scope)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SandboxServer:
        self.webhooks.start()
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        name="sandbox-bigcommerce", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        # shutdown() waits for serve_forever() to exit, so it would hang if never started.
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread = None
        self._httpd.server_close()
        self.webhooks.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- test and control-panel hooks -------------------------------------------------------

    def inject(self, method: str, path_pattern: str, fault: str, *, times: int = 1,
               delay: float = 0.0, retry_after: int = 1) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {sorted(FAULTS)}")
        with self._lock:
            self._faults.append(Fault(method.upper(), path_pattern, fault, times, delay,
                                      retry_after))

    def answer_oddly(self, method: str, path_pattern: str, *,
                     changes: dict[str, Any] | None = None, drop: tuple[str, ...] = (),
                     times: int = 1) -> None:
        """Apply matching requests as usual but change their successful JSON answer: set the
        dotted `changes`, leave out the dotted `drop` paths (see sandbox.bigcommerce.oddities)."""
        with self._lock:
            self._oddities.append(Oddity(method.upper(), path_pattern, dict(changes or {}),
                                         tuple(drop), times))

    def ship_from_control_panel(self, order_id: int, *, shipping_provider: str = "ups",
                                tracking_number: str = "1Z999",
                                items: list[tuple[int, int]] | None = None) -> dict:
        details = {"shipping_provider": shipping_provider, "tracking_number": tracking_number}
        shipment = self.state.ship_all_unshipped(order_id, details, items)
        with self.state.lock:
            return render_shipment(shipment, self.state.order(order_id))

    def set_status(self, order_id: int, status_id: int) -> dict:
        order = self.state.set_status(order_id, status_id)
        with self.state.lock:
            return render_order(order, f"{self.url}/stores/{self.store_hash}")

    def deactivate_hook(self, hook_id: int) -> dict:
        """BigCommerce's side switching a hook off (failing deliveries, or 90 days idle)."""
        hook = self.state.deactivate_hook(hook_id)
        with self.state.lock:
            return render_hook(hook, self.store_hash)

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # ---- request handling -------------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and re.fullmatch(fault.path_pattern, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _oddly(self, method: str, path: str, reply: Reply) -> Reply:
        if reply.status >= 300 or reply.body is None:
            return reply
        with self._lock:
            oddity = next((o for o in self._oddities if o.matches(method, path)), None)
            if oddity is None:
                return reply
            oddity.times -= 1
            if oddity.times <= 0:
                self._oddities.remove(oddity)
        return Reply(reply.status, oddity.apply(reply.body), reply.headers)

    def _record(self, handler: _Handler) -> RecordedRequest:
        parts = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        recorded = RecordedRequest(
            method=handler.command, path=parts.path,
            query=dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
            headers=HeaderDict(handler.headers.items()),
            body=handler.rfile.read(length) if length else b"",
        )
        with self._lock:
            self.requests.append(recorded)
        return recorded

    def _handle(self, handler: _Handler) -> None:
        recorded = self._record(handler)
        version = "v3" if re.match(r"/stores/[^/]+/v3(/|$)", recorded.path) else "v2"
        headers: dict[str, str] = {}
        fault: Fault | None = None
        try:
            headers = self.rate_limiter.take(spend=False)[1]  # every answer carries them
            call = self._authorize(recorded, version)
            allowed, headers = self.rate_limiter.take()
            if not allowed:
                raise ApiError(429, "You have exceeded your rate limit.", headers=headers)
            fault = self._take_fault(recorded.method, recorded.path)
            self._fault_before(fault)
            reply = self._api.dispatch(call)
        except ApiError as error:
            reply = Reply(error.status, error.body(version), error.headers)
        except Exception:  # a sandbox bug must still look like a server error to the client
            log.exception("sandbox failed on %s %s", recorded.method, recorded.path)
            reply = Reply(500, ApiError(500, "Internal Server Error").body(version))
        reply = self._fault_after(fault, reply, version, handler)
        if reply is None:
            return
        reply = self._oddly(recorded.method, recorded.path, reply)
        recorded.status = reply.status
        handler.answer(reply.status, reply.body, {**headers, **reply.headers})

    def _authorize(self, recorded: RecordedRequest, version: str) -> Call:
        match = re.fullmatch(r"/stores/([^/]+)/(v2|v3)(/.*?)/?", recorded.path)
        if not match or match.group(1) != self.store_hash:
            raise ApiError(404, NOT_FOUND)
        if recorded.headers.get("X-Auth-Token") != self.access_token:
            raise ApiError(401, "You have provided an invalid or missing X-Auth-Token.")
        if self.strict_gateway and not all(
                (recorded.headers.get(name) or "").startswith("application/json")
                for name in ("Accept", "Content-Type")):
            raise ApiError(415, "The specified content type is not supported.")
        return Call(method=recorded.method, version=version, path=match.group(3),
                    query=recorded.query, body=recorded.body,
                    content_type=recorded.headers.get("Content-Type") or "")

    @staticmethod
    def _fault_before(fault: Fault | None) -> None:
        if fault is None:
            return
        if fault.kind == "500_before":
            raise ApiError(500, "Internal Server Error")
        if fault.kind == "429":
            wait = fault.retry_after
            raise ApiError(429, "You have exceeded your rate limit.", headers={
                "X-Rate-Limit-Time-Reset-Ms": str(wait * 1000), "X-Retry-After": str(wait),
                "X-Rate-Limit-Requests-Left": "0"})

    @staticmethod
    def _fault_after(fault: Fault | None, reply: Reply, version: str,
                     handler: _Handler) -> Reply | None:
        """The request has been applied; now lose, delay or drop its answer as injected."""
        if fault is None:
            return reply
        if fault.kind == "500_after":
            return Reply(500, ApiError(500, "Internal Server Error").body(version))
        if fault.kind == "delay_after":
            time.sleep(fault.delay)
        if fault.kind == "drop_after":
            handler.close_connection = True
            return None
        return reply


def serve_forever(port: int, *, store_hash: str = "sandbox",
                  access_token: str = "sandbox-token") -> None:
    """`paidorder sandbox`: run the store in the foreground until Ctrl-C."""
    server = SandboxServer(store_hash=store_hash, access_token=access_token, port=port).start()
    print(f"BigCommerce sandbox at {server.url}  store_hash={store_hash}  "
          f"access_token={access_token}  (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
