"""Reading one object of a BigCommerce answer field by field, each failure naming the field.

Bounds follow what the database can hold (ids are INTEGER columns, money NUMERIC(14, 4)).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from commands.bigcommerce_errors import UnusableAnswer

MAX_ID = 2**31 - 1  # ids and counts live in INTEGER columns (32-bit on PostgreSQL)
MAX_MONEY = Decimal("9999999999")  # NUMERIC(14, 4) keeps ten digits before the point
_MISSING = object()


class Answer:
    """One object of one answer, read field by field; every failure names endpoint and field."""

    def __init__(self, raw: Any, method: str, path: str, what: str) -> None:
        self.method = method
        self.path = path
        self.what = what
        self.order_id: int | None = None
        if not isinstance(raw, Mapping):
            raise self.unusable("the answer", f"is not an object ({what})")
        self.raw = raw

    def unusable(self, field: str, problem: str) -> UnusableAnswer:
        where = f"{field} of {self.what}" if field != "the answer" else field
        return UnusableAnswer(where, problem, method=self.method, path=self.path,
                              order_id=self.order_id)

    def get(self, field: str) -> Any:
        return self.raw.get(field)

    def id(self, field: str = "id") -> int:
        value = self.integer(field)
        if value < 1:
            raise self.unusable(field, "is not a positive id")
        return value

    def integer(self, field: str, default: Any = _MISSING) -> int:
        value = self.raw.get(field)
        if value is None or value == "":
            if default is _MISSING:
                raise self.unusable(field, "is missing")
            return default
        number = _as_int(value)
        if number is None or not 0 <= number <= MAX_ID:
            raise self.unusable(field, "is not a whole number the bot can store")
        return number

    def money(self, field: str, default: Any = _MISSING) -> Decimal | None:
        value = self.raw.get(field)
        if value is None or value == "":
            if default is _MISSING:
                raise self.unusable(field, "is missing")
            return default
        amount = _as_decimal(value)
        if amount is None:
            raise self.unusable(field, "is not an amount of money")
        if not 0 <= amount <= MAX_MONEY:
            raise self.unusable(field, "is not a sane amount of money")
        return amount.quantize(Decimal("0.0001"))

    def text(self, field: str, *, limit: int = 255) -> str:
        value = self.raw.get(field)
        if value is None:
            return ""
        if isinstance(value, (dict, list)):
            raise self.unusable(field, "is not text")
        return str(value)[:limit]  # clipped to what the bot stores or shows

    def flag(self, field: str) -> bool:
        return self.raw.get(field) is True

    def moment(self, field: str) -> datetime | None:
        """An ISO 8601 time (V3 dates); None when absent, timezone-aware when given."""
        value = self.raw.get(field)
        if value in (None, ""):
            return None
        try:
            moment = datetime.fromisoformat(str(value)[:40].replace("Z", "+00:00"))
        except ValueError:
            raise self.unusable(field, "is not a date") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() \
            and len(value.strip()) <= 12:
        return int(value.strip())
    return None


def _as_decimal(value: Any) -> Decimal | None:
    # V2 sends money as numeric strings, V3 as JSON numbers; neither may be a bool or nested.
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    if isinstance(value, str) and len(value) > 40:
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None
