"""The export's date range and its spreadsheet-safe cells, without Slack or a database."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from commands.export import COLUMNS, DateRange, ExportRefused, orders_csv, parse_range

TODAY = date(2026, 3, 17)


@pytest.mark.parametrize(("text", "expected"), [
    ("", DateRange(date(2026, 3, 1), TODAY)),
    ("2026-03-05", DateRange(date(2026, 3, 5), TODAY)),
    ("2026-02-01 2026-02-28", DateRange(date(2026, 2, 1), date(2026, 2, 28))),
    ("2026-03-17 2026-03-17", DateRange(TODAY, TODAY)),
    ("2025-03-17 2026-03-17", DateRange(date(2025, 3, 17), TODAY)),  # 366 days, the most
])
def test_ranges(text: str, expected: DateRange) -> None:
    assert parse_range(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["2026-03-18", "2025-03-16 2026-03-17", "20260301",
                                  "2026-02-30", "yesterday", "2026-03-01 x"])
def test_refused_ranges(text: str) -> None:
    with pytest.raises(ExportRefused):
        parse_range(text, today=TODAY)


@pytest.mark.parametrize(("text", "says"), [
    ("2026-03-18", "2026-03-18 is in the future; nothing was recorded yet."),
    ("9999-12-30 9999-12-31", "9999-12-30 is outside the years 2000–2999."),
    ("0001-01-01 0001-01-02", "0001-01-01 is outside the years 2000–2999."),
    ("2026-W01-1", "“2026-W01-1” is not a date like 2026-03-01."),
    ("２０２６-03-01", "“２０２６-03-01” is not a date like 2026-03-01."),
])
def test_odd_dates_are_told_plainly(text: str, says: str) -> None:
    with pytest.raises(ExportRefused) as refused:
        parse_range(text, today=TODAY)
    assert str(refused.value).startswith(says)


def test_only_text_cells_are_defused() -> None:
    content = orders_csv([["2026-03-01 10:00", "PO-1", 7, "=1+1 <a@b.c>", "-Cash", "+1",
                           Decimal("-5.00"), "USD", Decimal("0.00"), "", "@x", "U1", "\t"]])

    assert content.startswith(b"\xef\xbb\xbf")
    header, row = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    assert tuple(header) == COLUMNS
    assert row == ["2026-03-01 10:00", "PO-1", "7", "'=1+1 <a@b.c>", "'-Cash", "'+1", "-5.00",
                   "USD", "0.00", "", "'@x", "U1", "'\t"]
    assert content.decode("utf-8-sig").count('"') == 2 * len(COLUMNS) * 2  # every cell quoted
