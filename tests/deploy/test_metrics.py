"""GET /metrics over real HTTP: the counters a submit → approve → order story moves, by how much.

Every number is read by scraping the running bot, the way Prometheus would, before and after.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.errors import SlackApiError
from sqlalchemy import insert

from bot import ids
from bot.runtime import Bot
from commands.bigcommerce import AuthenticationFailed
from commands.schema import outbox
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import (
    APPROVALS,
    APPROVER,
    GOOD_FORM,
    OUTSIDER,
    REQUESTER,
    open_form,
    submit_request,
)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(bot: Bot) -> Samples:
    answer = requests.get(f"{bot.url}/metrics", timeout=5)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def settle(bot: Bot, timeout: float = 10.0) -> Samples:
    """Scrape until the outbox is empty: every follow-up of the story has run."""
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(bot)
        if sample(samples, "paidorder_outbox_depth") == 0:
            return samples
        assert time.monotonic() < deadline, "the outbox never emptied"
        time.sleep(0.05)


SLACK_METHODS = ["auth.test", "views.open", "chat.postMessage", "chat.update",
                 "chat.postEphemeral"]


def bigcommerce_total(samples: Samples) -> float:
    return sum(v for (name, _), v in samples.items() if name == "paidorder_bigcommerce_calls_total")


def in_step(bot: Bot, store: SandboxServer, slack: SlackStandIn, timeout: float = 10.0
            ) -> Samples:
    """Scrape until the outbox is empty and the counters agree with what the store and the
    stand-in saw (a call is logged there before its answer is counted here), and return it."""
    deadline = time.monotonic() + timeout
    while True:
        samples = settle(bot)
        seen = {m: len(slack.calls_to(m)) for m in SLACK_METHODS}
        counted = {m: sample(samples, "paidorder_slack_calls_total", method=m, status="ok")
                   for m in SLACK_METHODS}
        if bigcommerce_total(samples) == len(store.requests) and counted == seen:
            return samples
        assert time.monotonic() < deadline, (
            f"BigCommerce: {bigcommerce_total(samples)} counted, {len(store.requests)} sent; "
            f"Slack: counted {counted}, seen {seen}")
        time.sleep(0.05)


def wait_for_order(store: SandboxServer, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while not store.state.orders:
        assert time.monotonic() < deadline, "no order was created"
        time.sleep(0.05)
    return next(iter(store.state.orders))


def test_a_submit_approve_order_story_moves_each_counter_by_its_amount(
        bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer) -> None:
    before = in_step(bot, store, slack)

    view = open_form(player, slack)                                  # 1 Slack request
    bad = player.submit(REQUESTER, view, {**GOOD_FORM, "items": "HAT-XL x 1"})      # 2
    assert bad.json()["response_action"] == "errors"
    card = submit_request(player, slack)                             # 3, 4
    player.click(OUTSIDER, APPROVALS, card, ids.APPROVE, card["ref"])                # 5
    slack.wait_for("chat.postEphemeral", where=lambda c: c.args.get("user") == OUTSIDER)
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])                # 6
    order_id = wait_for_order(store)
    bot.services.bigcommerce.get_order(order_id)
    after = in_step(bot, store, slack)  # every BigCommerce and Slack call counted, once

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    for outcome, times in {"submitted": 1, "invalid": 1, "refused": 1, "approved": 1,
                           "rejected": 0}.items():
        assert moved("paidorder_requests_total", outcome=outcome) == times, outcome
    assert moved("paidorder_orders_total", how="created") == 1
    assert moved("paidorder_orders_total", how="adopted") == 0
    assert moved("paidorder_ack_seconds_count", mode="http") == 6

    # BigCommerce: one series per method, endpoint template and status, matching the store's log.
    create_status = next(r.status for r in store.requests if r.method == "POST"
                         and r.path.endswith("/v2/orders"))
    assert moved("paidorder_bigcommerce_calls_total", method="POST", endpoint="/v2/orders",
                 status=str(create_status)) == 1
    assert moved("paidorder_bigcommerce_calls_total", method="GET", endpoint="/v2/orders/{id}",
                 status="200") >= 1
    endpoints = {dict(labels)["endpoint"] for name, labels in after
                 if name == "paidorder_bigcommerce_calls_total"}
    assert not [e for e in endpoints if re.search(r"/\d+(/|$)", e)], endpoints

    # Slack: listeners' calls are counted too (Bolt's per-request client is the bot's own).
    assert moved("paidorder_slack_calls_total", method="views.open", status="ok") == 2


def test_a_slack_error_is_counted_by_its_code(bot: Bot, slack: SlackStandIn) -> None:
    before = scrape(bot)
    with pytest.raises(SlackApiError):
        bot.services.slack.chat_postMessage(channel="C0NOWHERE", text="hello")
    after = scrape(bot)

    labels = {"method": "chat.postMessage", "status": "channel_not_found"}
    assert sample(after, "paidorder_slack_calls_total", **labels) - \
        sample(before, "paidorder_slack_calls_total", **labels) == 1


def test_outbox_depth_and_oldest_age_are_read_from_the_database(bot: Bot) -> None:
    bot.worker.stop()  # nothing may take the job while we look at it
    created = datetime.now(UTC) - timedelta(minutes=15)
    with bot.services.repo.transaction() as conn:
        conn.execute(insert(outbox).values(ref="PO-WAITING", kind="post_card",
                                           created_at=created, run_after=created, attempts=0))

    samples = scrape(bot)

    assert sample(samples, "paidorder_outbox_depth") == 1
    assert sample(samples, "paidorder_outbox_oldest_age_seconds") >= 15 * 60


def test_summary_runs_are_counted_posted_then_skipped(bot: Bot) -> None:
    before = scrape(bot)
    assert bot.scheduler.daily_summary() is True
    assert bot.scheduler.daily_summary() is False  # the day is claimed: posted once only
    after = scrape(bot)

    for result in ("posted", "skipped"):
        assert sample(after, "paidorder_summary_runs_total", result=result) - \
            sample(before, "paidorder_summary_runs_total", result=result) == 1


def test_each_bot_has_its_own_registry(start_bot: Callable[..., Bot]) -> None:
    first, second = start_bot(), start_bot()
    first.services.metrics.requests.labels(outcome="submitted").inc()

    assert sample(scrape(first), "paidorder_requests_total", outcome="submitted") == 1
    assert sample(scrape(second), "paidorder_requests_total", outcome="submitted") == 0


def test_a_refused_token_shows_as_401_for_the_alert_rule(bot: Bot, store: SandboxServer) -> None:
    before = scrape(bot)
    store.access_token = "rotated-by-the-admin"

    with pytest.raises(AuthenticationFailed):
        bot.services.bigcommerce.store()

    labels = {"method": "GET", "endpoint": "/v2/store", "status": "401"}
    assert sample(scrape(bot), "paidorder_bigcommerce_calls_total", **labels) - \
        sample(before, "paidorder_bigcommerce_calls_total", **labels) == 1


def test_an_order_found_after_a_lost_answer_counts_as_adopted(
        bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer) -> None:
    store.inject("POST", r"/stores/[^/]+/v2/orders", "500_after")  # made, but the answer lost
    before = settle(bot)
    card = submit_request(player, slack)

    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    wait_for_order(store)
    deadline = time.monotonic() + 15
    while not sample(after := scrape(bot), "paidorder_orders_total", how="adopted"):
        assert time.monotonic() < deadline, "the order was never adopted"
        time.sleep(0.05)

    assert sample(after, "paidorder_orders_total", how="created") == \
        sample(before, "paidorder_orders_total", how="created")
    assert sample(after, "paidorder_bigcommerce_calls_total", method="POST",
                  endpoint="/v2/orders", status="500") == 1


def test_a_summary_slack_refuses_counts_as_failed(start_bot: Callable[..., Bot]) -> None:
    bot = start_bot(paidorder_summary_channel="C0NOWHERE")

    assert bot.scheduler.daily_summary() is False

    samples = scrape(bot)
    assert sample(samples, "paidorder_summary_runs_total", result="failed") == 1
    assert sample(samples, "paidorder_slack_calls_total", method="chat.postMessage",
                  status="channel_not_found") == 1
