"""The Home tab over real HTTP: signed `app_home_opened` events and clicks from a Home view in,
`views.publish` to the Slack stand-in out, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from bot import ids
from bot.runtime import Bot
from sandbox.slack import SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import (
    APPROVER,
    GROUP_APPROVER,
    OUTSIDER,
    REQUESTER,
    SALES,
    SIGNING_SECRET,
    submit_request,
)
from tests.e2e.test_approval_flow import wait_card


@pytest.fixture
def home_bot(start_bot: Callable[..., Bot], database_url: str) -> Bot:
    return start_bot(database_url=database_url)


@pytest.fixture
def homes(home_bot: Bot, slack: SlackStandIn) -> SlackRequests:
    return SlackRequests(home_bot.url, SIGNING_SECRET, team_id=slack.team_id,
                         response_url=slack.response_url("home", channel=SALES))


def wait_home(slack: SlackStandIn, user: str, words: str, *, absent: str | None = None,
              timeout: float = 10.0) -> dict[str, Any]:
    """`user`'s Home once it shows `words` (and not `absent`)."""
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        view = slack.home(user)
        shown = render_blocks(view["blocks"]) if view else "(no Home published)"
        if view and words in shown and not (absent and absent in shown):
            return view
        time.sleep(0.05)
    raise AssertionError(f"{user}'s Home never showed {words!r}"
                         f"{f' without {absent!r}' if absent else ''}; it shows:\n{shown}")


def open_home(player: SlackRequests, slack: SlackStandIn, user: str, words: str, **wait: Any
              ) -> dict[str, Any]:
    response = player.open_home(user, slack.home(user))
    assert response.status_code == 200, response.text
    return wait_home(slack, user, words, **wait)


def settled(bot: Bot) -> None:
    """The outbox is done (each job has asked for its Home refreshes) and so is publishing."""
    deadline = time.monotonic() + 10
    while bot.services.repo.pending_jobs() or bot.homes.pending():
        assert time.monotonic() < deadline, "the outbox or the Home publisher never settled"
        time.sleep(0.05)


def waiting_refs(view: dict[str, Any]) -> list[str]:
    return [e["value"] for b in view["blocks"] if b.get("type") == "actions"
            for e in b["elements"] if e["action_id"] == ids.APPROVE]


def test_each_user_sees_their_own_home(homes: SlackRequests, slack: SlackStandIn) -> None:
    first = submit_request(homes, slack)
    second = submit_request(homes, slack, transaction_id="BT-2")

    approver = open_home(homes, slack, APPROVER, second["ref"])
    shown = render_blocks(approver["blocks"])
    assert waiting_refs(approver) == [first["ref"], second["ref"]]  # oldest first
    for section in ("Waiting for you", "Your requests", "Today"):
        assert section in shown
    assert "No orders recorded today yet." in shown

    requester = open_home(homes, slack, REQUESTER, "Your requests")
    assert waiting_refs(requester) == []  # nobody decides their own request
    mine = render_blocks(requester["blocks"])
    assert f"*{first['ref']}* · Pending" in mine and f"*{second['ref']}* · Pending" in mine
    assert "Nothing is waiting for your decision." in mine

    outsider = open_home(homes, slack, OUTSIDER, "Your requests")
    assert waiting_refs(outsider) == []
    assert first["ref"] not in render_blocks(outsider["blocks"])


