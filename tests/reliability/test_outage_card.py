"""While BigCommerce is down the approved card says so — what is wrong and when the bot last
tried, in PAIDORDER_TIMEZONE — changing only when that changes, and clean once the order exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import ids
from bot.config import Settings
from bot.runtime import Bot
from commands.bigcommerce import BigCommerceClient
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn, render_blocks
from tests.conftest import APPROVALS, APPROVER, submit_request
from tests.e2e.test_approval_flow import wait_card
from tests.reliability.conftest import LEASE, orders_in, player_for, settle

ORDERS = r"/stores/[^/]+/v2/orders"
ZONE = "America/Chicago"
NOT_ANSWERING = re.compile(r"BigCommerce is not answering — retrying; last try (\d\d:\d\d)")


@pytest.fixture
def bot(make_settings: Callable[..., Settings], store: SandboxServer, database_url: str
        ) -> Iterator[Bot]:
    # Gives up on an answer after half a second and leaves every retry to the outbox.
    client = BigCommerceClient(store.url, store.store_hash, store.access_token,
                               read_timeout=0.5, max_retries=0)
    bot = Bot(make_settings(database_url=database_url, paidorder_timezone=ZONE),
              host="127.0.0.1", port=0, lease=LEASE, bigcommerce=client).start()
    yield bot
    bot.stop()


def card_texts(slack: SlackStandIn, ts: str) -> list[str]:
    return [render_blocks(c.args["blocks"]) for c in slack.calls_to("chat.update")
            if c.args.get("ts") == ts]


def minutes_between(start: datetime, end: datetime) -> set[str]:
    shown, moment = set(), start.replace(second=0, microsecond=0)
    while moment <= end:
        shown.add(moment.astimezone(ZoneInfo(ZONE)).strftime("%H:%M"))
        moment += timedelta(minutes=1)
    return shown


def test_the_card_says_bigcommerce_is_not_answering_until_the_order_exists(
    bot: Bot, slack: SlackStandIn, store: SandboxServer
) -> None:
    player = player_for(bot, slack)
    card = submit_request(player, slack)
    store.inject("GET", ORDERS, "delay_after", delay=1.5, times=3)  # the lookup times out
    started = datetime.now(ZoneInfo(ZONE))
    assert player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]).status_code == 200

    shown = wait_card(slack, card["ts"], "BigCommerce is not answering", timeout=15)
    match = NOT_ANSWERING.search(shown)
    assert match, shown
    assert match.group(1) in minutes_between(started, datetime.now(ZoneInfo(ZONE)))

    settle(bot.services.repo, timeout=30)
    [order] = orders_in(store)
    final = wait_card(slack, card["ts"], f"#{order['id']}")
    assert "not answering" not in final and "retrying" not in final

    # One update per change of what the card says, never one per retry.
    texts = card_texts(slack, card["ts"])
    assert all(a != b for a, b in zip(texts, texts[1:], strict=False)), texts
    assert len([t for t in texts if "not answering" in t]) < 3  # three failed tries
