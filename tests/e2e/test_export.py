"""`/paidorder export` over real HTTP: signed slash commands in, a CSV file out by DM through the
Slack stand-in's v2 upload, orders read from SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.runtime import Bot
from commands.export import COLUMNS
from commands.repository import Repository
from sandbox.slack import SlackStandIn, UploadedFile
from sandbox.slack_requests import SlackRequests
from tests.conftest import APPROVER, GROUP_APPROVER, OUTSIDER, REQUESTER, SIGNING_SECRET
from tests.tracking.story import record, wait_until

CHICAGO = "America/Chicago"
# Clocks in Chicago go from 02:00 CST to 03:00 CDT on 2026-03-08 (08:00 UTC).
JUST_BEFORE_MARCH_8 = datetime(2026, 3, 8, 5, 30, tzinfo=UTC)  # 23:30 CST on 7 March
BEFORE_THE_CHANGE = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 01:30 CST on 8 March
AFTER_THE_CHANGE = datetime(2026, 3, 9, 4, 30, tzinfo=UTC)  # 23:30 CDT on 8 March
NEXT_DAY = datetime(2026, 3, 9, 5, 30, tzinfo=UTC)  # 00:30 CDT on 9 March


class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def chicago_bot(start_bot: Callable[..., Bot], database_url: str) -> Bot:
    return start_bot(database_url=database_url, paidorder_timezone=CHICAGO)


@pytest.fixture
def player(chicago_bot: Bot, slack: SlackStandIn) -> SlackRequests:
    return SlackRequests(chicago_bot.url, SIGNING_SECRET, team_id=slack.team_id,
                         response_url=slack.response_url("export", channel="C0SALES"))


def orders_at(bot: Bot, *moments: tuple[datetime, str], **hostile: Any) -> list[str]:
    clock = Clock()
    repo = Repository(bot.services.repo.engine, clock=clock)
    return [record(repo, clock, at, txn, order_id=500 + n, total="56.98", **hostile)
            for n, (at, txn) in enumerate(moments)]


def ask(player: SlackRequests, slack: SlackStandIn, user: str, text: str) -> str:
    """Run `/paidorder <text>` and return the answer sent to its response_url."""
    def answers() -> list[str]:
        return [e.text for e in slack.ephemerals if e.via == "response_url" and e.key == "export"]
    before = len(answers())
    response = player.command(user, "C0SALES", text)
    assert response.status_code == 200, response.text
    wait_until(lambda: len(answers()) > before, f"an answer to {text!r}")
    return answers()[before]


def exported(slack: SlackStandIn, user: str) -> UploadedFile:
    dm = slack.dm_channel(user)
    assert dm is not None, "no DM was opened"
    [file] = slack.uploaded_to(dm)
    return file


def rows_of(file: UploadedFile) -> list[dict[str, str]]:
    assert file.content is not None and file.content.startswith(b"\xef\xbb\xbf"), "no BOM"
    text = file.content.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    assert tuple(header) == COLUMNS
    return [dict(zip(header, row, strict=True)) for row in reader]


def test_an_approver_gets_the_days_orders_in_the_stores_zone_across_dst(
        chicago_bot: Bot, player: SlackRequests, slack: SlackStandIn) -> None:
    refs = orders_at(chicago_bot, (JUST_BEFORE_MARCH_8, "T-BEFORE"),
                     (BEFORE_THE_CHANGE, "T-CST"), (AFTER_THE_CHANGE, "T-CDT"),
                     (NEXT_DAY, "T-AFTER"))

    answer = ask(player, slack, APPROVER, "export 2026-03-08 2026-03-08")

    assert answer == ("I've sent you the 2 order(s) recorded on 2026-03-08 as a CSV file in a "
                      "direct message.")
    file = exported(slack, APPROVER)
    assert file.filename == "paid-orders-2026-03-08-to-2026-03-08.csv"
    assert file.length == len(file.content or b"")
    rows = rows_of(file)
    assert [r["request reference"] for r in rows] == refs[1:3]
    assert [r["date"] for r in rows] == ["2026-03-08 01:30", "2026-03-08 23:30"]
    first = rows[0]
    assert first["order id"] == "501" and first["transaction id"] == "T-CST"
    assert first["customer"] == "Jane Doe <jane@example.com>"
    assert first["payment method"] == "Bank transfer"
    assert first["amount paid"] == "24.00" and first["order total"] == "56.98"
    assert first["currency"] == "USD" and first["status"] == "Awaiting Fulfillment"
    assert first["requester"] == REQUESTER and first["approvers"] == APPROVER
    assert slack.calls_to("files.completeUploadExternal")[0].args["channel_id"].startswith("D")


def test_a_range_takes_whole_local_days_to_the_last_one_inclusive(
        chicago_bot: Bot, player: SlackRequests, slack: SlackStandIn) -> None:
    orders_at(chicago_bot, (JUST_BEFORE_MARCH_8, "T-7"), (NEXT_DAY, "T-9"))

    ask(player, slack, GROUP_APPROVER, "export 2026-03-07 2026-03-09")

    rows = rows_of(exported(slack, GROUP_APPROVER))
    assert [r["date"] for r in rows] == ["2026-03-07 23:30", "2026-03-09 00:30"]


def test_hostile_cells_are_defused_and_numbers_stay_numbers(
        chicago_bot: Bot, player: SlackRequests, slack: SlackStandIn) -> None:
    hostile = ("=HYPERLINK(\"http://evil.example\",\"x\")", "+1+2", "-2+3", "@SUM(A1)",
               "\tTAB", "\rCR")
    for n, txn in enumerate(hostile):
        orders_at(chicago_bot, (BEFORE_THE_CHANGE, txn), method=f"{txn[:1]}Cash {n}")
    clock = Clock()
    repo = Repository(chicago_bot.services.repo.engine, clock=clock)
    record(repo, clock, BEFORE_THE_CHANGE, "T-NEG", order_id=900, total="-5.00")

    ask(player, slack, APPROVER, "export 2026-03-08")

    file = exported(slack, APPROVER)
    rows = rows_of(file)
    assert [r["transaction id"] for r in rows[:-1]] == ["'" + t for t in hostile]
    assert all(r["payment method"].startswith("'") for r in rows[:-1])
    assert rows[-1]["order total"] == "-5.00"  # a plain negative number is not prefixed
    text = (file.content or b"").decode("utf-8-sig")
    assert "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"" in text  # quoted too
    assert "\"-5.00\"" in text


def test_a_customer_name_carrying_a_formula_is_defused(
        chicago_bot: Bot, player: SlackRequests, slack: SlackStandIn) -> None:
    from sqlalchemy import update

    from commands.schema import requests

    [ref] = orders_at(chicago_bot, (BEFORE_THE_CHANGE, "T-NAME"))
    stored = chicago_bot.services.repo.get(ref)
    assert stored is not None
    body = stored.request.model_copy(update={"address": stored.request.address.model_copy(
        update={"first_name": "=cmd|' /C calc'!A0", "last_name": "Doe"})})
    with chicago_bot.services.repo.transaction() as conn:
        conn.execute(update(requests).where(requests.c.ref == ref)
                     .values(body=body.model_dump(mode="json")))

    ask(player, slack, APPROVER, "export 2026-03-08")

    [row] = rows_of(exported(slack, APPROVER))
    assert row["customer"] == "'=cmd|' /C calc'!A0 Doe <jane@example.com>"


def test_no_dates_is_this_month_so_far(chicago_bot: Bot, player: SlackRequests,
                                        slack: SlackStandIn) -> None:
    [ref] = orders_at(chicago_bot, (datetime.now(UTC), "T-NOW"))

    answer = ask(player, slack, APPROVER, "export")

    today = datetime.now(ZoneInfo(CHICAGO)).date()
    assert "I've sent you the 1 order(s) recorded " in answer
    file = exported(slack, APPROVER)
    assert file.filename == f"paid-orders-{today:%Y-%m}-01-to-{today:%Y-%m-%d}.csv"
    [row] = rows_of(file)
    assert row["request reference"] == ref


def test_an_empty_range_says_so_and_sends_nothing(
        chicago_bot: Bot, player: SlackRequests, slack: SlackStandIn) -> None:
    orders_at(chicago_bot, (BEFORE_THE_CHANGE, "T-1"))

    answer = ask(player, slack, APPROVER, "export 2026-04-01 2026-04-30")

    assert answer == ("No orders were recorded from 2026-04-01 to 2026-04-30, so there is "
                      "nothing to export.")
    assert slack.files == [] and slack.calls_to("conversations.open") == []


def test_someone_who_is_not_an_approver_is_refused_and_nothing_is_uploaded(
        chicago_bot: Bot, player: SlackRequests, slack: SlackStandIn) -> None:
    orders_at(chicago_bot, (BEFORE_THE_CHANGE, "T-1"))

    for user in (REQUESTER, OUTSIDER):
        assert ask(player, slack, user, "export 2026-03-01 2026-03-31") == (
            "Only approvers may export orders.")

    assert slack.files == [] and slack.calls_to("files.getUploadURLExternal") == []


@pytest.mark.parametrize(("text", "answer"), [
    ("export 2026-13-01", "“2026-13-01” is not a date like 2026-03-01."),
    ("export 1/3/2026", "“1/3/2026” is not a date like 2026-03-01."),
    ("export 2026-3-1", "“2026-3-1” is not a date like 2026-03-01."),
    ("export 2026-03-10 2026-03-01", "2026-03-10 is after 2026-03-01; put the earlier date"),
    ("export 2025-01-01 2026-01-02", "That is 367 days; export at most 366 at a time."),
    ("export 2026-01-01 2026-01-02 2026-01-03", "Give at most two dates."),
    ("export <!channel>", "“&lt;!channel&gt;” is not a date like 2026-03-01."),
])
def test_bad_dates_get_a_plain_answer(chicago_bot: Bot, player: SlackRequests,
                                      slack: SlackStandIn, text: str, answer: str) -> None:
    got = ask(player, slack, APPROVER, text)

    assert got.startswith(answer), got
    assert slack.files == []


def test_a_failing_upload_gets_a_plain_answer(chicago_bot: Bot, player: SlackRequests,
                                              slack: SlackStandIn) -> None:
    orders_at(chicago_bot, (BEFORE_THE_CHANGE, "T-1"))
    slack.fail_next("files.completeUploadExternal", error="internal_error", status=500,
                    times=5)

    answer = ask(player, slack, APPROVER, "export 2026-03-08")

    assert answer == "I couldn't send you the file just now; please try again in a minute."
    assert slack.files == []


def test_an_order_made_through_slack_is_exported_with_bigcommerces_figures(
        chicago_bot: Bot, player: SlackRequests, slack: SlackStandIn) -> None:
    from tests.tracking.story import place_order

    card = place_order(chicago_bot, player, slack)

    ask(player, slack, APPROVER, "export")

    [row] = rows_of(exported(slack, APPROVER))
    order = chicago_bot.services.bigcommerce.get_order(card["order_id"])
    assert row["request reference"] == card["ref"] and row["order id"] == str(order.id)
    assert order.total_inc_tax is not None and order.total_tax is not None
    assert row["order total"] == f"{order.total_inc_tax:.2f}" == "56.98"
    assert row["tax"] == f"{order.total_tax:.2f}"
    assert row["status"] == order.status
    assert row["transaction id"] == "BT-1" and row["amount paid"] == "56.98"
    assert row["approvers"] == APPROVER and row["requester"] == REQUESTER
