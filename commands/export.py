"""`/paidorder export [FROM [TO]]`: the recorded orders of a date range as a spreadsheet-safe CSV.

An order belongs to the day it was recorded (its `order_created` / `order_adopted` audit line)
in the store's time zone, as in the daily summary. The file is UTF-8 with a BOM so that Excel
reads accents right, and every text cell is neutralised against formula injection.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select

from commands.repository import Repository
from commands.schema import approvals, audit_log, requests
from commands.summary import day_bounds

MAX_DAYS = 366
RECORDED = ("order_created", "order_adopted")
COLUMNS = ("date", "request reference", "order id", "customer", "payment method",
           "transaction id", "amount paid", "currency", "order total", "tax", "status",
           "requester", "approvers")
# OWASP, "CSV Injection": a cell starting with one of these is read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CENTS = Decimal("0.01")
USAGE = "Use `/paidorder export [FROM [TO]]` with dates like 2026-03-01."


class ExportRefused(Exception):
    """The range cannot be exported; the message is the sentence for the user.

    What the user typed is kept apart (`{typed}` in the sentence), so the Slack side can escape
    it before showing it.
    """

    def __init__(self, sentence: str, typed: str = "") -> None:
        super().__init__(sentence.format(typed=typed))
        self.sentence = sentence
        self.typed = typed

    def shown(self, escape: Callable[[str], str]) -> str:
        return self.sentence.format(typed=escape(self.typed))


@dataclass(frozen=True)
class DateRange:
    first: date
    last: date  # inclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def describe(self) -> str:
        if self.first == self.last:
            return f"on {self.first:%Y-%m-%d}"
        return f"from {self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}"

    @property
    def filename(self) -> str:
        return f"paid-orders-{self.first:%Y-%m-%d}-to-{self.last:%Y-%m-%d}.csv"


@dataclass(frozen=True)
class Export:
    span: DateRange
    orders: int
    content: bytes  # the CSV file, BOM included


def parse_range(text: str, *, today: date) -> DateRange:
    """`FROM [TO]` (TO inclusive, default today); no dates is this month so far."""
    words = text.split()
    if len(words) > 2:
        raise ExportRefused(f"Give at most two dates. {USAGE}")
    if not words:
        return DateRange(today.replace(day=1), today)
    first = _date(words[0])
    last = _date(words[1]) if len(words) == 2 else today
    if len(words) == 1 and first > today:
        raise ExportRefused(f"{first:%Y-%m-%d} is in the future; nothing was recorded yet.")
    if first > last:
        raise ExportRefused(f"{first:%Y-%m-%d} is after {last:%Y-%m-%d}; "
                            "put the earlier date first.")
    span = DateRange(first, last)
    if span.days > MAX_DAYS:
        raise ExportRefused(f"That is {span.days} days; export at most {MAX_DAYS} at a time.")
    return span


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# Orders recorded by this bot fall well inside these years; a date outside them is a typo, and
# day arithmetic near year 1 or 9999 would overflow.
FIRST_YEAR, LAST_YEAR = 2000, 2999


def _date(word: str) -> date:
    try:
        # Only YYYY-MM-DD: date.fromisoformat would also take week dates like 2026-W01-1.
        if not _DAY.fullmatch(word):
            raise ValueError(word)
        day = date.fromisoformat(word)
    except ValueError:
        raise ExportRefused("“{typed}” is not a date like 2026-03-01. " + USAGE,
                            typed=word[:20]) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ExportRefused(f"{word} is outside the years {FIRST_YEAR}–{LAST_YEAR}. " + USAGE)
    return day


def export_orders(repo: Repository, span: DateRange, tz: ZoneInfo) -> Export:
    rows = recorded_orders(repo, span, tz)
    return Export(span, len(rows), orders_csv(rows))


def recorded_orders(repo: Repository, span: DateRange, tz: ZoneInfo) -> list[list[Any]]:
    """One row per order recorded in `span`, oldest first, in COLUMNS order."""
    start, _ = day_bounds(span.first, tz)
    _, end = day_bounds(span.last, tz)
    body = requests.c.body  # OrderRequest.model_dump(mode="json"); read in SQL, not parsed here
    recorded = (select(audit_log.c.at, requests.c.ref, requests.c.order_id,
                       body[("address", "first_name")].as_string(),
                       body[("address", "last_name")].as_string(),
                       body["customer_email"].as_string(), requests.c.payment_method,
                       body["transaction_id"].as_string(), requests.c.amount_paid,
                       func.coalesce(requests.c.order_currency, requests.c.currency),
                       requests.c.order_total, requests.c.order_tax, requests.c.order_status,
                       requests.c.requester_id, requests.c.decided_by)
                .join(requests, and_(requests.c.ref == audit_log.c.ref,
                                     audit_log.c.action.in_(RECORDED)))
                .where(audit_log.c.at >= start, audit_log.c.at < end)
                .order_by(audit_log.c.at, audit_log.c.id))
    # The approvals that stand: an edit clears the ones given before it (the audit log keeps
    # them as history), so the approvals table, not the log, says who approved the order.
    approved = (select(approvals.c.ref, approvals.c.approver)
                .where(approvals.c.ref.in_(select(audit_log.c.ref).where(
                    audit_log.c.action.in_(RECORDED),
                    audit_log.c.at >= start, audit_log.c.at < end)))
                .order_by(approvals.c.ref, approvals.c.position))
    with repo.engine.connect() as conn:
        approvers: dict[str, list[str]] = defaultdict(list)
        for ref, actor in conn.execute(approved):
            approvers[ref].append(actor)
        return [_row(row, tz, approvers[row[1]]) for row in conn.execute(recorded)]


def _row(row: Any, tz: ZoneInfo, approvers: list[str]) -> list[Any]:
    (at, ref, order_id, first_name, last_name, email, method, transaction_id, paid, currency,
     total, tax, status, requester, decided_by) = row
    return [
        at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), ref, order_id,
        f"{first_name} {last_name} <{email}>", method, transaction_id, _money(paid), currency,
        _money(total), _money(tax), status or "", requester,
        " ".join(dict.fromkeys(approvers)) or (decided_by or ""),
    ]


def _money(value: Any) -> Decimal | str:
    return "" if value is None else Decimal(value).quantize(CENTS)


def orders_csv(rows: list[list[Any]]) -> bytes:
    """The CSV as bytes: UTF-8 with BOM, CRLF lines, every cell quoted, formulas defused."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def neutralised(cell: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading single quote.

    Numbers are ours (Decimal, int) and stay numbers, negative ones included; only text that
    came from people (names, transaction ids, statuses) can carry a formula.
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell

