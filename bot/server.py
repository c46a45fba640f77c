"""The HTTP surface: Slack events, BigCommerce webhooks and health, on a production server.

Bolt's own `App.start()` is a single-threaded development server that drops connections in
bursts; waitress is a multi-threaded production WSGI server that also runs in-process, which the
demo and the end-to-end tests rely on.

Anyone on the internet can reach these endpoints, so a request is judged on its size and its
credentials before its body is parsed: an oversized body gets 413 unread, and garbage gets a 4xx,
never a 500 with a traceback.
"""

from __future__ import annotations

import errno
import io
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from waitress import wasyncore
from waitress.server import create_server

from bot.config import ConfigError
from bot.metrics import Metrics

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Health = Callable[[], tuple[bool, dict[str, Any]]]
Webhook = Callable[[dict[str, str], bytes], tuple[int, dict[str, Any]]]

SERVER_THREADS = 32

# Request body caps. Slack refuses to open a view over 250 KB (views.open `view_too_large`); a
# view submission is that view plus what was typed, form-encoded, and ours measure 5-50 KB
# (every field full of multi-byte text), so 512 KiB is ample for every Slack payload.
# BigCommerce webhook deliveries are a small JSON envelope of ids (a few hundred bytes).
SLACK_BODY_LIMIT = 512 * 1024
WEBHOOK_BODY_LIMIT = 64 * 1024
# waitress keeps a body in memory up to this size and spools the rest to a temporary file, so
# many large bodies in flight at once cost disk, not memory.
IN_MEMORY_BODY = 64 * 1024


def wsgi_app(slack: App | None, *, signing_secret: str | None, health: Health,
             webhook: Webhook, metrics: Metrics | None = None) -> WSGIApp:
    metrics = metrics or Metrics()
    slack_handler = SlackRequestHandler(slack) if slack is not None else None
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def application(environ: dict[str, Any], start_response: Callable[..., Any]
                    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            ready, report = health()
            return _json(start_response, 200 if ready else 503, report)
        if path == "/bigcommerce/webhooks" and method == "POST":
            body = _body(environ, WEBHOOK_BODY_LIMIT)
            if body is None:
                return _json(start_response, 413, {"error": "request body too large"})
            status, answer = webhook(_headers(environ), body)
            return _json(start_response, status, answer)
        if path == "/metrics" and method == "GET":
            return _exposition(start_response, *metrics.exposition())
        if path == "/slack/events" and method == "POST" and slack_handler is not None:
            body = _body(environ, SLACK_BODY_LIMIT)
            if body is None:
                return _json(start_response, 413, {"error": "request body too large"})
            # Bolt returns once the listener has acked; slow work runs after that.
            started = time.perf_counter()
            try:
                return _slack_events(slack_handler, verifier, environ, body, start_response)
            finally:
                metrics.ack_seconds.labels(mode="http").observe(time.perf_counter() - started)
        return _json(start_response, 404, {"error": "not found"})

    return application


def _slack_events(bolt: SlackRequestHandler, verifier: SignatureVerifier | None,
                  environ: dict[str, Any], body: bytes, start_response: Callable[..., Any]
                  ) -> Iterable[bytes]:
    # Bolt parses a body before it checks the signature (in BoltRequest's constructor), so an
    # unsigned body of garbage would reach its parsers and end in a 500. Only requests signed
    # with our secret get that far; Bolt checks the signature again.
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _json(start_response, 400, {"error": "invalid request"})
    if verifier is not None and not _signed_by_slack(verifier, text, environ):
        return _json(start_response, 401, {"error": "invalid request"})
    signed = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    try:
        return bolt(signed, start_response)
    except Exception as exc:
        # Listener errors never get here (Bolt hands them to the app's error handler): this is
        # a signed body Bolt cannot read, such as a JSON array or nesting too deep to parse.
        log.warning("refused a signed Slack request that is not a Slack payload (%s)",
                    type(exc).__name__)
        return _json(start_response, 400, {"error": "invalid request"})


def _signed_by_slack(verifier: SignatureVerifier, body: str, environ: dict[str, Any]) -> bool:
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""))
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE", ""))
    # The verifier raises on a timestamp that is not a number and on a non-ASCII signature;
    # neither is anything Slack sends.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12
            and signature.isascii()):
        return False
    return verifier.is_valid(body, timestamp, signature)


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    return {key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items()
            if key.startswith("HTTP_")}


def _body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The request body, or None when it is over `limit` bytes (it is then never read).

    waitress has already counted a chunked body and set its CONTENT_LENGTH, and refused any
    body over the largest limit itself, so no request can make this read more than `limit`.
    """
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > limit:
        return None
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _json(start_response: Callable[..., Any], status: int, body: dict[str, Any]
          ) -> list[bytes]:
    data = json.dumps(body).encode()
    reason = {200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized",
              404: "Not Found", 413: "Content Too Large",
              503: "Service Unavailable"}.get(status, "Status")
    start_response(f"{status} {reason}", [("Content-Type", "application/json"),
                                          ("Content-Length", str(len(data)))])
    return [data]


def _exposition(start_response: Callable[..., Any], content_type: str, data: bytes
                ) -> list[bytes]:
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]


def cannot_listen(port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"Port {port} is already in use; stop what listens there or pick another port."
    return f"The bot cannot listen on port {port} ({exc.strerror or exc})."


def ensure_port_free(host: str, port: int) -> None:
    """Fail now, in one sentence, when `port` is taken (HTTPServer would fail the same way)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As waitress binds: a port left in TIME_WAIT by a stopped bot counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(cannot_listen(port, exc)) from None


class HTTPServer:
    """waitress in a background thread, so one process can also run the worker and scheduler."""

    def __init__(self, application: WSGIApp, *, host: str = "0.0.0.0", port: int = 3000,
                 threads: int = SERVER_THREADS) -> None:
        try:
            self._server = create_server(application, host=host, port=port, threads=threads,
                                         backlog=1024, connection_limit=1000, ident="paidorder",
                                         clear_untrusted_proxy_headers=True,
                                         # waitress refuses a body of this size or more with a
                                         # 413, a declared one before reading any of it.
                                         max_request_body_size=SLACK_BODY_LIMIT + 1,
                                         inbuf_overflow=IN_MEMORY_BODY)
        except OSError as exc:
            raise ConfigError(cannot_listen(port, exc)) from None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        host = self._server.effective_host  # type: ignore[union-attr]
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{self.port}"

    def start(self) -> HTTPServer:
        self._thread = threading.Thread(target=self._server.run, name="http", daemon=True)
        self._thread.start()
        return self

    def stop(self, grace: float = 5.0) -> None:
        """Stop accepting, let requests in flight finish, then drop idle keep-alive channels."""
        server = self._server
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=grace)  # type: ignore[union-attr]
        # Sockets are closed inside the server's own loop thread (its trigger runs the thunk
        # there), so the loop is never left selecting on a closed descriptor; with nothing left
        # in its map, the loop returns.
        server.trigger.pull_trigger(  # type: ignore[union-attr]
            lambda: wasyncore.close_all(server._map))  # type: ignore[union-attr]  # noqa: SLF001
        if self._thread:
            self._thread.join(grace)
