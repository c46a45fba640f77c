"""The HTTP server: /api/<method> and /response/<key> go to the stand-in; replies go out."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sandbox.slack.replies import _Reply

if TYPE_CHECKING:
    from sandbox.slack.standin import SlackStandIn


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 drops connections in a burst (§13.2)
    allow_reuse_address = True
    standin: SlackStandIn


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the transcript is the log; stderr noise would drown the demo

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()  # Slack accepts GET with a query string for every method

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        standin = self.server.standin
        if url.path.startswith("/api/"):
            reply = standin._serve_api(
                url.path.removeprefix("/api/"), self.headers, body, url.query
            )
        elif url.path.startswith("/response/"):
            reply = standin._serve_response_url(
                url.path.removeprefix("/response/"), self.headers, body
            )
        elif url.path.startswith("/upload/"):
            reply = standin._serve_upload(url.path.removeprefix("/upload/"), body)
        elif url.path.startswith("/files/") and self.command == "GET":
            reply = standin._serve_file(url.path.removeprefix("/files/"), self.headers)
        else:
            reply = _Reply("not found", 404)
        try:
            self._send(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting for a slow answer

    def _send(self, reply: _Reply) -> None:
        is_json = isinstance(reply.payload, dict)
        if isinstance(reply.payload, bytes):
            data = reply.payload
        else:
            data = (json.dumps(reply.payload) if is_json else str(reply.payload)).encode()
        self.send_response(reply.status)
        ctype = "application/json; charset=utf-8" if is_json else "text/plain; charset=utf-8"
        headers = {"Content-Type": ctype, **reply.headers, "Content-Length": str(len(data))}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
