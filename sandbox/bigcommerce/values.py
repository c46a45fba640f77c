"""`ApiError`, and values on the wire: parsing and formatting money, ints, dates, CSV lists."""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

ZERO = Decimal("0")
FOUR_PLACES = Decimal("0.0001")
V3_ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
NOT_FOUND = "The requested resource was not found."


class ApiError(Exception):
    """Rendered as a V2 array or a V3 object depending on the API version of the request."""

    def __init__(self, status: int, message: str, *, errors: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self, version: str) -> Any:
        if version == "v3":
            body: dict[str, Any] = {"status": self.status, "title": self.message,
                                    "type": V3_ERROR_TYPE}
            if self.errors is not None:
                body["errors"] = self.errors
            return body
        return [{"status": self.status, "message": self.message}]


def invalid(name: str) -> ApiError:
    return ApiError(400, f"The field '{name}' is invalid.")


def now() -> datetime:
    # Seconds precision on purpose: pollers send min_date_modified in whole seconds, and an
    # inclusive filter at that resolution then sees every change.
    return datetime.now(UTC).replace(microsecond=0)


def rfc2822(moment: datetime | None) -> str:
    return email.utils.format_datetime(moment) if moment else ""


def money(value: Decimal) -> str:
    return str(value.quantize(FOUR_PLACES))


def parse_money(name: str, value: Any) -> Decimal:
    """BigCommerce takes numbers or numeric strings for money, and rejects negatives."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid(name)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(name) from None
    if not amount.is_finite() or amount < 0:
        raise invalid(name)
    return amount


def parse_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    if isinstance(value, bool):
        raise invalid(name)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        value = int(value)
    if not isinstance(value, int) or (minimum is not None and value < minimum):
        raise invalid(name)
    return value


def parse_datetime(name: str, text: str) -> datetime:
    """Filters accept RFC-2822 and ISO-8601 (and, leniently, a Unix timestamp)."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d+", text):
            return datetime.fromtimestamp(int(text), UTC)
        if re.match(r"\d{4}-\d{2}-\d{2}", text):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            moment = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError):
        raise invalid(name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def optional_text(name: str, payload: dict, key: str, *, limit: int) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or len(str(value)) > limit:
        raise invalid(name)
    return str(value)


def csv_values(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def csv_ints(name: str, text: str) -> set[int]:
    return {parse_int(name, part) for part in csv_values(text)}
