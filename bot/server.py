"""The HTTP surface: Slack events, BigCommerce webhooks and health, on a production server.

Bolt's own `App.start()` is a single-threaded development server that drops connections in
bursts; waitress is a multi-threaded production WSGI server that also runs in-process, which the
demo and the end-to-end tests rely on.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.server import create_server

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Health = Callable[[], tuple[bool, dict[str, Any]]]
Webhook = Callable[[dict[str, str], bytes], tuple[int, dict[str, Any]]]

SERVER_THREADS = 32


def wsgi_app(slack: App | None, *, health: Health, webhook: Webhook) -> WSGIApp:
    slack_handler = SlackRequestHandler(slack) if slack is not None else None

    def application(environ: dict[str, Any], start_response: Callable[..., Any]
                    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            ready, report = health()
            return _json(start_response, 200 if ready else 503, report)
        if path == "/bigcommerce/webhooks" and method == "POST":
            status, answer = webhook(_headers(environ), _body(environ))
            return _json(start_response, status, answer)
        if path == "/slack/events" and method == "POST" and slack_handler is not None:
            return slack_handler(environ, start_response)
        return _json(start_response, 404, {"error": "not found"})

    return application


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    return {key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items()
            if key.startswith("HTTP_")}


def _body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(min(length, 1_000_000)) if length > 0 else b""


def _json(start_response: Callable[..., Any], status: int, body: dict[str, Any]
          ) -> list[bytes]:
    data = json.dumps(body).encode()
    reason = {200: "OK", 202: "Accepted", 401: "Unauthorized", 404: "Not Found",
              503: "Service Unavailable"}.get(status, "Status")
    start_response(f"{status} {reason}", [("Content-Type", "application/json"),
                                          ("Content-Length", str(len(data)))])
    return [data]


class HTTPServer:
    """waitress in a background thread, so one process can also run the worker and scheduler."""

    def __init__(self, application: WSGIApp, *, host: str = "0.0.0.0", port: int = 3000,
                 threads: int = SERVER_THREADS) -> None:
        self._server = create_server(application, host=host, port=port, threads=threads,
                                     backlog=1024, connection_limit=1000, ident="paidorder",
                                     clear_untrusted_proxy_headers=True)
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