def test_approve_on_home_creates_one_order_and_updates_card_and_homes(
        home_bot: Bot, homes: SlackRequests, slack: SlackStandIn) -> None:
    card = submit_request(homes, slack)
    open_home(homes, slack, REQUESTER, card["ref"])
    approver_home = open_home(homes, slack, APPROVER, card["ref"])
    open_home(homes, slack, GROUP_APPROVER, card["ref"])
    settled(home_bot)  # what follows is published because of the decision, not before it

    first = homes.click_home(APPROVER, approver_home, ids.APPROVE, card["ref"])
    again = homes.click_home(APPROVER, approver_home, ids.APPROVE, card["ref"])  # double click
    assert first.status_code == again.status_code == 200

    text = wait_card(slack, card["ts"], "Status:")
    orders = list(home_bot.services.bigcommerce.get_many("/v2/orders"))
    assert [o["external_order_id"] for o in orders] == [card["ref"]]
    assert f"#{orders[0]['id']}" in text

    # Republished without a new open: the request has left every approver's Waiting list and
    # the requester sees its order.
    order = f"order #{orders[0]['id']}"
    for approver in (APPROVER, GROUP_APPROVER):
        view = wait_home(slack, approver, "1 order recorded", absent=card["ref"])
        assert waiting_refs(view) == []
        assert "Bank transfer: 56.98" in render_blocks(view["blocks"])
    wait_home(slack, REQUESTER, order)
    # The double click was told, by direct message, that it changes nothing.
    [note] = slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == APPROVER)
    assert "already approved" in note.args["text"]
    assert not [e for e in slack.ephemerals if e.user == APPROVER]


def test_reject_on_home_opens_the_reason_modal(homes: SlackRequests, slack: SlackStandIn
                                               ) -> None:
    card = submit_request(homes, slack)
    open_home(homes, slack, REQUESTER, card["ref"])
    view = open_home(homes, slack, APPROVER, card["ref"])

    homes.click_home(APPROVER, view, ids.REJECT, card["ref"])
    modal = slack.wait_for("views.open", count=2)[-1].args["view"]  # the form, then this
    assert modal["callback_id"] == ids.REJECT_MODAL
    response = homes.submit(APPROVER, modal, {ids.REASON_BLOCK: "Payment not received"})
    assert response.status_code == 200 and not response.content, response.text

    assert "Payment not received" in wait_card(slack, card["ts"], "Rejected")
    wait_home(slack, REQUESTER, f"*{card['ref']}* · Rejected")
    wait_home(slack, APPROVER, "Nothing is waiting for your decision.")
    # An approver who never opened Home gets it published when they do, not before.
    assert not [c for c in slack.calls_to("views.publish")
                if c.args["user_id"] == GROUP_APPROVER]


def test_a_refused_click_on_home_is_a_direct_message(
        home_bot: Bot, homes: SlackRequests, slack: SlackStandIn) -> None:
    card = submit_request(homes, slack)
    view = open_home(homes, slack, APPROVER, card["ref"])

    # Buttons only show to those who may decide, but a click is checked on the server anyway.
    homes.click_home(OUTSIDER, view, ids.APPROVE, card["ref"])
    [note] = slack.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == OUTSIDER)
    assert note.args["text"] == "Only approvers can approve or reject paid-order requests."
    assert home_bot.services.repo.get(card["ref"]).state == "pending"
    assert not slack.ephemerals or all(e.user != OUTSIDER for e in slack.ephemerals)
    wait_home(slack, OUTSIDER, "Nothing is waiting for your decision.")


def test_two_approvals_on_home(start_bot: Callable[..., Bot], database_url: str,
                               slack: SlackStandIn) -> None:
    bot = start_bot(database_url=database_url, paidorder_second_approval_over="50.00")
    homes = SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                          response_url=slack.response_url("home-two", channel=SALES))
    card = submit_request(homes, slack)  # 56.98: two approvals
    first = open_home(homes, slack, APPROVER, card["ref"])
    second = open_home(homes, slack, GROUP_APPROVER, card["ref"])
    settled(bot)

    homes.click_home(APPROVER, first, ids.APPROVE, card["ref"])
    wait_card(slack, card["ts"], "1 of 2 approvals")
    # The first approver has done their part; the other still has it waiting.
    wait_home(slack, APPROVER, "Nothing is waiting for your decision.")
    assert waiting_refs(wait_home(slack, GROUP_APPROVER, card["ref"])) == [card["ref"]]

    homes.click_home(GROUP_APPROVER, second, ids.APPROVE, card["ref"])
    wait_card(slack, card["ts"], "Status:")
    assert len(list(bot.services.bigcommerce.get_many("/v2/orders"))) == 1
    wait_home(slack, GROUP_APPROVER, "1 order recorded", absent=card["ref"])
