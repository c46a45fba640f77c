"""The daily summary, built from the database (kept fresh by webhooks and polling).

Days follow the configured time zone, daylight-saving changes included: a day is the span from
its local midnight to the next, which is 23 or 25 hours on the days clocks change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, func, insert, select, update

from commands.claims import insert_if_absent
from commands.models import (
    AWAITING_FULFILLMENT,
    COMPLETED,
    PARTIALLY_SHIPPED,
    RELEASES_PAYMENT,
    SHIPPED,
    RequestState,
)
from commands.repository import Repository
from commands.schema import audit_log, outbox, report_failures, requests, summary_runs

STUCK_ATTEMPTS = 5
# Approved, whatever became of the order since.
APPROVED_STATES = (RequestState.APPROVED, RequestState.ORDERED, RequestState.FAILED)


@dataclass(frozen=True)
class Pending:
    ref: str
    requester_id: str
    age: timedelta


@dataclass(frozen=True)
class Problem:
    ref: str
    what: str


@dataclass
class Summary:
    day: date
    timezone: str
    orders: int = 0
    totals: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (method, currency)
    approved: int = 0
    rejected: int = 0
    expired: int = 0
    cancelled: int = 0
    pending: list[Pending] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)
    mismatches: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of `day` in `tz`, as aware datetimes."""
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant from which the clocks show `day`.

    Where clocks change at midnight, midnight can happen twice (the evening before repeats
    and still belongs to that day) or not at all (the day begins at 01:00): the later of the
    two readings of 00:00 is right in both cases, and either when there is no change."""
    readings = (datetime.combine(day, time(0), tzinfo=tz).replace(fold=fold) for fold in (0, 1))
    return max(readings, key=lambda moment: moment.astimezone(UTC)).astimezone(UTC) \
        .astimezone(tz)


def daily_summary(repo: Repository, day: date, tz: ZoneInfo, *, now: datetime | None = None
                  ) -> Summary:
    now = now or repo.clock()
    start, end = day_bounds(day, tz)
    summary = Summary(day=day, timezone=str(tz))
    with repo.engine.connect() as conn:
        summary.orders, summary.totals = recorded_totals(conn, start, end)

        decided = (select(requests.c.state, func.count())
                   .where(requests.c.decided_at >= start, requests.c.decided_at < end)
                   .group_by(requests.c.state))
        decisions = Counter({state: int(n) for state, n in conn.execute(decided)})
        summary.rejected = decisions[RequestState.REJECTED.value]
        summary.expired = decisions[RequestState.EXPIRED.value]
        summary.cancelled = decisions[RequestState.CANCELLED.value]
        summary.approved = sum(decisions[state.value] for state in APPROVED_STATES)

        waiting = (select(requests.c.ref, requests.c.requester_id, requests.c.created_at)
                   .where(requests.c.state == RequestState.PENDING)
                   .order_by(requests.c.created_at))
        summary.pending = [Pending(ref, who, now - created)
                           for ref, who, created in conn.execute(waiting)]

        statuses = (select(requests.c.order_status_id, func.count())
                    .where(requests.c.state == RequestState.ORDERED)
                    .group_by(requests.c.order_status_id))
        summary.by_status = _status_groups(dict(conn.execute(statuses).all()))

        off = (select(requests.c.ref, requests.c.amount_paid, requests.c.catalog_total)
               .where(requests.c.created_at >= start, requests.c.created_at < end,
                      requests.c.state.not_in(RELEASES_PAYMENT),
                      requests.c.amount_paid != requests.c.catalog_total)
               .order_by(requests.c.created_at))
        summary.mismatches = [(ref, Decimal(paid), Decimal(total))
                              for ref, paid, total in conn.execute(off)]

        failed = select(requests.c.ref, requests.c.problem).where(
            requests.c.state == RequestState.FAILED).order_by(requests.c.updated_at)
        summary.problems = [Problem(ref, problem or "BigCommerce refused the order")
                            for ref, problem in conn.execute(failed)]
        # An order whose latest answer could not be read stays ordered but needs a look.
        troubled = select(requests.c.ref, requests.c.problem).where(
            requests.c.state == RequestState.ORDERED, requests.c.problem.is_not(None)
        ).order_by(requests.c.updated_at)
        summary.problems += [Problem(ref, problem) for ref, problem in conn.execute(troubled)]
        # Orders recorded on the day whose BigCommerce total is not the card's (the order
        # handler audits each one as it records it).
        differ = (select(requests.c.ref, requests.c.order_total, requests.c.catalog_total,
                         requests.c.currency)
                  .join(audit_log, and_(audit_log.c.ref == requests.c.ref,
                                        audit_log.c.action == "order_total_differs"))
                  .where(audit_log.c.at >= start, audit_log.c.at < end)
                  .order_by(audit_log.c.at))
        summary.problems += [
            Problem(ref, f"BigCommerce's order total is {Decimal(held):.2f} {currency}, the "
                         f"card's {Decimal(card):.2f} {currency}")
            for ref, held, card, currency in conn.execute(differ)]
        stuck = (select(outbox.c.ref, outbox.c.kind, outbox.c.last_error)
                 .where(outbox.c.done_at.is_(None), outbox.c.attempts >= STUCK_ATTEMPTS)
                 .order_by(outbox.c.id))
        summary.problems += [Problem(ref, f"{kind.replace('_', ' ')} keeps failing: {error}")
                             for ref, kind, error in conn.execute(stuck)]
        undelivered = (select(report_failures.c.report, report_failures.c.day,
                              report_failures.c.error)
                       .where(report_failures.c.at >= start, report_failures.c.at < end)
                       .order_by(report_failures.c.id))
        summary.problems += [Problem(f"Summary {report}", f"the {report} for {failed_day:%a %d %b} "
                                     f"could not be posted ({error})")
                             for report, failed_day, error in conn.execute(undelivered)]
    return summary


def recorded_totals(conn: Connection, start: datetime, end: datetime
                    ) -> tuple[int, dict[tuple[str, str], Decimal]]:
    """Orders recorded in [start, end) and their total by (payment method, currency).

    The summary and the Home tab's *Today* both count this way, so they always agree."""
    recorded = (select(requests.c.payment_method, requests.c.order_currency,
                       func.count(), func.sum(requests.c.order_total))
                .join(audit_log, and_(audit_log.c.ref == requests.c.ref,
                                      audit_log.c.action.in_(("order_created",
                                                              "order_adopted"))))
                .where(audit_log.c.at >= start, audit_log.c.at < end)
                .group_by(requests.c.payment_method, requests.c.order_currency))
    orders = 0
    totals: dict[tuple[str, str], Decimal] = {}
    for method, currency, count, total in conn.execute(recorded):
        orders += int(count)
        totals[(method, currency or "")] = Decimal(total or 0).quantize(Decimal("0.01"))
    return orders, totals


