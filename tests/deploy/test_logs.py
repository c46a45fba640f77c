"""Logs: one line per event, JSON on request, and no secret ever written."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable

import requests

from bot import ids, logs
from bot.runtime import Bot
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import (
    APPROVALS,
    APPROVER,
    BOT_TOKEN,
    SALES,
    SIGNING_SECRET,
    WEBHOOK_SECRET,
    submit_request,
)

APP_TOKEN = "xapp-1-A0TEST-0000-secretappleveltoken"


def test_no_secret_reaches_the_logs_during_a_whole_approval(
        start_bot: Callable[..., Bot], slack: SlackStandIn, store: SandboxServer) -> None:
    secrets = [BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, store.access_token, WEBHOOK_SECRET]
    stream = io.StringIO()
    redaction = logs.configure("text", level=logging.DEBUG, stream=stream)
    bot = start_bot(slack_app_token=APP_TOKEN)
    redaction.add(logs.secrets_of(bot.settings))
    assert sorted(logs.secrets_of(bot.settings)) == sorted(secrets)
    player = SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=slack.response_url("test", channel=SALES))

    card = submit_request(player, slack)
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    deadline = time.monotonic() + 10
    while "Status:" not in render_blocks(slack.message(APPROVALS, card["ts"]).blocks):
        assert time.monotonic() < deadline, "the order was never created"
        time.sleep(0.05)
    requests.post(f"{bot.url}/bigcommerce/webhooks", headers={"X-Paidorder-Secret":
                  WEBHOOK_SECRET}, json={"scope": "store/order/updated"}, timeout=5)
    # Whatever code might log a secret by mistake, the filter still catches it.
    logging.getLogger("paidorder.test").warning("token was %s", BOT_TOKEN)
    try:
        raise RuntimeError(f"failed with {store.access_token}")
    except RuntimeError:
        logging.getLogger("paidorder.test").exception("an error")

    written = stream.getvalue()
    assert " DEBUG " in written and "POST /v2/orders" in written, "the whole flow was logged"
    assert "token was [redacted]" in written and "failed with [redacted]" in written
    for secret in secrets:
        assert secret not in written


def test_json_lines_are_one_object_per_event() -> None:
    stream = io.StringIO()
    logs.configure("json", secrets=["s3cr3t-value"], stream=stream)
    log = logging.getLogger("paidorder.test")

    log.info("hello %s", "world")
    try:
        raise ValueError("bad s3cr3t-value\nsecond line")
    except ValueError:
        log.exception("it broke")

    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "hello world" and first["level"] == "INFO"
    assert first["logger"] == "paidorder.test" and first["at"].endswith("+00:00")
    assert second["message"] == "it broke" and "ValueError: bad [redacted]" in second["exc"]


def test_text_lines_keep_a_traceback_on_the_same_line() -> None:
    stream = io.StringIO()
    logs.configure("text", stream=stream)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("paidorder.test").exception("it broke")

    [line] = stream.getvalue().splitlines()
    assert "ERROR paidorder.test: it broke" in line and "ValueError: boom" in line
