"""The summary schedule across daylight-saving changes, north and south: a time in the repeated
hour fires once, a time in the skipped hour fires right after the jump, every local day fires
exactly once, and looking back for a missed summary always ends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.events import EVENT_JOB_SUBMITTED
from apscheduler.schedulers.background import BackgroundScheduler

from bot.scheduler import Scheduler, summary_day
from bot.summary_schedule import SummarySchedule

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
SANTIAGO = ZoneInfo("America/Santiago")  # its clocks change at midnight

# (zone, the local day clocks change, cron inside the changed hour, the local time it fires at)
FALL_BACK = [
    (NEW_YORK, date(2026, 11, 1), "30 1 * * *"),
    (BERLIN, date(2026, 10, 25), "30 2 * * *"),
    (SYDNEY, date(2026, 4, 5), "30 2 * * *"),
    (SANTIAGO, date(2026, 4, 4), "30 23 * * *"),  # 00:00 → 23:00: 23:xx repeats
]
SPRING_FORWARD = [
    (NEW_YORK, date(2026, 3, 8), "30 2 * * *", (3, 30)),
    (BERLIN, date(2026, 3, 29), "30 2 * * *", (3, 30)),
    (SYDNEY, date(2026, 10, 4), "30 2 * * *", (3, 30)),
    (SANTIAGO, date(2026, 9, 6), "0 0 * * *", (1, 0)),  # 00:00 → 01:00: midnight is skipped
]
OUTSIDE = ["0 9 * * *", "45 17 * * *", "15 4 * * *"]
CHANGES = [(tz, day) for tz, day, _ in FALL_BACK] + [(tz, day) for tz, day, *_ in SPRING_FORWARD]


def fires(schedule: SummarySchedule, start: datetime, days: int) -> list[datetime]:
    """Every instant the schedule fires from `start` on, as APScheduler asks for them."""
    found: list[datetime] = []
    fire = schedule.get_next_fire_time(None, start)
    while fire is not None and fire < start + timedelta(days=days):
        found.append(fire)
        fire = schedule.get_next_fire_time(fire, fire)
        assert fire is None or fire.astimezone(UTC) > found[-1].astimezone(UTC)
    return found


def around(tz: ZoneInfo, day: date) -> datetime:
    return datetime.combine(day - timedelta(days=2), datetime.min.time(), tzinfo=tz)


def local_dates(found: list[datetime], tz: ZoneInfo) -> list[date]:
    return [f.astimezone(tz).date() for f in found]


@pytest.mark.parametrize(("tz", "day", "cron"), FALL_BACK)
def test_a_time_in_the_repeated_hour_fires_once_at_its_first_occurrence(
    tz: ZoneInfo, day: date, cron: str
) -> None:
    found = fires(SummarySchedule(cron, tz), around(tz, day), days=5)
    assert local_dates(found, tz) == [day + timedelta(days=n) for n in range(-2, 3)]
    [that_day] = [f for f in found if f.date() == day]
    assert that_day.fold == 0
    first, second = (that_day.replace(fold=f).astimezone(UTC) for f in (0, 1))
    assert first < second and that_day.astimezone(UTC) == first


@pytest.mark.parametrize(("tz", "day", "cron", "at"), SPRING_FORWARD)
def test_a_time_in_the_skipped_hour_fires_right_after_the_jump(
    tz: ZoneInfo, day: date, cron: str, at: tuple[int, int]
) -> None:
    found = fires(SummarySchedule(cron, tz), around(tz, day), days=5)
    assert local_dates(found, tz) == [day + timedelta(days=n) for n in range(-2, 3)]
    [that_day] = [f.astimezone(tz) for f in found if f.astimezone(tz).date() == day]
    assert (that_day.hour, that_day.minute) == at


@pytest.mark.parametrize("cron", OUTSIDE)
@pytest.mark.parametrize(("tz", "day"), CHANGES)
def test_times_outside_the_changed_hour_fire_once_each_day(
    tz: ZoneInfo, day: date, cron: str
) -> None:
    found = fires(SummarySchedule(cron, tz), around(tz, day), days=5)
    assert local_dates(found, tz) == [day + timedelta(days=n) for n in range(-2, 3)]
    minute, hour = (int(part) for part in cron.split()[:2])
    assert {(f.hour, f.minute) for f in found} == {(hour, minute)}


def scheduler(tz: ZoneInfo, cron: str, now: datetime) -> Scheduler:
    services: Any = SimpleNamespace(settings=SimpleNamespace(
        timezone=tz, paidorder_summary_cron=cron, paidorder_poll_seconds=300))
    return Scheduler(services, claimer="test", now=lambda: now)


def minutes(start: datetime, hours: int) -> Iterator[datetime]:
    for n in range(hours * 60 + 1):
        yield (start.astimezone(UTC) + timedelta(minutes=n)).astimezone(start.tzinfo)


@pytest.mark.parametrize(("tz", "day", "cron"), FALL_BACK)
def test_looking_back_ends_and_names_one_day_through_the_repeated_hour(
    tz: ZoneInfo, day: date, cron: str
) -> None:
    """Starting the bot, or firing, at any minute around the change: one answer, one day."""
    hour = int(cron.split()[1])
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz).replace(hour=hour) \
        - timedelta(hours=1)
    days = set()
    for now in minutes(start, hours=4):
        fired = scheduler(tz, cron, now).last_fire_time()
        assert fired is not None and fired.astimezone(UTC) <= now.astimezone(UTC)
        days.add(summary_day(fired))
    assert days == {day - timedelta(days=2), day - timedelta(days=1)}


def test_the_bot_started_after_a_new_york_fall_back_finds_the_1_30_summary() -> None:
    """The reported case: a 01:30 cron, the bot starting at 07:00 UTC on 1 November."""
    fired = scheduler(NEW_YORK, "30 1 * * *", datetime(2026, 11, 1, 7, tzinfo=UTC)
                      ).last_fire_time()
    assert fired == datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)
    assert fired.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # the EDT one
    assert summary_day(fired) == date(2026, 10, 31)
    # Both occurrences of the repeated time name the same day.
    assert summary_day(fired.replace(fold=1)) == summary_day(fired)


@pytest.mark.parametrize(("tz", "day", "cron", "at"), SPRING_FORWARD)
def test_looking_back_through_the_skipped_hour(
    tz: ZoneInfo, day: date, cron: str, at: tuple[int, int]
) -> None:
    just_after = datetime.combine(day, datetime.min.time(), tzinfo=tz).replace(
        hour=at[0], minute=at[1])
    fired = scheduler(tz, cron, just_after).last_fire_time()
    assert fired is not None and fired.date() == day
    before = scheduler(tz, cron, just_after.astimezone(UTC) - timedelta(minutes=1)
                       ).last_fire_time()
    assert before is not None and before.date() == day - timedelta(days=1)


def test_a_cron_that_matches_no_recent_day_finds_nothing() -> None:
    assert scheduler(UTC, "0 9 29 2 *", datetime(2026, 12, 1, tzinfo=UTC)).last_fire_time() \
        is None


@pytest.mark.parametrize(("tz", "day", "cron"), FALL_BACK)
def test_apscheduler_runs_the_daily_job_once_through_the_fall_back(
    tz: ZoneInfo, day: date, cron: str
) -> None:
    """The real BackgroundScheduler, its clock moved minute by minute through the change."""
    hour = int(cron.split()[1])
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz).replace(hour=hour) \
        - timedelta(hours=2)
    ran: list[datetime] = []
    with time_machine.travel(start, tick=False) as traveller:
        background = BackgroundScheduler(timezone=tz)
        background.add_listener(lambda event: ran.extend(event.scheduled_run_times),
                                EVENT_JOB_SUBMITTED)
        background.add_job(lambda: None, SummarySchedule(cron, tz), id="daily_summary",
                           coalesce=True, max_instances=1, misfire_grace_time=3600)
        background.start()
        try:
            for now in minutes(start, hours=5):
                traveller.move_to(now)
                background._process_jobs()  # what its thread does when it wakes up
            background.shutdown(wait=True)
        finally:
            if background.running:
                background.shutdown(wait=False)
    assert len(ran) == 1
    assert ran[0].astimezone(tz).date() == day


@pytest.mark.parametrize(("cron", "weekdays"), [
    ("0 9 * * 1-5", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
    ("0 9 * * 0", {"Sun"}),
    ("0 9 * * 7", {"Sun"}),
    ("0 9 * * 5-7", {"Fri", "Sat", "Sun"}),
    ("0 9 * * */2", {"Sun", "Tue", "Thu", "Sat"}),
    ("0 9 * * mon-fri", {"Mon", "Tue", "Wed", "Thu", "Fri"}),
])
def test_weekdays_are_numbered_as_in_crontab(cron: str, weekdays: set[str]) -> None:
    found = fires(SummarySchedule(cron, BERLIN), datetime(2026, 6, 1, tzinfo=BERLIN), days=14)
    assert {f"{f:%a}" for f in found} == weekdays


def test_both_day_fields_fire_on_either_as_in_crontab() -> None:
    """`0 9 13 * 5`: every Friday, and every 13th."""
    found = fires(SummarySchedule("0 9 13 * 5", UTC), datetime(2026, 3, 1, tzinfo=UTC), days=31)
    assert [f.day for f in found] == [6, 13, 20, 27]  # Fridays; the 13th is one too
    found = fires(SummarySchedule("0 9 13 * 1", UTC), datetime(2026, 3, 1, tzinfo=UTC), days=31)
    assert [f.day for f in found] == [2, 9, 13, 16, 23, 30]
