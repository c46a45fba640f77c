"""The summary's chart over real HTTP: `/paidorder summary` posts the text and a PNG through the
stand-in's v2 upload; a chart that cannot be posted leaves the text alone and shows up under
"needs a person" in the next summary. On SQLite and PostgreSQL."""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.runtime import Bot
from bot.scheduler import post_summary
from commands.recorded_per_day import recorded_per_day
from commands.repository import Repository
from commands.summary import daily_summary, record_report_failure
from sandbox.slack import SlackStandIn, UploadedFile, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import APPROVALS, APPROVER, SIGNING_SECRET
from tests.tracking.story import FakeClock, record, wait_until

CHICAGO = ZoneInfo("America/Chicago")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def chicago_bot(start_bot: Callable[..., Bot], database_url: str) -> Bot:
    return start_bot(database_url=database_url, paidorder_timezone="America/Chicago")


@pytest.fixture
def player(chicago_bot: Bot, slack: SlackStandIn) -> SlackRequests:
    return SlackRequests(chicago_bot.url, SIGNING_SECRET, team_id=slack.team_id,
                         response_url=slack.response_url("chart", channel="C0SALES"))


def png_size(content: bytes) -> tuple[int, int]:
    assert content.startswith(PNG_SIGNATURE), content[:8]
    assert content[12:16] == b"IHDR"
    width, height = struct.unpack(">II", content[16:24])
    return width, height


def summaries(slack: SlackStandIn) -> list[str]:
    return [render_blocks(m.blocks) for m in slack.messages(APPROVALS)
            if m.blocks and m.blocks[0].get("type") == "header"]


def run_summary(player: SlackRequests, slack: SlackStandIn) -> str:
    before = len(summaries(slack))
    assert player.command(APPROVER, "C0SALES", "summary").status_code == 200
    wait_until(lambda: len(summaries(slack)) > before, "the summary")
    return summaries(slack)[-1]


def chart(slack: SlackStandIn, count: int = 1) -> UploadedFile:
    wait_until(lambda: len(slack.uploaded_to(APPROVALS)) >= count, "the chart")
    return slack.uploaded_to(APPROVALS)[count - 1]


def test_the_summary_posts_its_text_and_a_readable_chart(
        chicago_bot: Bot, player: SlackRequests, slack: SlackStandIn) -> None:
    clock = FakeClock(datetime.now(UTC))
    repo = Repository(chicago_bot.services.repo.engine, clock=clock)
    now = datetime.now(UTC)
    record(repo, clock, now, "T-1", order_id=1, total="120.00")
    record(repo, clock, now - timedelta(days=3), "T-2", order_id=2, total="30.50",
           method="Cash")

    text = run_summary(player, slack)

    assert "Paid orders so far today" in text
    png = chart(slack)
    assert png.content is not None and png_size(png.content) == (1200, 600)
    today = datetime.now(CHICAGO).date()
    assert png.filename == f"paid-orders-{today:%Y-%m-%d}.png"
    assert png.alt_txt is not None and "Total 150.50 USD" in png.alt_txt
    assert "Bank transfer 120.00; Cash 30.50" in png.alt_txt
    # The text comes first, so a slow or failing chart never holds the summary back.
    summary_call = slack.calls_to("chat.postMessage")[-1]
    assert summary_call.at < slack.calls_to("files.getUploadURLExternal")[-1].at


# A Web API 5xx is tried 3 times (the bot's ServerErrorRetryHandler); the upload URL once.
@pytest.mark.parametrize(("failing", "times"), [("files.getUploadURLExternal", 3), ("upload", 1),
                                                ("files.completeUploadExternal", 3)])
def test_a_chart_that_cannot_be_posted_leaves_the_text_and_is_listed_the_next_day(
        chicago_bot: Bot, player: SlackRequests, slack: SlackStandIn, failing: str,
        times: int) -> None:
    yesterday = datetime.now(CHICAGO).date() - timedelta(days=1)
    slack.fail_next(failing, error="internal_error", status=500, times=times)

    post_summary(chicago_bot.services, yesterday, title=f"Paid orders · {yesterday:%a %d %b}")

    [posted] = summaries(slack)
    assert f"Paid orders · {yesterday:%a %d %b}" in posted
    today = datetime.now(CHICAGO).date()
    wait_until(lambda: daily_summary(chicago_bot.services.repo, today, CHICAGO).problems,
               "the chart failure to be recorded")
    assert slack.files == []

    text = run_summary(player, slack)

    assert f"Summary chart: the chart for {yesterday:%a %d %b} could not be posted (" in text
    assert ("Slack answered internal_error" if failing != "upload" else "HTTP Error 500") in text
    assert chart(slack).content is not None  # today's chart made it


def test_a_failure_is_listed_on_the_day_it_happened_only(repo: Repository) -> None:
    clock = FakeClock(datetime(2026, 3, 8, 15, 0, tzinfo=UTC))  # 10:00 CDT, 8 March
    fake = Repository(repo.engine, clock=clock)
    record_report_failure(fake, "chart", date(2026, 3, 7), "SlackApiError: internal_error")

    listed = {day: [p.what for p in daily_summary(fake, day, CHICAGO).problems]
              for day in (date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9))}

    assert listed == {
        date(2026, 3, 7): [],
        date(2026, 3, 8): ["the chart for Sat 07 Mar could not be posted "
                           "(SlackApiError: internal_error)"],
        date(2026, 3, 9): [],
    }


def test_the_chart_counts_local_days_across_a_dst_change(repo: Repository) -> None:
    clock = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))
    fake = Repository(repo.engine, clock=clock)
    # 23:30 CST on 7 March, 01:30 CST and 23:30 CDT on 8 March, 00:30 CDT on 9 March.
    for n, at in enumerate((datetime(2026, 3, 8, 5, 30), datetime(2026, 3, 8, 7, 30),
                            datetime(2026, 3, 9, 4, 30), datetime(2026, 3, 9, 5, 30))):
        record(fake, clock, at.replace(tzinfo=UTC), f"T-{n}", order_id=n + 1, total="10.00",
               method="Cash" if n % 2 else "Bank transfer")
    record(fake, clock, datetime(2026, 3, 8, 12, tzinfo=UTC), "T-EUR", order_id=9,
           total="5.00", currency="EUR")
    # 15 days before the 9th: outside the chart.
    record(fake, clock, datetime(2026, 2, 23, 12, tzinfo=UTC), "T-OLD", order_id=10,
           total="99.00")

    chart = recorded_per_day(fake, date(2026, 3, 9), CHICAGO)

    assert chart.days[0] == date(2026, 2, 24) and chart.days[-1] == date(2026, 3, 9)
    assert len(chart.days) == 14 and chart.currency == "USD"
    # 7, 8 and 9 March
    assert chart.by_method["Bank transfer"][-3:] == [Decimal("10.00"), Decimal("10.00"),
                                                     Decimal("0")]
    assert chart.by_method["Cash"][-3:] == [Decimal("0"), Decimal("10.00"), Decimal("10.00")]
    assert chart.total == Decimal("40.00")
    assert chart.other_currencies == {"EUR": Decimal("5.00")}
