"""Durations as people write them in settings (`30m`, `4h`, `7d`, `off`) and read them in Slack.

The settings take a whole number and one unit: a shorthand that can't be misread, unlike ISO 8601
(`PT4H`) or a bare number of unknown unit.
"""

from __future__ import annotations

import re
from datetime import timedelta

OFF = "off"
LONGEST = timedelta(days=365)
_WRITTEN = re.compile(r"([0-9]{1,9}) ?([smhd])")
_UNITS = {"s": timedelta(seconds=1), "m": timedelta(minutes=1), "h": timedelta(hours=1),
          "d": timedelta(days=1)}
_SPOKEN = ((timedelta(days=1), "d"), (timedelta(hours=1), "h"), (timedelta(minutes=1), "min"),
           (timedelta(seconds=1), "s"))


class BadDuration(ValueError):
    """Not a duration; the message completes "PAIDORDER_… …" as one sentence."""


def parse_duration(written: str) -> timedelta | None:
    """`4h` → 4 hours; `off` → None. Anything else raises BadDuration."""
    text = written.strip().lower()
    if text == OFF:
        return None
    match = _WRITTEN.fullmatch(text)
    if match is None:
        raise BadDuration("must be a number and s, m, h or d (such as 30m, 4h or 7d), or off")
    amount = int(match.group(1)) * _UNITS[match.group(2)]
    if not amount:
        raise BadDuration("must be longer than 0 (or off)")
    if amount > LONGEST:
        raise BadDuration("must be at most 365 days (or off)")
    return amount


def spoken_duration(amount: timedelta) -> str:
    """How a message says a duration: its two largest units, e.g. `7 d`, `1 d 12 h`, `30 min`."""
    left = max(amount, timedelta(0))
    parts: list[str] = []
    for unit, name in _SPOKEN:
        count, left = divmod(left, unit)
        if count and len(parts) < 2:
            parts.append(f"{count} {name}")
        elif parts:
            break  # `1 d 0 h 5 min` reads as `1 d`, never as `1 d 5 min`
    return " ".join(parts) or "0 s"
