"""Socket Mode: health reflects the WebSocket, and a slash command arrives over it.

`WebSocketStandIn` plays Slack's Socket Mode server (RFC 6455, text frames only) on 127.0.0.1;
slack_sdk's built-in client connects to it without TLS because the port is not 443.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from slack_bolt import BoltRequest
from slack_bolt.adapter.socket_mode.internals import build_headers
from slack_sdk.socket_mode.request import SocketModeRequest

from bot import ids
from bot.cli import main
from bot.config import Settings
from bot.listeners.deliveries import retry_attempt
from bot.runtime import Bot
from bot.socket_mode import connect
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from tests.conftest import APPROVALS, APPROVER, BOT_TOKEN, REQUESTER, SALES
from tests.deploy.test_metrics import sample, scrape

APP_TOKEN = "xapp-1-A0TEST-0000-socketmodetoken"
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WebSocketStandIn:
    """Accepts one WebSocket at a time, says hello, sends envelopes and collects the acks."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/?ticket=t"
        self._conn: socket.socket | None = None
        self._connected = threading.Event()
        self._cond = threading.Condition()
        self.acks: list[dict[str, Any]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except OSError:
            return
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(4096)
        key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
                   if line.lower().startswith(b"sec-websocket-key:"))
        accept = base64.b64encode(hashlib.sha1(key + _GUID.encode()).digest())
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        self._conn = conn
        self.send({"type": "hello", "num_connections": 1,
                   "debug_info": {"host": "standin"}, "connection_info": {"app_id": "A0TEST"}})
        self._connected.set()
        self._read(conn)

    def _read(self, conn: socket.socket) -> None:
        buffer = b""

        def take(n: int) -> bytes:
            nonlocal buffer
            while len(buffer) < n:
                chunk = conn.recv(65536)
                if not chunk:
                    raise ConnectionError
                buffer += chunk
            data, buffer = buffer[:n], buffer[n:]
            return data

        try:
            while True:
                first, second = take(2)
                length = second & 0x7F
                if length == 126:
                    length = struct.unpack("!H", take(2))[0]
                elif length == 127:
                    length = struct.unpack("!Q", take(8))[0]
                mask = take(4) if second & 0x80 else b"\0\0\0\0"
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(take(length)))
                opcode = first & 0x0F
                if opcode == 0x1:
                    with self._cond:
                        self.acks.append(json.loads(payload))
                        self._cond.notify_all()
                elif opcode == 0x9:
                    self._frame(0xA, payload)
                elif opcode == 0x8:
                    return
        except (ConnectionError, OSError):
            return

    def _frame(self, opcode: int, payload: bytes) -> None:
        assert self._conn is not None
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack("!H", n)
        else:
            head += bytes([127]) + struct.pack("!Q", n)
        self._conn.sendall(head + payload)

    def send(self, message: dict[str, Any]) -> None:
        self._frame(0x1, json.dumps(message).encode())

    def wait_connected(self, timeout: float = 5) -> None:
        assert self._connected.wait(timeout), "the bot never opened the WebSocket"

    def envelope(self, kind: str, payload: dict[str, Any], timeout: float = 5,
                 retry_attempt: int = 0) -> tuple[dict[str, Any], float]:
        """Send one envelope; return the bot's ack for it and how long the ack took."""
        envelope_id = str(uuid.uuid4())
        sent = time.monotonic()
        self.send({"envelope_id": envelope_id, "type": kind, "payload": payload,
                   "accepts_response_payload": kind != "events_api",
                   "retry_attempt": retry_attempt,
                   "retry_reason": "timeout" if retry_attempt else ""})
        with self._cond:
            found = self._cond.wait_for(
                lambda: [a for a in self.acks if a.get("envelope_id") == envelope_id], timeout)
        assert found, f"no ack for {kind}"
        return found[0], time.monotonic() - sent

    def close(self) -> None:
        self._listener.close()
        if self._conn is not None:
            self._conn.close()


@pytest.fixture
def websocket(slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
              ) -> Iterator[WebSocketStandIn]:
    """The Slack stand-in learns apps.connections.open, which answers with this WebSocket."""
    server = WebSocketStandIn()
    check_token = slack._check_token  # noqa: SLF001
    monkeypatch.setattr(slack, "_check_token",
                        lambda token: None if token == APP_TOKEN else check_token(token))
    monkeypatch.setitem(slack._methods, "apps.connections.open",  # noqa: SLF001
                        lambda args: {"ok": True, "url": server.url})
    yield server
    server.close()


