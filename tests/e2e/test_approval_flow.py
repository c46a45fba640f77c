"""The core story over real HTTP: signed Slack requests in, Slack Web API calls and a
BigCommerce order out."""

from __future__ import annotations

import time

from bot import ids
from bot.runtime import Bot
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import APPROVALS, APPROVER, submit_request


def wait_card(slack: SlackStandIn, ts: str, words: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = render_blocks(slack.message(APPROVALS, ts).blocks)
        if words in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"card never showed {words!r}; it shows:\n{text}")


def test_approval_creates_exactly_one_paid_order(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack)
    assert "Approve" in render_blocks(card["blocks"])

    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    text = wait_card(slack, card["ts"], "Status:")

    orders = list(bot.services.bigcommerce.get_many("/v2/orders"))
    assert len(orders) == 1
    order = orders[0]
    assert f"#{order['id']}" in text and "Awaiting Fulfillment" in text
    assert order["status_id"] == 11
    assert order["external_order_id"] == card["ref"]
    assert order["payment_method"] == "Bank transfer"
    assert str(order["payment_provider_id"]) == "BT-1"
    assert order["external_source"] == "Slack (paidorder)"