def record_report_failure(repo: Repository, report: str, day: date, error: str) -> None:
    """Remember a report that could not be delivered; the summary of the day it failed on (the
    next day's, for a scheduled summary) lists it under "needs a person"."""
    with repo.transaction() as conn:
        conn.execute(insert(report_failures).values(at=repo.clock(), report=report, day=day,
                                                    error=error[:500]))


def _status_groups(counts: dict[int | None, int]) -> dict[str, int]:
    groups = defaultdict(int)
    for status_id, count in counts.items():
        if status_id == AWAITING_FULFILLMENT:
            groups["Awaiting fulfillment"] += count
        elif status_id == PARTIALLY_SHIPPED:
            groups["Partially shipped"] += count
        elif status_id in (SHIPPED, COMPLETED):
            groups["Shipped / completed"] += count
        else:
            groups["Other"] += count
    order = ("Awaiting fulfillment", "Partially shipped", "Shipped / completed", "Other")
    return {name: groups[name] for name in order if name in groups}


# -- exactly once per day, across replicas -----------------------------------------------------

SUMMARY_LEASE = timedelta(minutes=10)


def claim_day(repo: Repository, day: date, claimer: str, *,
              lease: timedelta = SUMMARY_LEASE) -> bool:
    """True for the one caller that should post `day`'s summary.

    The first to insert the day's row wins. A winner that died before posting is replaced once
    its claim is older than `lease`.
    """
    now = repo.clock()
    with repo.transaction() as conn:
        if insert_if_absent(conn, summary_runs, {"day": day, "claimed_by": claimer,
                                                 "claimed_at": now}, ["day"]):
            return True
        taken_over = conn.execute(
            update(summary_runs)
            .where(summary_runs.c.day == day, summary_runs.c.posted_at.is_(None),
                   summary_runs.c.claimed_at < now - lease)
            .values(claimed_by=claimer, claimed_at=now)
            .returning(summary_runs.c.day)
        ).first()
        return taken_over is not None


def mark_summary_posted(repo: Repository, day: date, slack_ts: str) -> None:
    with repo.transaction() as conn:
        conn.execute(update(summary_runs).where(summary_runs.c.day == day)
                     .values(posted_at=repo.clock(), slack_ts=slack_ts))

