"""Edit and Cancel as an attacker and a careless user would try them, over real HTTP with signed
Slack requests, on SQLite and PostgreSQL: forms Slack would refuse, round trips that must
change nothing, forged references, stale cards, and what the record keeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot import ids
from bot.runtime import Bot
from commands.models import RequestState
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import APPROVALS, APPROVER, GOOD_FORM, REQUESTER, submit_request
from tests.e2e.test_approval_flow import wait_card
from tests.e2e.test_edit_cancel import actions_of, click, edit_form, initial, told
from tests.reliability.conftest import orders_in, settle, wait_until

HIGH = "100000.00"  # one approval decides any of these requests


@pytest.fixture(params=[{}], ids=["one-storefront"])
def store(request: pytest.FixtureRequest) -> Iterator[SandboxServer]:
    server = SandboxServer(quota=0, **request.param).start()
    yield server
    server.stop()


@pytest.fixture
def bot(start_bot: Callable[..., Bot], database_url: str) -> Bot:
    return start_bot(database_url=database_url, paidorder_second_approval_over=HIGH)


def saved(response: Any) -> None:
    assert response.status_code == 200 and not response.content, response.text


def stored_request(bot: Bot, ref: str) -> dict[str, Any]:
    stored = bot.services.repo.get(ref)
    assert stored is not None
    return stored.request.model_dump(mode="json")


# ---- round trips -----------------------------------------------------------------------------

RICH = dict(
    phone="+1 512 555 0100",
    items=('TSHIRT-RED-M x 2 @ 18.50\nMUG-WHT {Gift wrap: Yes}\n'
           'BOTTLE-ENG x 1 {Engraving: To: Sam @ 10:30 "best" café}\n'
           '"Hand-made card {blue}" x 3 @ 2.5'),
    shipping_cost="7.25", discount="3", tax="8.25%", amount_paid="1,000.00",
    notes="Paid at the fair.\nSecond line.", transaction_id="BT-RICH",
)


def test_an_edit_saved_unchanged_stores_exactly_the_same_request(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack, **RICH)
    before = stored_request(bot, card["ref"])
    view = edit_form(player, slack, card)

    saved(player.submit(REQUESTER, view, {}))

    wait_card(slack, card["ts"], ":pencil2: Edited")
    assert stored_request(bot, card["ref"]) == before


@pytest.mark.parametrize("store", [{"tax_inclusive": True}], indirect=True,
                         ids=["tax-inclusive"])
def test_an_unchanged_edit_on_a_tax_inclusive_store_keeps_the_figures(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    bot.services.store_info.load()
    card = submit_request(player, slack, tax="4.00", amount_paid="56.98")
    before = stored_request(bot, card["ref"])
    saved(player.submit(REQUESTER, edit_form(player, slack, card), {}))
    wait_card(slack, card["ts"], ":pencil2: Edited")
    assert stored_request(bot, card["ref"]) == before


@pytest.mark.parametrize("store", [{"storefronts": 2}], indirect=True, ids=["two-storefronts"])
def test_an_edit_keeps_the_storefront(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    bot.services.store_info.load()
    card = submit_request(player, slack, storefront="2")
    view = edit_form(player, slack, card)
    assert initial(view).get("storefront") == "2"
    saved(player.submit(REQUESTER, view, {"city": "Dallas"}))
    wait_card(slack, card["ts"], "Dallas")
    assert bot.services.repo.get(card["ref"]).request.channel_id == 2  # type: ignore[union-attr]


def test_a_hundred_line_request_the_form_accepted_can_be_edited(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    # 100 lines, 2,799 characters: inside the Items input's 3,000, so Slack took them.
    items = "\n".join(f"BOTTLE-ENG {{Engraving: {n:03}}}" for n in range(100))
    assert len(items) <= 3000
    card = submit_request(player, slack, items=items, amount_paid="2505.00")
    assert len(bot.services.repo.get(card["ref"]).request.items) == 100  # type: ignore[union-attr]
    opened = len(slack.calls_to("views.open"))

    click(player, slack, REQUESTER, card, ids.EDIT)

    wait_until(lambda: len(slack.calls_to("views.open")) == opened + 1
               or told(slack, REQUESTER, "longer than the form can show"), "an answer")
    assert told(slack, REQUESTER, "longer than the form can show") == []
    view = slack.calls_to("views.open")[-1].args["view"]
    saved(player.submit(REQUESTER, view, {}))  # saved unchanged


# ---- what the approver approves --------------------------------------------------------------


def test_an_approval_clicked_on_a_card_drawn_before_an_edit_is_refused(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    """The requester edits right after the approver read the card (or while Slack is slow to
    take the card's update): the Approve click, made on the card as it was, must not create an
    order for items and an amount nobody approved."""
    card = submit_request(player, slack, amount_paid="50.00")
    gate = slack.hold_next("chat.update")  # the edited card has not reached Slack yet
    try:
        saved(player.submit(REQUESTER, edit_form(player, slack, card),
                            {"items": "TSHIRT-RED-M x 40", "amount_paid": "50.00"}))
        wait_until(lambda: "edited" in actions_of(bot, card["ref"]), "the edit")
        shown = render_blocks(slack.message(APPROVALS, card["ts"]).blocks)
        assert "× 40" not in shown  # what the approver sees, and clicks Approve on
        click(player, slack, APPROVER, card, ids.APPROVE)
        wait_until(lambda: bot.services.repo.get(card["ref"]).state  # type: ignore[union-attr]
                   != RequestState.PENDING or told(slack, APPROVER, card["ref"]),
                   "an answer to the approval")
    finally:
        gate.set()
    settle(bot.services.repo)
    orders = orders_in(store)
    assert orders == [], (f"order total {[o['total_inc_tax'] for o in orders]} for what the "
                          "approver never saw")
    assert told(slack, APPROVER, "was edited after the card you clicked was shown")
    click(player, slack, APPROVER, card, ids.APPROVE)  # on the card as it reads now
    wait_until(lambda: orders_in(store), "the order of what the card shows")


# ---- the record ------------------------------------------------------------------------------


def test_the_audit_log_keeps_what_an_edit_replaced(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack, notes="Original note")
    saved(player.submit(REQUESTER, edit_form(player, slack, card),
                        {"items": "BEANIE-GRY x 1", "street": "99 Other Rd",
                         "email": "sam@example.com", "notes": "Changed"}))
    wait_card(slack, card["ts"], "99 Other Rd")

    trail = repr(bot.services.repo.audit_trail(ref=card["ref"]))
    # Before the edit the request asked for TSHIRT-RED-M and MUG-WHT for jane@ at 12 Main St;
    # the request's row now says otherwise, so the audit log must keep it.
    missing = [w for w in ("TSHIRT-RED-M", "MUG-WHT", "12 Main St", "jane@example.com")
               if w not in trail]
    assert missing == [], f"the audit log no longer knows {missing}"


# ---- more round trips and forms Slack would refuse --------------------------------------------


def test_a_removed_payment_method_is_chosen_anew(
    start_bot: Callable[..., Bot], slack: SlackStandIn
) -> None:
    first = start_bot(paidorder_second_approval_over=HIGH)
    player = SlackRequests(first.url, "test-signing-secret", team_id=slack.team_id,
                           response_url=slack.response_url("test", channel="C0SALES"))
    card = submit_request(player, slack, payment_method="Cash")
    first.stop()
    later = start_bot(paidorder_second_approval_over=HIGH,
                      paidorder_payment_methods="Bank transfer,Invoice")
    player = SlackRequests(later.url, "test-signing-secret", team_id=slack.team_id,
                           response_url=slack.response_url("test", channel="C0SALES"))
    view = edit_form(player, slack, card)
    assert "payment_method" not in initial(view)
    refused = player.submit(REQUESTER, view, {}).json()
    assert refused["response_action"] == "errors" and "payment_method" in refused["errors"]
    saved(player.submit(REQUESTER, view, {"payment_method": "Invoice"}))
    wait_card(slack, card["ts"], "Invoice")


def test_a_forged_edit_reference_cannot_touch_another_users_request(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    import json
    card = submit_request(player, slack)
    view = edit_form(player, slack, card)
    for forged in ({"edit": card["ref"], "seen": "garbage"},
                   {"edit": {"ref": card["ref"]}},
                   {"edit": card["ref"].lower()},
                   {"edit": card["ref"] + "' OR 1=1 --"}):
        answer = player.submit(APPROVER, {**view, "private_metadata": json.dumps(forged)},
                               {"amount_paid": "1.00"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["response_action"] == "errors", answer.text
    assert str(bot.services.repo.get(card["ref"]).request.amount_paid) == "56.98"  # type: ignore[union-attr]
    own = player.submit(REQUESTER, {**view, "private_metadata": json.dumps(
        {"edit": card["ref"], "seen": "2020-01-01T00:00:00+00:00"})}, {"amount_paid": "1.00"})
    assert own.json()["response_action"] == "errors"
    assert str(bot.services.repo.get(card["ref"]).request.amount_paid) == "56.98"  # type: ignore[union-attr]


# ---- cancel --------------------------------------------------------------------------------


def test_cancel_after_a_first_approval_and_the_metrics(
    start_bot: Callable[..., Bot], slack: SlackStandIn, store: SandboxServer, database_url: str
) -> None:
    import requests as http
    bot = start_bot(database_url=database_url,
                    paidorder_second_approval_over=GOOD_FORM["amount_paid"])
    player = SlackRequests(bot.url, "test-signing-secret", team_id=slack.team_id,
                           response_url=slack.response_url("test", channel="C0SALES"))
    card = submit_request(player, slack)
    click(player, slack, APPROVER, card, ids.APPROVE)
    wait_card(slack, card["ts"], "1 of 2 approvals")
    saved(player.submit(REQUESTER, edit_form(player, slack, card), {"city": "Dallas"}))
    wait_card(slack, card["ts"], "Dallas")
    click(player, slack, APPROVER, card, ids.APPROVE)
    wait_card(slack, card["ts"], "1 of 2 approvals")
    click(player, slack, REQUESTER, card, ids.CANCEL)
    text = wait_card(slack, card["ts"], "*Cancelled*")
    assert f"after 1 of 2 approvals by <@{APPROVER}>" in text
    settle(bot.services.repo)
    metrics = http.get(f"{bot.url}/metrics", timeout=5).text
    assert 'paidorder_requests_total{outcome="edited"} 1.0' in metrics
    assert 'paidorder_requests_total{outcome="cancelled"} 1.0' in metrics
    assert orders_in(store) == []


def test_cancel_of_a_request_whose_card_is_not_posted_yet(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    slack.fail_next("chat.postMessage", error="internal_error", times=3)
    view = __import__("tests.conftest", fromlist=["open_form"]).open_form(player, slack)
    saved(player.submit(REQUESTER, view, GOOD_FORM))
    wait_until(lambda: bot.services.repo.audit_trail(), "the request")
    ref = bot.services.repo.audit_trail()[0]["ref"]
    fake = {"ts": "1.0", "text": "", "blocks": [], "ref": ref}
    answer = player.click(REQUESTER, APPROVALS, fake, ids.CANCEL, ref)
    assert answer.status_code == 200, answer.text
    wait_until(lambda: bot.services.repo.get(ref).state == RequestState.CANCELLED,  # type: ignore[union-attr]
               "the cancel")
    wait_until(lambda: slack.messages(APPROVALS), "the card", timeout=30)
    [card] = slack.messages(APPROVALS)
    shown = wait_card(slack, card.ts, "*Cancelled*")
    assert "Approve" not in shown, shown


def test_the_export_names_only_the_approvers_of_what_was_ordered(
    start_bot: Callable[..., Bot], slack: SlackStandIn, store: SandboxServer, database_url: str
) -> None:
    """APPROVER gives the first of two approvals; the requester then edits the request down
    below the threshold, which clears that approval; GROUP_APPROVER alone approves the order,
    and the CSV says so."""
    from tests.conftest import GROUP_APPROVER
    from tests.e2e.test_export import ask, exported, rows_of
    bot = start_bot(database_url=database_url, paidorder_second_approval_over="55.00")
    player = SlackRequests(bot.url, "test-signing-secret", team_id=slack.team_id,
                           response_url=slack.response_url("test", channel="C0SALES"))
    card = submit_request(player, slack)  # 56.98: two approvals
    click(player, slack, APPROVER, card, ids.APPROVE)
    wait_card(slack, card["ts"], "1 of 2 approvals")
    saved(player.submit(REQUESTER, edit_form(player, slack, card),
                        {"items": "TSHIRT-RED-M x 2", "amount_paid": "44.98"}))
    wait_card(slack, card["ts"], ":pencil2: Edited")
    click(player, slack, GROUP_APPROVER, card, ids.APPROVE)
    wait_until(lambda: orders_in(store), "the order")
    text = wait_card(slack, card["ts"], "Status:")
    assert f"*Approved* by <@{GROUP_APPROVER}> ·" in text  # the card has it right

    exporter = SlackRequests(bot.url, "test-signing-secret", team_id=slack.team_id,
                             response_url=slack.response_url("export", channel="C0SALES"))
    ask(exporter, slack, APPROVER, "export")
    [row] = rows_of(exported(slack, APPROVER))
    assert row["approvers"] == GROUP_APPROVER, row


def test_an_edit_may_clear_the_optional_fields(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack, discount="2.00", tax="10%", phone="+1 512 555 0100",
                          notes="note", amount_paid="60.18")
    saved(player.submit(REQUESTER, edit_form(player, slack, card),
                        {"discount": None, "tax": None, "phone": None, "notes": None,
                         "amount_paid": "56.98"}))
    text = wait_card(slack, card["ts"], ":pencil2: Edited")
    request = bot.services.repo.get(card["ref"]).request  # type: ignore[union-attr]
    assert (request.discount, request.tax, request.address.phone, request.notes) == (0, None,
                                                                                     "", "")
    assert "Tax" not in text and "Discount" not in text and "note" not in text


def test_a_retried_edit_click_opens_one_form_and_says_nothing(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    before = len(slack.calls_to("views.open"))
    said = len(slack.ephemerals)
    first = player.click(REQUESTER, APPROVALS, card, ids.EDIT, card["ref"])
    player.retry(first)
    player.retry(first, attempt=2)
    slack.wait_for("views.open", count=before + 1)
    settle(bot.services.repo)
    import time
    time.sleep(1)
    assert len(slack.calls_to("views.open")) == before + 1
    assert [e.text for e in slack.ephemerals[said:] if e.user == REQUESTER
            and "waiting for approval" not in e.text] == []


def test_an_edit_racing_a_rejection_leaves_one_outcome(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    from tests.reliability.test_exactly_once import at_once
    for round_ in range(3):
        card = submit_request(player, slack, transaction_id=f"BT-R{round_}")
        form = edit_form(player, slack, card)
        before = len(slack.calls_to("views.open"))
        click(player, slack, APPROVER, card, ids.REJECT)
        reason_view = slack.wait_for("views.open", count=before + 1)[-1].args["view"]
        edited, rejected = at_once(
            lambda form=form: player.submit(REQUESTER, form, {"city": "Dallas"}),
            lambda reason_view=reason_view: player.submit(APPROVER, reason_view,
                                                          {"reason": "Wrong customer"}))
        assert rejected.status_code == 200 and not rejected.content, rejected.text
        settle(bot.services.repo)
        stored = bot.services.repo.get(card["ref"])
        assert stored is not None and stored.state == RequestState.REJECTED
        trail = actions_of(bot, card["ref"])
        if edited.content:  # the rejection came first
            assert "already rejected" in edited.json()["errors"]["items"], edited.text
            assert "edited" not in trail and stored.request.address.city == "Austin"
        else:
            assert trail.index("edited") < trail.index("rejected")
        assert "*Rejected*" in wait_card(slack, card["ts"], "*Rejected*")


def test_an_edit_above_the_second_approval_threshold_needs_two_approvals(
    start_bot: Callable[..., Bot], slack: SlackStandIn, store: SandboxServer, database_url: str
) -> None:
    from tests.conftest import GROUP_APPROVER
    bot = start_bot(database_url=database_url, paidorder_second_approval_over="55.00")
    player = SlackRequests(bot.url, "test-signing-secret", team_id=slack.team_id,
                           response_url=slack.response_url("test", channel="C0SALES"))
    card = submit_request(player, slack, items="TSHIRT-RED-M x 2", amount_paid="44.98")
    saved(player.submit(REQUESTER, edit_form(player, slack, card),
                        {"items": "TSHIRT-RED-M x 2\nMUG-WHT", "amount_paid": "56.98"}))
    wait_card(slack, card["ts"], "Mug")
    click(player, slack, APPROVER, card, ids.APPROVE)
    wait_card(slack, card["ts"], "1 of 2 approvals")
    settle(bot.services.repo)
    assert orders_in(store) == []
    click(player, slack, GROUP_APPROVER, card, ids.APPROVE)
    wait_until(lambda: orders_in(store), "the order")
    [order] = orders_in(store)
    assert order["total_inc_tax"] in ("56.9800", "56.98")
