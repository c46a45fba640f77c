"""Helpers for the reliability tests: what the store holds, and waiting for the bot to settle."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.runtime import Bot
from commands.bigcommerce import BigCommerceClient
from commands.repository import Repository
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import SIGNING_SECRET

LEASE = timedelta(seconds=2)


def orders_in(store: SandboxServer) -> list[dict[str, Any]]:
    """Every order in the sandbox store, asked over HTTP as anyone would."""
    client = BigCommerceClient(store.url, store.store_hash, store.access_token)
    return list(client.get_many("/v2/orders"))


def settle(repo: Repository, timeout: float = 15.0) -> None:
    """Wait until the outbox is empty: nothing is left that could still create an order."""
    deadline = time.monotonic() + timeout
    while repo.pending_jobs():
        if time.monotonic() > deadline:
            raise AssertionError(f"the outbox never drained: {repo.pending_jobs()}")
        time.sleep(0.05)


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def player_for(bot: Bot, slack: SlackStandIn) -> SlackRequests:
    from tests.conftest import SALES

    return SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                         response_url=slack.response_url("test", channel=SALES))


@pytest.fixture
def impatient_bot(make_settings: Callable[..., Settings], store: SandboxServer
                  ) -> Iterator[Bot]:
    """A bot whose BigCommerce client gives up on an answer after one second."""
    client = BigCommerceClient(store.url, store.store_hash, store.access_token, read_timeout=1.0)
    bot = Bot(make_settings(), host="127.0.0.1", port=0, lease=LEASE,
              bigcommerce=client).start()
    yield bot
    bot.stop()
