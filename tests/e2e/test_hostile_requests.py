"""What anyone on the internet can send, over real HTTP: oversized bodies get 413 without being
read, garbage gets a 4xx before any signature or secret is trusted, and neither leaves a
traceback or an ERROR in the log — and the bot goes on answering."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import requests

from bot.config import load_settings
from bot.runtime import Bot
from bot.server import SLACK_BODY_LIMIT, WEBHOOK_BODY_LIMIT
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import signed_headers
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, WEBHOOK_SECRET, settings_for

SLACK, WEBHOOKS = "/slack/events", "/bigcommerce/webhooks"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
BOMB = "[" * 100_000  # nesting far deeper than any JSON parser recurses


def signed(body: str, **headers: str) -> dict[str, str]:
    return {**signed_headers(SIGNING_SECRET, body), **headers}


def unsigned(timestamp: str = "1700000000", signature: str = "v0=" + "0" * 64
             ) -> dict[str, str]:
    return {**FORM, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


# (path, body, headers, expected status)
HOSTILE: dict[str, tuple[str, bytes | str, dict[str, Any], int]] = {
    "slack: not UTF-8": (SLACK, b"payload=\xff\xfe\x80", unsigned(), 400),
    "slack: no signature headers": (SLACK, "payload=%7B%7D", FORM, 401),
    "slack: a payload that is not JSON": (SLACK, "payload=not-json", unsigned(), 401),
    "slack: a JSON array": (SLACK, "[]", {**unsigned(), **JSON}, 401),
    "slack: a JSON bomb": (SLACK, BOMB, {**unsigned(), **JSON}, 401),
    "slack: a form-encoded JSON bomb": (SLACK, "payload=" + BOMB, unsigned(), 401),
    "slack: a timestamp that is not a number": (SLACK, "a=1", unsigned(timestamp="soon"), 401),
    "slack: a timestamp of 5,000 digits": (SLACK, "a=1", unsigned(timestamp="9" * 5000), 401),
    "slack: a non-ASCII signature": (
        SLACK, "a=1", {**unsigned(), "X-Slack-Signature": "v0=é".encode()}, 401),
    # Signed by someone holding the secret, yet still not anything Slack sends.
    "slack: a signed JSON array": (SLACK, "[]", signed("[]", **JSON), 400),
    "slack: a signed JSON bomb": (SLACK, BOMB, signed(BOMB, **JSON), 400),
    "slack: a signed payload that is not JSON": (
        SLACK, "payload=not-json", signed("payload=not-json"), 400),
    "slack: a signed payload that is a list": (
        SLACK, "payload=%5B%5D", signed("payload=%5B%5D"), 400),
    "webhook: no secret": (WEBHOOKS, BOMB[:1000], JSON, 401),
    "webhook: a wrong secret": (WEBHOOKS, "[]", {**JSON, "X-Paidorder-Secret": "guess"}, 401),
    "webhook: a non-ASCII secret": (
        WEBHOOKS, "{}", {**JSON, "X-Paidorder-Secret": "sécret".encode()}, 401),
    "webhook: not UTF-8": (WEBHOOKS, b"\xff\xfe", JSON, 401),
}


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    store = SandboxServer(quota=0).start()
    slack = SlackStandIn(bot_token=BOT_TOKEN).start()
    values = settings_for(store, slack, tmp_path_factory.mktemp("hostile") / "bot.db",
                          paidorder_webhook_secret=WEBHOOK_SECRET)
    running = Bot(load_settings(**values), host="127.0.0.1", port=0).start()
    yield running
    running.stop()
    slack.stop()
    store.stop()


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert "Traceback" not in caplog.text
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert loud == [], [r.getMessage() for r in loud]


def still_answers(bot: Bot) -> None:
    assert requests.get(bot.url + "/healthz", timeout=10).status_code == 200


@pytest.mark.parametrize("case", HOSTILE)
def test_garbage_gets_a_4xx_and_no_traceback(bot: Bot, caplog: pytest.LogCaptureFixture,
                                            case: str) -> None:
    path, body, headers, status = HOSTILE[case]
    data = body.encode() if isinstance(body, str) else body
    answer = requests.post(bot.url + path, data=data, headers=headers, timeout=10)
    assert answer.status_code == status, answer.text
    no_traceback(caplog)
    still_answers(bot)


@pytest.mark.parametrize("body", [
    "[" * 50_000,  # deep enough to break the parser, small enough for the cap
    json.dumps({"scope": "store/order/statusUpdated", "hash": "h1",
                "data": {"type": "order", "id": 2**63}}),  # too large for the database
], ids=["nested too deep", "order id 2**63"])
def test_an_odd_webhook_with_the_secret_is_ignored_without_a_traceback(
        bot: Bot, caplog: pytest.LogCaptureFixture, body: str) -> None:
    answer = requests.post(bot.url + WEBHOOKS, data=body, timeout=10,
                           headers={**JSON, "X-Paidorder-Secret": WEBHOOK_SECRET})
    assert answer.status_code < 500, answer.text
    no_traceback(caplog)


def raw_exchange(bot: Bot, head: str, chunks: Iterable[bytes] = ()) -> str:
    """Send `head` and then `chunks` until the server stops reading; return its status line."""
    with socket.create_connection(("127.0.0.1", bot.server.port), timeout=10) as conn:
        conn.sendall(head.encode())
        try:
            for chunk in chunks:
                conn.sendall(chunk)
        except OSError:
            pass  # the server answered and closed while the body was still coming
        return conn.makefile("rb").readline().decode()


@pytest.mark.parametrize("path", [SLACK, WEBHOOKS])
def test_a_declared_oversized_body_is_refused_before_it_is_sent(
        bot: Bot, caplog: pytest.LogCaptureFixture, path: str) -> None:
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {200 * 1024 * 1024}\r\n\r\n")
    assert raw_exchange(bot, head).startswith("HTTP/1.1 413")  # not one body byte was sent
    no_traceback(caplog)
    still_answers(bot)


def test_a_chunked_body_without_a_length_is_cut_off_at_the_cap(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    head = (f"POST {SLACK} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n")
    piece = b"x" * 65536
    chunks = (b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(3200))  # 200 MiB
    assert raw_exchange(bot, head, chunks).startswith("HTTP/1.1 413")
    no_traceback(caplog)
    still_answers(bot)


def test_a_webhook_over_its_own_cap_is_refused_unread(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    body = b"{" + b" " * WEBHOOK_BODY_LIMIT + b"}"
    answer = requests.post(bot.url + WEBHOOKS, data=body, timeout=10,
                           headers={**JSON, "X-Paidorder-Secret": WEBHOOK_SECRET})
    assert answer.status_code == 413
    assert WEBHOOK_BODY_LIMIT < SLACK_BODY_LIMIT  # so this one was the application's refusal
    no_traceback(caplog)
    still_answers(bot)
