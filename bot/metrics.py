"""Prometheus metrics for one running bot, served at GET /metrics in both modes.

Each bot has its own CollectorRegistry rather than prometheus_client's global one, so several
bots in one process (tests, replicas in a benchmark) never share or double-register counters.
Outbox figures are read from the database at scrape time, so every replica reports the same,
current backlog instead of a number it happened to see.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from commands.bigcommerce import CallOutcome
from commands.handlers import Decided, Edited, Invalid, Refused, Submitted
from commands.models import RequestState
from commands.repository import Repository
from commands.schema import outbox

log = logging.getLogger(__name__)

# `*_created` series double every counter's output and no alert or dashboard here reads them.
disable_created_metrics()

# Counting the backlog stops here, so a scrape stays cheap however far the worker falls behind.
OUTBOX_COUNT_LIMIT = 10_000
# Slack wants the ack within 3 s; the buckets are finest below that.
ACK_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
_ID_SEGMENT = re.compile(r"/\d+(?=/|$)")

# The classic text format every Prometheus version reads; our names need no escaping.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

RequestResult = Submitted | Invalid | Decided | Refused


def endpoint_template(path: str) -> str:
    """`/v2/orders/118/shipments` → `/v2/orders/{id}/shipments`: one series per endpoint."""
    return _ID_SEGMENT.sub("/{id}", path)


class Metrics:
    def __init__(self, repo: Repository | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "paidorder_requests", "Paid-order requests and decisions, by outcome.",
            ["outcome"], registry=self.registry)
        self.orders = Counter(
            "paidorder_orders", "BigCommerce orders recorded for approved requests: created by "
            "the bot, or adopted (found already made by an earlier attempt).",
            ["how"], registry=self.registry)
        self.bigcommerce_calls = Counter(
            "paidorder_bigcommerce_calls", "BigCommerce API exchanges (every attempt), by method, "
            "endpoint template and HTTP status (or the network error).",
            ["method", "endpoint", "status"], registry=self.registry)
        self.slack_calls = Counter(
            "paidorder_slack_calls", "Slack Web API calls (after the client's own retries), by "
            "method and status: ok or Slack's error code.",
            ["method", "status"], registry=self.registry)
        self.ack_seconds = Histogram(
            "paidorder_ack_seconds", "Time from receiving a Slack request to acknowledging it.",
            ["mode"], buckets=ACK_BUCKETS, registry=self.registry)
        self.summary_runs = Counter(
            "paidorder_summary_runs", "Scheduled daily-summary runs, by result.",
            ["result"], registry=self.registry)
        self.reminders = Counter(
            "paidorder_reminders", "Reminders posted in waiting cards' threads.",
            registry=self.registry)
        self.expired = Counter(
            "paidorder_requests_expired", "Requests that expired without a decision.",
            registry=self.registry)
        if repo is not None:
            self.registry.register(OutboxCollector(repo))

    def request(self, result: RequestResult) -> None:
        self.requests.labels(outcome=_outcome(result)).inc()

    def refused(self) -> None:
        self.requests.labels(outcome="refused").inc()

    def order(self, how: str | None) -> None:
        if how is not None:
            self.orders.labels(how=how).inc()

    def bigcommerce_call(self, call: CallOutcome) -> None:
        self.bigcommerce_calls.labels(method=call.method, endpoint=endpoint_template(call.path),
                                      status=call.outcome).inc()

    def slack_call(self, method: str, status: str) -> None:
        self.slack_calls.labels(method=method, status=status[:40]).inc()

    def summary_run(self, result: str) -> None:
        self.summary_runs.labels(result=result).inc()

    def reminder_sent(self) -> None:
        self.reminders.inc()

    def request_expired(self) -> None:
        self.expired.inc()

    def exposition(self) -> tuple[str, bytes]:
        return CONTENT_TYPE, generate_latest(self.registry)


def _outcome(result: RequestResult) -> str:
    if isinstance(result, Edited):
        return "edited"
    if isinstance(result, Submitted):
        return "submitted"
    if isinstance(result, Invalid):
        return "invalid"
    if isinstance(result, Refused):
        return "refused"
    if result.stored.state == RequestState.PENDING:  # the first of two approvals
        return "first_approval"
    return result.stored.state.value


class OutboxCollector(Collector):
    """Outbox depth and the age of the oldest unfinished job, asked of the database per scrape."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    def describe(self) -> list[Metric]:
        return []  # read at scrape time; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        try:
            depth, oldest = self._read()
        except Exception:
            # A scrape must not fail because the database is down; /healthz reports that.
            log.warning("could not read the outbox for /metrics", exc_info=True)
            return
        yield GaugeMetricFamily(
            "paidorder_outbox_depth",
            f"Unfinished outbox jobs (counted up to {OUTBOX_COUNT_LIMIT:,}).", value=depth)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "paidorder_outbox_oldest_age_seconds",
            "Age of the oldest unfinished outbox job; 0 when there is none.", value=max(age, 0))

    def _read(self) -> tuple[int, datetime | None]:
        pending = (select(outbox.c.created_at).where(outbox.c.done_at.is_(None))
                   .limit(OUTBOX_COUNT_LIMIT).subquery())
        with self.repo.engine.connect() as conn:
            depth, oldest = conn.execute(
                select(func.count(), func.min(pending.c.created_at))).one()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return int(depth), oldest