@pytest.fixture
def socket_bot(make_settings: Callable[..., Settings]) -> Iterator[Bot]:
    """A bot as `paidorder serve` starts it in Socket Mode: no signing secret, no /slack/events."""
    settings = make_settings(slack_app_token=APP_TOKEN, slack_signing_secret=None)
    bot = Bot(settings, host="127.0.0.1", port=0, http=False).start()
    yield bot
    bot.stop()


def test_health_reports_the_socket_connection(socket_bot: Bot) -> None:
    state = {"connected": True}
    socket_bot.slack_connected = lambda: state["connected"]

    ready, report = socket_bot.health()
    assert ready and report["slack"]["connected"] is True and report["slack"]["mode"] == "socket"
    assert report["database"] == "ok" and report["worker"] == "running"

    state["connected"] = False
    answer = requests.get(f"{socket_bot.url}/healthz", timeout=5)
    assert answer.status_code == 503
    assert answer.json()["slack"]["connected"] is False and answer.json()["ok"] is False


def test_health_is_not_ready_when_the_probe_itself_fails(socket_bot: Bot) -> None:
    def broken() -> bool:
        raise RuntimeError("socket client gone")
    socket_bot.slack_connected = broken

    ready, report = socket_bot.health()

    assert not ready and report["slack"]["connected"] is False


def test_health_in_http_mode(bot: Bot) -> None:
    deadline = time.monotonic() + 5
    while True:  # the store's details are read in the background at start-up
        answer = requests.get(f"{bot.url}/healthz", timeout=5)
        body = answer.json()
        if body["bigcommerce"]["last_call"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)

    assert answer.status_code == 200
    assert body["ok"] is True and body["slack"]["mode"] == "http"
    assert body["slack"]["connected"] is True
    assert body["bigcommerce"]["last_call"].startswith("GET /v")
    assert body["bigcommerce"]["status"] == "200"


def test_serve_in_http_mode_needs_the_signing_secret(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, slack: SlackStandIn,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in dict(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN,
                            SLACK_API_URL=slack.api_url, BIGCOMMERCE_SANDBOX="1",
                            PAIDORDER_APPROVAL_CHANNEL=APPROVALS,
                            PAIDORDER_APPROVERS=APPROVER).items():
        monkeypatch.setenv(name, value)

    assert main(["serve", "--http", "--port", "0"]) == 2

    assert "SLACK_SIGNING_SECRET is not set; it is required in HTTP mode." in \
        capsys.readouterr().err


def test_slack_events_are_not_served_over_http_in_socket_mode(socket_bot: Bot) -> None:
    answer = requests.post(f"{socket_bot.url}/slack/events", data="command=/paidorder",
                           timeout=5)
    assert answer.status_code == 404


def test_a_slash_command_over_the_socket_opens_the_form(
        socket_bot: Bot, slack: SlackStandIn, websocket: WebSocketStandIn) -> None:
    bot = socket_bot
    handler = connect(bot, APP_TOKEN)
    try:
        websocket.wait_connected()
        deadline = time.monotonic() + 5
        while not bot.health()[0]:
            assert time.monotonic() < deadline, bot.health()[1]
            time.sleep(0.02)

        ack, took = websocket.envelope("slash_commands", {
            "token": "legacy", "team_id": slack.team_id, "team_domain": "demo",
            "channel_id": SALES, "channel_name": "sales", "user_id": REQUESTER,
            "user_name": "riley", "command": ids.COMMAND, "text": "", "api_app_id": "A0TEST",
            "is_enterprise_install": "false", "response_url": slack.response_url("sock"),
            "trigger_id": slack.new_trigger_id(REQUESTER),
        })

        assert took < 3.0
        assert set(ack) <= {"envelope_id", "payload"}
        [opened] = slack.wait_for("views.open", count=1)
        assert opened.args["view"]["callback_id"] == ids.REQUEST_MODAL
    finally:
        handler.close()

    deadline = time.monotonic() + 5
    while bot.health()[0]:
        assert time.monotonic() < deadline, "health still reports a connection after close"
        time.sleep(0.02)
    assert bot.health()[1]["slack"]["connected"] is False


def test_bolt_shows_a_socket_mode_retry_as_the_http_retry_header() -> None:
    envelope = SocketModeRequest(type="interactive", envelope_id="e1", payload={},
                                 retry_attempt=2, retry_reason="timeout")
    request = BoltRequest(mode="socket_mode", body={}, headers=build_headers(envelope))
    assert retry_attempt(request) == 2
    assert retry_attempt(BoltRequest(mode="socket_mode", body={})) == 0


def test_a_retried_summary_over_the_socket_posts_once(
        socket_bot: Bot, slack: SlackStandIn, websocket: WebSocketStandIn) -> None:
    handler = connect(socket_bot, APP_TOKEN)
    try:
        websocket.wait_connected()
        payload = {
            "token": "legacy", "team_id": slack.team_id, "channel_id": SALES,
            "user_id": APPROVER, "command": ids.COMMAND, "text": "summary",
            "api_app_id": "A0TEST", "response_url": slack.response_url("sock-summary"),
            "trigger_id": slack.new_trigger_id(APPROVER),
        }
        websocket.envelope("slash_commands", payload)
        slack.wait_for("response_url", count=1)
        websocket.envelope("slash_commands", payload, retry_attempt=1)
        time.sleep(0.4)  # long enough for a listener that (wrongly) ran again to post
        posts = [c for c in slack.calls_to("chat.postMessage")
                 if "so far today" in str(c.args.get("text"))]
        assert len(posts) == 1
        assert len(slack.calls_to("response_url")) == 1
    finally:
        handler.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_paidorder_serve_runs_socket_mode_and_stops_on_sigterm(
        slack: SlackStandIn, store: SandboxServer, websocket: WebSocketStandIn,
        tmp_path: Path) -> None:
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "BIGCOMMERCE_", "PAIDORDER_"))}
    env.update(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=slack.api_url,
               BIGCOMMERCE_STORE_HASH=store.store_hash,
               BIGCOMMERCE_ACCESS_TOKEN=store.access_token, BIGCOMMERCE_API_URL=store.url,
               DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}",
               PAIDORDER_APPROVAL_CHANNEL=APPROVALS, PAIDORDER_APPROVERS=APPROVER,
               PAIDORDER_LOG_FORMAT="json", PORT=str(port))
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        websocket.wait_connected(timeout=15)
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if answer.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "/healthz never answered 200"
            time.sleep(0.1)
        assert answer.json()["slack"] == {"mode": "socket", "connected": True,
                                          "team": "Paid Order Demo", "bot_user": "UPAIDBOT"}
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert process.returncode == 0, err
    events = [json.loads(line) for line in err.splitlines()]
    messages = [event["message"] for event in events]
    assert "connected to Slack in Socket Mode" in messages and "stopped" in messages
    for secret in (BOT_TOKEN, APP_TOKEN, store.access_token):
        assert secret not in err


