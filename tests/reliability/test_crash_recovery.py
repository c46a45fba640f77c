"""The bot is SIGKILLed mid-flight and restarted on the same database: the approved work is
finished, with exactly one order and a card that shows it.

The bot runs as a separate process (bot_process.py); the sandbox store and the Slack stand-in
stay in this process, so they outlive the crash like the real services would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import ids
from commands.repository import Repository, connect
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import (
    APPROVALS,
    APPROVER,
    APPROVER_GROUP,
    BOT_TOKEN,
    SALES,
    SIGNING_SECRET,
    submit_request,
)
from tests.e2e.test_approval_flow import wait_card
from tests.reliability.conftest import orders_in, settle, wait_until

ROOT = Path(__file__).resolve().parents[2]
ORDERS = r"/stores/[^/]+/v2/orders"


class BotProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.bot_process"], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=self.log)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().decode().strip()
        if not self.url.startswith("http"):
            self.proc.kill()
            raise AssertionError(f"the bot did not start; see {log}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def spawn(store: SandboxServer, slack: SlackStandIn, database_url: str, tmp_path: Path
          ) -> Iterator[Callable[..., BotProcess]]:
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "BIGCOMMERCE_API_URL": store.url, "BIGCOMMERCE_STORE_HASH": store.store_hash,
        "BIGCOMMERCE_ACCESS_TOKEN": store.access_token,
        "DATABASE_URL": database_url, "PAIDORDER_APPROVAL_CHANNEL": APPROVALS,
        "PAIDORDER_APPROVERS": f"{APPROVER},{APPROVER_GROUP}",
        "PAIDORDER_TEST_LEASE_SECONDS": "2",
    }
    started: list[BotProcess] = []

    def start(**more_env: str) -> BotProcess:
        started.append(BotProcess(env | more_env, tmp_path / "bot.log"))
        return started[-1]

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def repo_of(database_url: str) -> Iterator[Repository]:
    """The test's own view of the bot's database."""
    repo = Repository(connect(database_url))
    yield repo
    repo.engine.dispose()


def approve(bot: BotProcess, slack: SlackStandIn) -> dict[str, Any]:
    player = SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=slack.response_url("test", channel=SALES))
    card = submit_request(player, slack)
    assert player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]).status_code == 200
    return card


def actions(repo: Repository, ref: str) -> list[str]:
    return [a["action"] for a in repo.audit_trail(ref=ref)]


def finished_with_one_order(repo: Repository, store: SandboxServer, slack: SlackStandIn,
                            card: dict[str, Any]) -> None:
    settle(repo, timeout=20)
    orders = orders_in(store)
    assert [o["external_order_id"] for o in orders] == [card["ref"]]
    wait_card(slack, card["ts"], f"#{orders[0]['id']}", timeout=15)


def test_killed_while_looking_the_order_up_creates_it_after_restart(
    spawn: Callable[[], BotProcess], repo_of: Repository, store: SandboxServer,
    slack: SlackStandIn,
) -> None:
    # Approved and committed, the bot is asking BigCommerce whether the order exists yet.
    store.inject("GET", ORDERS, "delay_after", delay=30)
    first = spawn()
    card = approve(first, slack)
    wait_until(lambda: [r for r in store.requests
                        if r.method == "GET" and r.query.get("external_order_id") == card["ref"]],
               "the bot to look the order up")
    first.kill()
    assert orders_in(store) == []

    spawn()
    finished_with_one_order(repo_of, store, slack, card)


def test_killed_while_bigcommerce_creates_the_order_adopts_it_after_restart(
    spawn: Callable[[], BotProcess], repo_of: Repository, store: SandboxServer,
    slack: SlackStandIn,
) -> None:
    # BigCommerce makes the order but its answer never reaches the bot before the crash.
    store.inject("POST", ORDERS, "delay_after", delay=30)
    first = spawn()
    card = approve(first, slack)
    wait_until(lambda: orders_in(store), "BigCommerce to make the order")
    first.kill()
    assert "order_created" not in actions(repo_of, card["ref"])

    spawn()
    finished_with_one_order(repo_of, store, slack, card)
    assert "order_adopted" in actions(repo_of, card["ref"])


def test_killed_between_the_order_and_the_card_update_updates_the_card_after_restart(
    spawn: Callable[[], BotProcess], repo_of: Repository, store: SandboxServer,
    slack: SlackStandIn,
) -> None:
    first = spawn()
    store.inject("POST", ORDERS, "delay_after", delay=1.0)  # time to make Slack slow
    card = approve(first, slack)
    wait_until(lambda: orders_in(store), "BigCommerce to make the order")
    slack.latency = 30  # the card update after the order hangs in Slack
    wait_until(lambda: "order_created" in actions(repo_of, card["ref"]), "the order recorded")
    first.kill()
    slack.latency = 0
    order_id = orders_in(store)[0]["id"]
    assert f"#{order_id}" not in str(slack.message(APPROVALS, card["ts"]).blocks)

    spawn()
    finished_with_one_order(repo_of, store, slack, card)


def test_killed_after_slack_posted_the_card_but_before_its_ts_was_recorded_adopts_it(
    spawn: Callable[..., BotProcess], repo_of: Repository, store: SandboxServer,
    slack: SlackStandIn,
) -> None:
    # Slack posts the card but its answer is slow; the bot dies waiting for it.
    slack.answer_slowly("chat.postMessage", 30)
    first = spawn()
    player = SlackRequests(first.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=slack.response_url("test", channel=SALES))
    card = submit_request(player, slack)
    first.kill()
    assert repo_of.get(card["ref"]).card_ts is None

    second = spawn(PAIDORDER_TEST_SLACK_TIMEOUT="1")  # its look for late copies comes soon
    wait_until(lambda: repo_of.get(card["ref"]).card_ts, "the card to be recorded")
    assert repo_of.get(card["ref"]).card_ts == card["ts"]
    assert [m.ts for m in slack.messages(APPROVALS)] == [card["ts"]]
    assert "card_adopted" in actions(repo_of, card["ref"])

    # The adopted card is the live one: approving on it finishes the request there.
    player = SlackRequests(second.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=slack.response_url("test", channel=SALES))
    assert player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]).status_code == 200
    finished_with_one_order(repo_of, store, slack, card)
    assert [m.ts for m in slack.messages(APPROVALS)] == [card["ts"]]
