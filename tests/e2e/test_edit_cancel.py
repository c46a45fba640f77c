"""Edit and Cancel on the request card, over real HTTP with signed Slack requests, on SQLite
and PostgreSQL: the requester alone may use them, only while the request is pending, and a
decision racing either leaves exactly one outcome."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from bot import ids
from bot.runtime import Bot
from bot.summary_view import summary_message
from commands.models import RequestState
from commands.summary import daily_summary
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import (
    APPROVALS,
    APPROVER,
    GOOD_FORM,
    GROUP_APPROVER,
    REQUESTER,
    submit_request,
)
from tests.e2e.test_app_home import settled, wait_home, waiting_refs
from tests.e2e.test_approval_flow import wait_card
from tests.e2e.test_find_in_form import options, ready, updated_view
from tests.reliability.conftest import orders_in, settle, wait_until
from tests.reliability.test_exactly_once import at_once

THRESHOLD = GOOD_FORM["amount_paid"]  # GOOD_FORM needs two approvals here


@pytest.fixture
def bot(start_bot: Callable[..., Bot], database_url: str) -> Bot:
    return start_bot(database_url=database_url, paidorder_second_approval_over=THRESHOLD)


def click(player: SlackRequests, slack: SlackStandIn, user: str, card: dict[str, Any],
          action: str) -> None:
    """`user` clicks `action` on the card as Slack shows it now (its button values)."""
    response = player.click(user, APPROVALS, card, action, shown_value(slack, card, action))
    assert response.status_code == 200, response.text


def shown_value(slack: SlackStandIn, card: dict[str, Any], action: str) -> str:
    """The value of the card's `action` button as Slack shows the card now; the reference once
    the buttons are gone (a click on a copy of the card drawn before)."""
    blocks = slack.message(APPROVALS, card["ts"]).blocks
    return next((e["value"] for b in blocks if b.get("type") == "actions"
                 for e in b["elements"] if e["action_id"] == action), card["ref"])


def buttons(slack: SlackStandIn, card: dict[str, Any]) -> list[str]:
    blocks = slack.message(APPROVALS, card["ts"]).blocks
    return [e["text"]["text"] for b in blocks if b.get("type") == "actions"
            for e in b["elements"]]


def told(slack: SlackStandIn, user: str, words: str) -> list[str]:
    return [e.text for e in slack.ephemerals if e.user == user and words in e.text]


def actions_of(bot: Bot, ref: str) -> list[str]:
    return [a["action"] for a in bot.services.repo.audit_trail(ref=ref)]


def edit_form(player: SlackRequests, slack: SlackStandIn, card: dict[str, Any],
              user: str = REQUESTER) -> dict[str, Any]:
    before = len(slack.calls_to("views.open"))
    click(player, slack, user, card, ids.EDIT)
    return slack.wait_for("views.open", count=before + 1)[-1].args["view"]


def approved_once_then_opened_for_editing(player: SlackRequests, slack: SlackStandIn
                                          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A request with the first of its two approvals, and its edit form open."""
    card = submit_request(player, slack)
    click(player, slack, APPROVER, card, ids.APPROVE)
    wait_card(slack, card["ts"], "1 of 2 approvals")
    return card, edit_form(player, slack, card)


def initial(view: dict[str, Any]) -> dict[str, Any]:
    """What each input of `view` shows before anyone types."""
    shown: dict[str, Any] = {}
    for block in view["blocks"]:
        element = block.get("element") or {}
        if block.get("type") == "input" and "initial_option" in element:
            shown[block["block_id"]] = element["initial_option"]["value"]
        elif block.get("type") == "input" and "initial_value" in element:
            shown[block["block_id"]] = element["initial_value"]
    return shown


