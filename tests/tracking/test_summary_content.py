"""The daily summary for a known data set: totals per payment method and currency to the cent,
decisions, pending requests with their age, status groups, mismatches and what needs a person;
and its Slack rendering."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import update

from bot.summary_view import SHOWN, summary_message
from commands.repository import Outbox, Repository
from commands.schema import outbox
from commands.summary import Pending, Problem, Summary, daily_summary
from sandbox.slack import render_blocks
from tests.tracking.story import FakeClock, order_request, record

UTC_ZONE = ZoneInfo("UTC")
DAY = date(2026, 5, 4)


def at(hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    return datetime(2026, 5, 4, hour, minute, tzinfo=UTC) + timedelta(days=days)


def known_day(repo: Repository) -> tuple[Repository, dict[str, str]]:
    clock = FakeClock(at(0))
    fake = Repository(repo.engine, clock=clock)
    refs: dict[str, str] = {}
    # Orders recorded on the day, across methods and currencies; cents that floats get wrong.
    refs["a"] = record(fake, clock, at(8), "T-A", order_id=101, total="56.98")
    refs["b"] = record(fake, clock, at(9), "T-B", order_id=102, total="0.10", status_id=3)
    refs["c"] = record(fake, clock, at(10), "T-C", order_id=103, total="0.20", status_id=2)
    refs["d"] = record(fake, clock, at(11), "T-D", order_id=104, total="12.00", method="Cash",
                       status_id=10)
    refs["e"] = record(fake, clock, at(12), "T-E", order_id=105, total="19.99", currency="EUR")
    refs["f"] = record(fake, clock, at(13), "T-F", order_id=106, total="0.01", currency="EUR",
                       amount_paid="25.00")
    # Recorded the day before: counted by status, not in the day's totals or decisions.
    refs["old"] = record(fake, clock, at(23, 59, days=-1), "T-OLD", order_id=99, total="500.00")
    # Rejected on the day.
    clock.at = at(14)
    rejected = fake.add_request(order_request("T-R", amount_paid="20.00"), requester_id="U0REQ",
                                origin_channel=None, currency="USD")
    assert fake.reject(rejected.ref, "U0APPROVER", "wrong amount")
    # Approved on the day, but BigCommerce refused the order.
    clock.at = at(15)
    failed = fake.add_request(order_request("T-X"), requester_id="U0REQ", origin_channel=None,
                              currency="USD")
    fake.approve(failed.ref, "U0APPROVER")
    fake.record_failure(failed.ref, "The product 'Vintage Poster' cannot be purchased.")
    refs["failed"] = failed.ref
    refs["rejected"] = rejected.ref
    # Still pending: three days, five hours and twenty minutes old at the summary.
    for key, moment in (("p_new", at(16, 40)), ("p_old", at(9, days=-3)), ("p_mid", at(13))):
        clock.at = moment
        refs[key] = fake.add_request(order_request(f"T-{key}"), requester_id="U0OTHER",
                                     origin_channel=None, currency="USD").ref
    # A follow-up that keeps failing.
    with fake.transaction() as conn:
        fake.enqueue(conn, refs["a"], Outbox.POST_SHIPMENTS)
        conn.execute(update(outbox).where(outbox.c.kind == Outbox.POST_SHIPMENTS)
                     .values(attempts=5, last_error="SlackApiError: <!channel> not_in_channel"))
    return fake, refs


def test_summary_of_a_known_day(repo: Repository) -> None:
    fake, refs = known_day(repo)

    summary = daily_summary(fake, DAY, UTC_ZONE, now=at(17))

    assert summary.orders == 6
    assert summary.totals == {
        ("Bank transfer", "USD"): Decimal("57.28"),
        ("Cash", "USD"): Decimal("12.00"),
        ("Bank transfer", "EUR"): Decimal("20.00"),
    }
    assert all(str(total) == f"{total:.2f}" for total in summary.totals.values())
    assert summary.approved == 7  # six ordered and the failed one, all decided on the day
    assert summary.rejected == 1
    assert [p.ref for p in summary.pending] == [refs["p_old"], refs["p_mid"], refs["p_new"]]
    assert [p.age for p in summary.pending] == [timedelta(days=3, hours=8), timedelta(hours=4),
                                                timedelta(minutes=20)]
    assert summary.by_status == {"Awaiting fulfillment": 4, "Partially shipped": 1,
                                 "Shipped / completed": 2}
    # Every request of the day whose payment differs from its total, oldest first; a rejected
    # one is no longer anybody's concern.
    assert summary.mismatches == [(refs["f"], Decimal("25.00"), Decimal("24.00"))]
    assert [p.ref for p in summary.problems] == [refs["failed"], refs["a"]]
    assert "cannot be purchased" in summary.problems[0].what
    assert "post shipments keeps failing" in summary.problems[1].what


def test_the_known_day_as_a_slack_message(repo: Repository) -> None:
    fake, refs = known_day(repo)
    summary = daily_summary(fake, DAY, UTC_ZONE, now=at(17))

    text, blocks = summary_message(summary, title="Paid orders · Mon 04 May")

    assert blocks[0] == {"type": "header",
                         "text": {"type": "plain_text", "text": "Paid orders · Mon 04 May"}}
    rendered = render_blocks(blocks)
    assert "Monday 04 May 2026 · UTC" in rendered
    assert "57.28 USD  Bank transfer" in rendered and "12.00 USD  Cash" in rendered
    assert "20.00 EUR  Bank transfer" in rendered
    assert "7 approved · 1 rejected · 3 pending" in rendered
    assert f"{refs['p_old']} from <@U0OTHER>, waiting 3 days" in rendered
    assert f"{refs['p_mid']} from <@U0OTHER>, waiting 4 h" in rendered
    assert f"{refs['p_new']} from <@U0OTHER>, waiting 20 min" in rendered
    assert "Awaiting fulfillment 4 · Partially shipped 1 · Shipped / completed 2" in rendered
    assert f"{refs['f']}: paid 25.00, total 24.00" in rendered
    assert "Needs a person:* 2" in rendered
    assert "<!channel>" not in rendered and "&lt;!channel&gt;" in rendered
    assert "6 order(s) recorded, 7 approved, 1 rejected, 3 pending" in text


def test_long_parts_show_five_lines_and_how_many_more() -> None:
    summary = Summary(
        day=DAY, timezone="UTC", orders=8,
        totals={(f"Method {n}", "USD"): Decimal(n) for n in range(1, 9)},
        pending=[Pending(f"PO-P{n}", "U0REQ", timedelta(hours=n)) for n in range(7)],
        mismatches=[(f"PO-M{n}", Decimal("1.00"), Decimal("2.00")) for n in range(6)],
        problems=[Problem(f"PO-X{n}", "refused") for n in range(9)],
    )

    _, blocks = summary_message(summary, title="Paid orders · Mon 04 May")

    assert blocks[0]["type"] == "header"
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    orders, decisions, _, mismatches, problems = sections
    for part, name, hidden in ((orders, "Method", 3), (decisions, "PO-P", 2),
                               (mismatches, "PO-M", 1), (problems, "PO-X", 4)):
        shown = [line for line in part.splitlines() if name in line]
        assert len(shown) == SHOWN, part
        assert part.endswith(f"_and {hidden} more_"), part
    # The biggest amounts come first.
    assert "Method 8" in orders.splitlines()[1] and "Method 3" not in orders


def test_an_empty_day_says_none() -> None:
    _, blocks = summary_message(Summary(day=DAY, timezone="UTC"), title="Paid orders")
    rendered = render_blocks(blocks)
    for words in ("Orders recorded:* none", "0 approved · 0 rejected · 0 pending",
                  "Orders by status:* none yet", "Amount mismatches:* none",
                  "Needs a person:* nothing"):
        assert words in rendered
    assert "more_" not in rendered
