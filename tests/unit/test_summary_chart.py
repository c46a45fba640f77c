"""The summary chart's PNG and alt text, drawn from known figures (no Slack, no database)."""

from __future__ import annotations

import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

from bot.summary_chart import ALT_TEXT_LIMIT, alt_text, draw_chart
from commands.recorded_per_day import RecordedPerDay

DAYS = [date(2026, 3, 9) - timedelta(days=n) for n in reversed(range(14))]


def size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


def test_a_chart_of_known_days_and_its_alt_text() -> None:
    chart = RecordedPerDay(DAYS, "USD", {
        "Bank transfer": [Decimal("100.00")] * 13 + [Decimal("250.50")],
        "Cash": [Decimal("0.00")] * 13 + [Decimal("10.00")],
    }, {"EUR": Decimal("19.99")})

    assert size(draw_chart(chart)) == (1200, 600)
    assert alt_text(chart) == (
        "Stacked bar chart of the amount recorded per day in USD from 24 Feb to 09 Mar 2026, by "
        "payment method. Total 1,560.50 USD; the highest day was Mon 09 Mar with 260.50. By "
        "method: Bank transfer 1,550.50; Cash 10.00. Not shown: 19.99 EUR.")


def test_an_empty_fortnight_still_draws_and_says_so() -> None:
    chart = RecordedPerDay(DAYS, "")

    assert size(draw_chart(chart)) == (1200, 600)
    assert alt_text(chart).endswith("no orders were recorded.")


def test_odd_payment_method_names_draw_and_the_alt_text_stays_in_slacks_limit() -> None:
    methods = {name: [Decimal("1.00")] * 14 for name in (
        "Pay $5 now $", "$", r"Card $\oops^$", "Überweisung ✓", "x" * 300, "<!channel>",
        r"\frac{1}{2}")}
    methods.update({f"Method {n} " + "y" * 150: [Decimal("-2.00")] * 14 for n in range(8)})
    chart = RecordedPerDay(DAYS, "USD", methods)

    assert size(draw_chart(chart)) == (1200, 600)
    assert len(alt_text(chart)) <= ALT_TEXT_LIMIT


def test_charts_drawn_at_the_same_time_are_each_whole() -> None:
    chart = RecordedPerDay(DAYS, "USD", {"Cash": [Decimal(n) for n in range(14)]})
    alone = draw_chart(chart)

    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda _: draw_chart(chart), range(4)))

    assert together == [alone] * 4
