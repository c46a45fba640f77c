"""When the daily summary fires: the cron read on the local wall clock, at most once a local day.

APScheduler's own CronTrigger, given a zone, fires twice when clocks fall back (once at each
occurrence of a repeated time) and can skip a day when a cron time falls in the hour that clocks
skip. Here the cron is matched against wall-clock times, where every day has each time exactly
once, and each match becomes one real instant: a repeated time fires at its first occurrence, a
skipped time as late as the clocks jumped (02:30 becomes 03:30). Instants are compared in UTC,
because comparing two times of one zone ignores which occurrence of a repeated time each is.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

# How far back a restarted bot looks for a summary it missed.
CATCH_UP_DAYS = 8
# crontab(5) numbers weekdays from Sunday = 0 (and 7); APScheduler 3 from Monday = 0.
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NUMBERED = re.compile(r"(\*|\d+(?:-\d+)?)(?:/(\d+))?")


class NeverFires(ValueError):
    """The cron matches no date at all (like 31 February)."""


class SummarySchedule(BaseTrigger):
    def __init__(self, cron: str, tz: ZoneInfo) -> None:
        self.cron = cron
        self.tz = tz
        # Wall-clock times are matched as if they were UTC, the one zone without transitions.
        self._wall = crontab(cron)
        if self._wall.get_next_fire_time(None, datetime(2000, 1, 1, tzinfo=UTC)) is None:
            raise NeverFires("matches no date in any year, so the summary would never be posted")

    def __str__(self) -> str:
        return f"summary schedule {self.cron!r} in {self.tz}"

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime
                           ) -> datetime | None:
        """APScheduler's question: the next instant after `previous_fire_time` (or from `now`)."""
        if previous_fire_time is None:
            after = now.astimezone(UTC) - timedelta(microseconds=1)
            day = now.astimezone(self.tz).date()
        else:
            after = previous_fire_time.astimezone(UTC)
            day = previous_fire_time.astimezone(self.tz).date() + timedelta(days=1)
        # Two rounds suffice: a match earlier on the start day than `after` moves the search to
        # the next day, whose first match is later than any instant of the day before.
        for _ in range(2):
            fire = self._first_from(day)
            if fire is None or fire.astimezone(UTC) > after:
                return fire
            day = fire.date() + timedelta(days=1)
        return None

    def last_fire_at_or_before(self, now: datetime) -> datetime | None:
        """The latest scheduled instant at or before `now`, looking back CATCH_UP_DAYS days."""
        today = now.astimezone(self.tz).date()
        for back in range(CATCH_UP_DAYS + 1):
            fire = self.fire_on(today - timedelta(days=back))
            if fire is not None and fire.astimezone(UTC) <= now.astimezone(UTC):
                return fire
        return None

    def fire_on(self, day: date) -> datetime | None:
        """The one instant the schedule fires on local date `day`, if it fires that day."""
        fire = self._first_from(day)
        return fire if fire is not None and fire.date() == day else None

    def _first_from(self, day: date) -> datetime | None:
        """The first match on or after local date `day`, as an aware time in the zone."""
        wall = self._wall.get_next_fire_time(None, datetime.combine(day, time(0), tzinfo=UTC))
        if wall is None:
            return None
        # fold=0 is the first occurrence of a repeated time, and for a skipped time the
        # offset before the jump, which lands that far after it; the round trip through UTC
        # turns that into the time the clocks really show.
        return wall.replace(tzinfo=self.tz, fold=0).astimezone(UTC).astimezone(self.tz)


def crontab(cron: str) -> BaseTrigger:
    """`cron` as crontab(5) reads it, in UTC.

    APScheduler's `from_crontab` differs twice: it numbers weekdays from Monday, and it fires
    only on days matching both day fields, where cron fires on days matching either."""
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"Wrong number of fields; got {len(fields)}, expected 5")
    minute, hour, day, month, weekday = fields

    def on(day: str, weekday: str) -> CronTrigger:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                           day_of_week=weekday, timezone=UTC)

    # As in cron, a field starting with * (even */2) leaves the days to the other field.
    if day.startswith("*") or weekday.startswith("*"):
        return on(day, _weekday_names(weekday))
    return OrTrigger([on(day, "*"), on("*", _weekday_names(weekday))])


def _weekday_names(field: str) -> str:
    """Numbered weekdays as names, which both schemes read alike (`1-5` becomes mon-fri)."""
    if field == "*":
        return field
    names: list[str] = []
    for item in field.split(","):
        numbered = _NUMBERED.fullmatch(item)
        if numbered is None:
            names.append(item)  # already names, such as mon-fri
            continue
        span, step = numbered.group(1), int(numbered.group(2) or 1)
        first, _, last = ("0-6" if span == "*" else span).partition("-")
        bounds = (int(first), int(last or (6 if numbered.group(2) else first)))
        if max(bounds) > 7 or bounds[0] > bounds[1] or step == 0:
            raise ValueError(f"the day of week {item!r} is not within 0-7 (0 and 7 are Sunday)")
        names += [_WEEKDAYS[n] for n in range(bounds[0], bounds[1] + 1, step)]
    return ",".join(dict.fromkeys(names))