def test_socket_mode_serves_metrics_and_times_its_acks(
        socket_bot: Bot, slack: SlackStandIn, websocket: WebSocketStandIn) -> None:
    handler = connect(socket_bot, APP_TOKEN)
    try:
        websocket.wait_connected()
        before = scrape(socket_bot)
        websocket.envelope("slash_commands", {
            "token": "legacy", "team_id": slack.team_id, "team_domain": "demo",
            "channel_id": SALES, "channel_name": "sales", "user_id": REQUESTER,
            "user_name": "riley", "command": ids.COMMAND, "text": "", "api_app_id": "A0TEST",
            "is_enterprise_install": "false", "response_url": slack.response_url("sock"),
            "trigger_id": slack.new_trigger_id(REQUESTER),
        })
        slack.wait_for("views.open", count=1)
        deadline = time.monotonic() + 5
        while not sample(after := scrape(socket_bot), "paidorder_slack_calls_total",
                        method="views.open", status="ok"):
            assert time.monotonic() < deadline, "views.open was never counted"
            time.sleep(0.05)
    finally:
        handler.close()

    assert sample(after, "paidorder_ack_seconds_count", mode="socket") - \
        sample(before, "paidorder_ack_seconds_count", mode="socket") == 1
    assert sample(after, "paidorder_slack_calls_total", method="views.open", status="ok") == 1
    assert sample(after, "paidorder_ack_seconds_count", mode="http") == 0


def test_find_a_product_answers_options_over_the_socket(
        socket_bot: Bot, slack: SlackStandIn, websocket: WebSocketStandIn) -> None:
    bot = socket_bot
    deadline = time.monotonic() + 5
    while not bot.services.products.ready:
        assert time.monotonic() < deadline, "the product index never synced"
        time.sleep(0.02)
    handler = connect(bot, APP_TOKEN)
    try:
        websocket.wait_connected()
        ack, _took = websocket.envelope("interactive", {
            "type": "block_suggestion", "user": {"id": REQUESTER, "team_id": slack.team_id},
            "team": {"id": slack.team_id, "domain": "demo"}, "api_app_id": "A0TEST",
            "token": "legacy", "container": {"type": "view", "view_id": "V1"},
            "action_id": ids.FIND_PRODUCT, "block_id": ids.FIND_PRODUCT, "value": "mug",
            "view": {"id": "V1", "type": "modal", "callback_id": ids.REQUEST_MODAL},
        })
        assert [o["value"] for o in ack["payload"]["options"]] == ["113:205"]
    finally:
        handler.close()
