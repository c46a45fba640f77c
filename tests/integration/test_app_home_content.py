"""The Home tab's content from the database (SQLite and PostgreSQL), and its Block Kit within
Slack's limits for any number of pending requests and any names typed into the form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot import ids
from bot.home_view import WAITING_SHOWN, home_view
from commands.app_home import affected_by, home_content, home_opened, home_viewers
from commands.bigcommerce_answers import Order
from commands.models import OrderRequest
from commands.repository import Repository
from commands.roster import Roster
from sandbox.slack import SlackStandIn, render_blocks
from tests.conftest import APPROVER, BOT_TOKEN, OUTSIDER, REQUESTER
from tests.unit.test_cards import NASTY, stored_request

CHICAGO = ZoneInfo("America/Chicago")
APPROVERS = Roster([APPROVER], lambda group: [])
LONG = (NASTY + " *_~`") * 40  # far over every Block Kit limit once escaped


def a_request(n: int, **names: str) -> OrderRequest:
    return stored_request(transaction_id=f"BT-{n}", **names).request


def add(repo: Repository, n: int, *, requester: str = REQUESTER, **names: str) -> str:
    return repo.add_request(a_request(n, **names), requester_id=requester,
                            origin_channel="C0SALES", currency="USD").ref


def order(order_id: int, total: str = "49.98") -> Order:
    return Order(id=order_id, status_id=11, status="Awaiting Fulfillment",
                 total_inc_tax=Decimal(total), currency_code="USD", items_total=1,
                 items_shipped=0)


def validated(view: dict) -> dict:
    """What slack_sdk's models make of the view: they raise on any Block Kit limit passed."""
    View(**view).validate_json()
    for block in view["blocks"]:
        Block.parse(block).validate_json()
    return View(**view).to_dict()


def test_waiting_is_what_may_decide_allows_oldest_first(repo: Repository) -> None:
    older, newer = add(repo, 1), add(repo, 2)
    own = add(repo, 3, requester=APPROVER)  # nobody decides their own request
    decided = add(repo, 4)
    assert repo.reject(decided, APPROVER, "no")

    approver = home_content(repo, APPROVER, approvers=APPROVERS, tz=CHICAGO)
    assert [s.ref for s in approver.waiting] == [older, newer]
    assert [s.ref for s in approver.yours] == [own]
    requester = home_content(repo, REQUESTER, approvers=APPROVERS, tz=CHICAGO)
    assert requester.waiting == []
    assert [s.ref for s in requester.yours] == [decided, newer, older]  # latest first
    assert home_content(repo, OUTSIDER, approvers=APPROVERS, tz=CHICAGO).waiting == []


def test_your_requests_are_the_latest_ten(repo: Repository) -> None:
    refs = [add(repo, n) for n in range(12)]
    content = home_content(repo, REQUESTER, approvers=APPROVERS, tz=CHICAGO)
    assert [s.ref for s in content.yours] == refs[::-1][:10]


def test_today_counts_orders_recorded_today_in_the_configured_time_zone(
        repo: Repository) -> None:
    # 23:30 in Chicago on 1 May is 04:30 UTC on 2 May: still 1 May's order there.
    late_evening = datetime(2024, 5, 2, 4, 30, tzinfo=UTC)
    repo.clock = lambda: late_evening
    for n, total in ((1, "10.00"), (2, "20.50")):
        ref = add(repo, n)
        assert repo.approve(ref, APPROVER) and repo.record_order(ref, order(100 + n, total),
                                                                 adopted=False)
    today = home_content(repo, APPROVER, approvers=APPROVERS, tz=CHICAGO, now=late_evening)
    assert today.day.isoformat() == "2024-05-01"
    assert today.orders_today == 2
    assert today.totals_today == {("Bank transfer", "USD"): Decimal("30.50")}
    next_day = home_content(repo, APPROVER, approvers=APPROVERS, tz=CHICAGO,
                            now=late_evening + timedelta(hours=1))
    assert next_day.orders_today == 0
    assert "2 orders recorded" in render_blocks(home_view(today, now=late_evening)["blocks"])


def test_a_change_republishes_the_requester_and_approvers_who_opened_home(
        repo: Repository) -> None:
    ref = add(repo, 1)
    assert affected_by(repo, ref, APPROVERS) == []  # nobody has opened Home yet
    for user in (REQUESTER, APPROVER, OUTSIDER):
        home_opened(repo, user)
    home_opened(repo, APPROVER)  # opening again is the same viewer
    assert home_viewers(repo) == sorted([REQUESTER, APPROVER, OUTSIDER])
    assert sorted(affected_by(repo, ref, APPROVERS)) == sorted([REQUESTER, APPROVER])


def test_two_hundred_pending_requests_with_long_names_stay_within_block_kit_limits(
        repo: Repository) -> None:
    for n in range(200):
        add(repo, n, first_name=LONG, last_name=LONG)
    for n in range(10):
        add(repo, 1000 + n, requester=APPROVER, first_name=LONG)
    content = home_content(repo, APPROVER, approvers=APPROVERS, tz=CHICAGO)
    assert len(content.waiting) == 200

    view = home_view(content, now=datetime.now(CHICAGO))
    assert validated(view) == view
    assert len(view["blocks"]) <= 100
    buttons = [b for b in view["blocks"] if b["type"] == "actions"]
    assert len(buttons) == WAITING_SHOWN
    block_ids = [b["block_id"] for b in buttons]
    assert len(set(block_ids)) == len(block_ids)
    assert all(b.startswith(ids.HOME_DECISION_BLOCK) and len(b) <= 255 for b in block_ids)
    shown = render_blocks(view["blocks"])
    assert f"and {200 - WAITING_SHOWN} more" in shown
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown

    # Slack (the stand-in, which refuses a Home over its limits) takes it as it is.
    with SlackStandIn(bot_token=BOT_TOKEN) as slack:
        answer = WebClient(token=BOT_TOKEN, base_url=slack.api_url).views_publish(
            user_id=APPROVER, view=view)
        assert answer["ok"] and slack.home(APPROVER)["blocks"] == view["blocks"]
