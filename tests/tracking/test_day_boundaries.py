"""Days follow the configured time zone: 23 and 25 hours on the days clocks change, and an order
recorded late in the evening belongs to that evening's day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.scheduler import Scheduler, summary_day
from commands.repository import Repository
from commands.summary import daily_summary, day_bounds
from tests.tracking.story import FakeClock, record

NEW_YORK = ZoneInfo("America/New_York")
SANTIAGO = ZoneInfo("America/Santiago")  # its clocks change at midnight


def hours(day: date, tz: ZoneInfo = NEW_YORK) -> float:
    start, end = day_bounds(day, tz)
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600


def test_day_bounds_are_local_midnights() -> None:
    assert hours(date(2026, 3, 8)) == 23
    assert hours(date(2026, 11, 1)) == 25
    assert hours(date(2026, 3, 9)) == 24
    start, end = day_bounds(date(2026, 3, 8), NEW_YORK)
    assert start.astimezone(UTC) == datetime(2026, 3, 8, 5, tzinfo=UTC)  # EST midnight
    assert end.astimezone(UTC) == datetime(2026, 3, 9, 4, tzinfo=UTC)  # EDT midnight


def test_a_day_whose_midnight_repeats_or_is_skipped() -> None:
    # 5 April 2026, 00:00 → 23:00: the Saturday's last hour repeats and stays the Saturday.
    assert hours(date(2026, 4, 4), SANTIAGO) == 25
    assert hours(date(2026, 4, 5), SANTIAGO) == 24
    start, _ = day_bounds(date(2026, 4, 5), SANTIAGO)
    assert start.astimezone(UTC) == datetime(2026, 4, 5, 4, tzinfo=UTC)
    # 6 September 2026, 00:00 → 01:00: the Sunday begins at 01:00.
    assert hours(date(2026, 9, 5), SANTIAGO) == 24
    assert hours(date(2026, 9, 6), SANTIAGO) == 23
    start, _ = day_bounds(date(2026, 9, 6), SANTIAGO)
    assert start.astimezone(UTC) == datetime(2026, 9, 6, 4, tzinfo=UTC)
    assert (start.hour, start.date()) == (1, date(2026, 9, 6))


@pytest.mark.parametrize(("day", "inside", "outside"), [
    (date(2026, 3, 8),
     [datetime(2026, 3, 8, 0, 30, tzinfo=NEW_YORK), datetime(2026, 3, 8, 23, 30, tzinfo=NEW_YORK)],
     [datetime(2026, 3, 7, 23, 30, tzinfo=NEW_YORK), datetime(2026, 3, 9, 0, 15, tzinfo=NEW_YORK)]),
    (date(2026, 11, 1),
     [datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK),
      datetime(2026, 11, 1, 23, 30, tzinfo=NEW_YORK)],
     [datetime(2026, 10, 31, 23, 30, tzinfo=NEW_YORK),
      datetime(2026, 11, 2, 0, 10, tzinfo=NEW_YORK)]),
])
def test_only_orders_recorded_within_the_local_day_are_in_its_summary(
    repo: Repository, day: date, inside: list[datetime], outside: list[datetime]
) -> None:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    fake = Repository(repo.engine, clock=clock)
    for n, moment in enumerate(outside + inside):
        record(fake, clock, moment, f"T-{n}", order_id=200 + n, total="10.00")

    summary = daily_summary(fake, day, NEW_YORK, now=datetime(2026, 12, 1, tzinfo=UTC))

    assert summary.orders == len(inside)
    assert summary.totals == {("Bank transfer", "USD"): 10 * len(inside)}
    assert summary.approved == len(inside)


def _scheduler(now: datetime) -> Scheduler:
    services: Any = SimpleNamespace(settings=SimpleNamespace(
        timezone=NEW_YORK, paidorder_summary_cron="0 9 * * *"))
    return Scheduler(services, claimer="test", now=lambda: now)


def test_the_scheduled_summary_reports_the_local_day_before() -> None:
    after = _scheduler(datetime(2026, 3, 9, 10, tzinfo=NEW_YORK)).last_fire_time()
    assert after == datetime(2026, 3, 9, 9, tzinfo=NEW_YORK)
    assert after.astimezone(UTC).hour == 13  # 09:00 EDT
    assert summary_day(after) == date(2026, 3, 8)
    before = _scheduler(datetime(2026, 11, 2, 8, 59, tzinfo=NEW_YORK)).last_fire_time()
    assert before == datetime(2026, 11, 1, 9, tzinfo=NEW_YORK)
    assert summary_day(before) == date(2026, 10, 31)
    # Fired just after midnight UTC but still the evening before in New York.
    late = datetime(2026, 3, 9, 9, tzinfo=NEW_YORK) + timedelta(hours=14)
    assert summary_day(late.astimezone(NEW_YORK)) == date(2026, 3, 8)