def test_a_pending_card_offers_edit_and_cancel_with_a_confirmation(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    assert buttons(slack, card) == ["Approve", "Reject", "Edit", "Cancel"]
    [cancel] = [e for b in card["blocks"] if b.get("type") == "actions"
                for e in b["elements"] if e["action_id"] == ids.CANCEL]
    assert cancel["confirm"]["confirm"]["text"] == "Cancel request"


def test_cancel_ends_the_request_and_frees_its_transaction_id(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack)
    click(player, slack, REQUESTER, card, ids.CANCEL)

    text = wait_card(slack, card["ts"], "*Cancelled*")
    assert f"*Cancelled* by <@{REQUESTER}>" in text and "transaction id is free" in text
    assert buttons(slack, card) == []
    assert bot.services.repo.get(card["ref"]).state == RequestState.CANCELLED  # type: ignore[union-attr]
    assert actions_of(bot, card["ref"]).count("cancelled") == 1
    tz = bot.settings.timezone
    summary = daily_summary(bot.services.repo, datetime.now(tz).date(), tz)
    assert (summary.approved, summary.rejected, summary.cancelled) == (0, 0, 1)
    assert "1 cancelled" in render_blocks(summary_message(summary, title="Today")[1])

    again = submit_request(player, slack)  # the same payment, booked again: no clash
    assert again["ref"] != card["ref"]
    click(player, slack, APPROVER, card, ids.APPROVE)
    wait_until(lambda: told(slack, APPROVER, "cancelled by its requester"), "a refusal")
    settle(bot.services.repo)
    assert orders_in(store) == []


@pytest.mark.parametrize("action", [ids.EDIT, ids.CANCEL])
def test_only_the_requester_may_edit_or_cancel(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, action: str
) -> None:
    card = submit_request(player, slack)
    opened = len(slack.calls_to("views.open"))
    click(player, slack, APPROVER, card, action)

    wait_until(lambda: told(slack, APPROVER, f"Only <@{REQUESTER}>"), "a refusal")
    settle(bot.services.repo)
    assert len(slack.calls_to("views.open")) == opened
    assert bot.services.repo.get(card["ref"]).state == RequestState.PENDING  # type: ignore[union-attr]
    assert buttons(slack, card) == ["Approve", "Reject", "Edit", "Cancel"]


def test_edit_opens_the_form_filled_in_and_updates_the_same_card(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack, phone="+1 512 555 0100", notes="Paid at the fair")
    view = edit_form(player, slack, card)

    shown = initial(view)
    assert shown["email"] == "jane@example.com" and shown["phone"] == "+1 512 555 0100"
    assert shown["items"] == "TSHIRT-RED-M x 2 @ 19.99\nMUG-WHT x 1 @ 12.00"
    assert shown["transaction_id"] == "BT-1" and shown["amount_paid"] == "56.98"
    assert shown["payment_method"] == "Bank transfer" and shown["notes"] == "Paid at the fair"
    assert shown["order_status"] == "11"
    assert view["title"]["text"] == "Edit request"

    posted = len(slack.calls_to("chat.postMessage"))
    response = player.submit(REQUESTER, view, {"items": "TSHIRT-RED-M x 3 @ 19.99",
                                               "amount_paid": "64.97", "city": "Dallas"})
    assert response.status_code == 200 and not response.content, response.text

    text = wait_card(slack, card["ts"], "Dallas")
    assert "× 3" in text and "Mug" not in text and ":pencil2: Edited" in text
    stored = bot.services.repo.get(card["ref"])
    assert stored is not None and stored.ref == card["ref"]
    assert str(stored.request.amount_paid) == "64.97"
    assert stored.request.address.city == "Dallas" and stored.state == RequestState.PENDING
    assert len(slack.calls_to("chat.postMessage")) == posted  # no second card
    [edited] = [a for a in bot.services.repo.audit_trail(ref=card["ref"])
                if a["action"] == "edited"]
    assert edited["actor"] == REQUESTER and edited["detail"]["amount_paid"] == "64.97"


def test_editing_clears_a_first_approval(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card, view = approved_once_then_opened_for_editing(player, slack)

    player.submit(REQUESTER, view, {"street": "14 Main St"})

    text = wait_card(slack, card["ts"], "14 Main St")
    assert "1 of 2" not in text
    [edited] = [a for a in bot.services.repo.audit_trail(ref=card["ref"])
                if a["action"] == "edited"]
    assert edited["detail"]["approvals_cleared"] == [APPROVER]
    # The approval given before the edit counts no more: two fresh ones are needed.
    click(player, slack, APPROVER, card, ids.APPROVE)
    wait_card(slack, card["ts"], f"1 of 2 approvals by <@{APPROVER}>")
    settle(bot.services.repo)
    assert orders_in(store) == []
    click(player, slack, GROUP_APPROVER, card, ids.APPROVE)
    wait_until(lambda: orders_in(store), "the order")
    [order] = orders_in(store)
    assert order["billing_address"]["street_1"] == "14 Main St"
    assert order["external_order_id"] == card["ref"]  # Edit kept the reference


def test_an_edit_may_keep_its_own_transaction_id_but_not_take_another_requests(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    other = submit_request(player, slack, transaction_id="BT-2")
    card = submit_request(player, slack)
    view = edit_form(player, slack, card)

    taken = player.submit(REQUESTER, view, {"transaction_id": "bt-2"})

    assert taken.json()["response_action"] == "errors"
    assert "already booked" in taken.json()["errors"]["transaction_id"]
    assert other["ref"] != card["ref"]
    kept = player.submit(REQUESTER, view, {"notes": "Same payment, new note"})
    assert kept.status_code == 200 and not kept.content, kept.text
    wait_card(slack, card["ts"], "Same payment, new note")


def test_an_edit_form_opened_before_a_decision_saves_nothing_after_it(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack, amount_paid="50.00")  # one approval
    view = edit_form(player, slack, card)
    click(player, slack, APPROVER, card, ids.APPROVE)
    wait_card(slack, card["ts"], "*Approved*")

    late = player.submit(REQUESTER, view, {"city": "Dallas"})

    assert late.json()["response_action"] == "errors"
    assert "was already approved" in late.json()["errors"]["items"]
    assert bot.services.repo.get(card["ref"]).request.address.city == "Austin"  # type: ignore[union-attr]
    assert "edited" not in actions_of(bot, card["ref"])
    click(player, slack, REQUESTER, card, ids.EDIT)
    wait_until(lambda: told(slack, REQUESTER, "can no longer be edited"), "a refusal")


def test_cancel_and_approve_at_once_leave_one_outcome(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack, amount_paid="50.00")  # one approval decides
    at_once(lambda: player.click(REQUESTER, APPROVALS, card, ids.CANCEL, card["ref"]),
            lambda: player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]))

    wait_until(lambda: bot.services.repo.get(card["ref"]).state  # type: ignore[union-attr]
               not in (RequestState.PENDING, RequestState.APPROVED), "an outcome")
    settle(bot.services.repo)
    stored = bot.services.repo.get(card["ref"])
    assert stored is not None
    trail = actions_of(bot, card["ref"])
    if stored.state == RequestState.CANCELLED:
        assert orders_in(store) == [] and "approved" not in trail
        wait_until(lambda: told(slack, APPROVER, "cancelled by its requester"), "a refusal")
    else:
        assert stored.state == RequestState.ORDERED and len(orders_in(store)) == 1
        assert "cancelled" not in trail
        wait_until(lambda: told(slack, REQUESTER, "can no longer be edited or cancelled"),
                   "a refusal")


def test_a_retried_cancel_is_done_once(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    first = player.click(REQUESTER, APPROVALS, card, ids.CANCEL, card["ref"])
    player.retry(first)
    player.replay(first)

    wait_card(slack, card["ts"], "*Cancelled*")
    settle(bot.services.repo)
    assert actions_of(bot, card["ref"]).count("cancelled") == 1
    assert told(slack, REQUESTER, "already cancelled") == []


def test_an_edit_racing_the_second_approval_leaves_one_outcome(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card, view = approved_once_then_opened_for_editing(player, slack)

    edit, _ = at_once(
        lambda: player.submit(REQUESTER, view, {"city": "Dallas"}),
        lambda: player.click(GROUP_APPROVER, APPROVALS, card, ids.APPROVE, card["ref"]))

    # The approval was made on the card as it was before the edit: it is the second approval
    # when it came first, and refused when the edit came first.
    refused = "was edited after the card you clicked was shown"
    wait_until(lambda: told(slack, GROUP_APPROVER, refused) or any(
        a["actor"] == GROUP_APPROVER and a["action"] == "approved"
        for a in bot.services.repo.audit_trail(ref=card["ref"])), "the approval's outcome")
    settle(bot.services.repo)
    stored = bot.services.repo.get(card["ref"])
    assert stored is not None
    trail = actions_of(bot, card["ref"])
    if stored.state == RequestState.PENDING:  # the edit won; the stale approval counts for none
        assert not edit.content and stored.request.address.city == "Dallas"
        assert stored.approvers == () and orders_in(store) == []
        assert trail.count("edited") == 1 and told(slack, GROUP_APPROVER, refused)
    else:  # the approval won: the order is what was approved, and the edit said so
        assert stored.state == RequestState.ORDERED and len(orders_in(store)) == 1
        assert stored.request.address.city == "Austin" and "edited" not in trail
        assert "was already approved" in edit.json()["errors"]["items"]


def test_a_cancelled_request_leaves_the_approvers_homes_and_an_edit_shows_there(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    assert player.open_home(APPROVER, slack.home(APPROVER)).status_code == 200
    wait_home(slack, APPROVER, card["ref"])
    assert player.open_home(REQUESTER, slack.home(REQUESTER)).status_code == 200
    wait_home(slack, REQUESTER, f"*{card['ref']}* · Pending")
    settled(bot)

    player.submit(REQUESTER, edit_form(player, slack, card), {"amount_paid": "61.00"})
    wait_home(slack, APPROVER, "61.00")
    click(player, slack, REQUESTER, card, ids.CANCEL)

    assert waiting_refs(wait_home(slack, APPROVER, "Waiting for you", absent=card["ref"])) == []
    wait_home(slack, REQUESTER, f"*{card['ref']}* · Cancelled")


def test_find_a_product_in_the_edit_form_adds_to_the_items_it_shows(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    ready(bot)
    card = submit_request(player, slack)
    edit_form(player, slack, card)
    view = slack.open_view(slack.views[-1]["id"])
    player.choose(REQUESTER, view, ids.FIND_PRODUCT,
                  options(player, view, ids.FIND_PRODUCT, "BEANIE")[0])
    after = updated_view(slack, 1)
    assert after["title"]["text"] == "Edit request"
    slack.type_into(after["id"], {"amount_paid": "80.98"})

    answer = player.submit_view(REQUESTER, slack.open_view(after["id"]))

    assert answer.status_code == 200 and not answer.content, answer.text
    text = wait_card(slack, card["ts"], "BEANIE-GRY")
    assert "TSHIRT-RED-M" in text and "MUG-WHT" in text and ":pencil2: Edited" in text
    assert len(slack.messages(APPROVALS)) == 1


def test_an_older_edit_form_never_overwrites_a_newer_edit(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    older = edit_form(player, slack, card)
    newer = edit_form(player, slack, card)
    saved = player.submit(REQUESTER, newer, {"city": "Dallas"})
    assert saved.status_code == 200 and not saved.content, saved.text
    wait_card(slack, card["ts"], "Dallas")

    stale = player.submit(REQUESTER, older, {"city": "Houston"})

    assert "saved from another Edit form" in stale.json()["errors"]["items"]
    assert bot.services.repo.get(card["ref"]).request.address.city == "Dallas"  # type: ignore[union-attr]
    again = edit_form(player, slack, card)  # opened after the edit: it may save
    assert player.submit(REQUESTER, again, {"city": "Houston"}).content == b""
    wait_card(slack, card["ts"], "Houston")


def test_an_edit_form_submitted_by_someone_else_changes_nothing(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    view = edit_form(player, slack, card)

    forged = player.submit(APPROVER, view, {"amount_paid": "1.00"})

    assert f"Only <@{REQUESTER}>" in forged.json()["errors"]["items"]
    assert str(bot.services.repo.get(card["ref"]).request.amount_paid) == "56.98"  # type: ignore[union-attr]
