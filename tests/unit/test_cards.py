"""The request card: what each state shows, user text escaped, Block Kit limits kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot import ids
from bot.cards import order_status_text, request_card, requester_notice, shipment_reply
from bot.text import code, escape
from commands import bigcommerce_answers as answers
from commands.models import Address, LineItem, OrderRequest, RequestState
from commands.repository import StoredRequest
from commands.shipping import OrderView
from sandbox.slack import render_blocks

NASTY = "<!channel> <@U123> <http://x|y> & co"
NASTY_ESCAPED = "&lt;!channel&gt; &lt;@U123&gt; &lt;http://x|y&gt; &amp; co"
CONTROL_PANEL = "https://store-abc.mybigcommerce.com"


def item(n: int = 0, *, sku: str = "TSHIRT-RED-M", name: str = "Classic T-Shirt",
         quantity: int = 2, price: str = "19.99") -> LineItem:
    return LineItem(sku=sku if n == 0 else f"{sku}-{n}", name=name, product_id=111 + n,
                    variant_id=201 + n, quantity=quantity, unit_price=Decimal(price))


def stored_request(*, state: RequestState = RequestState.PENDING, items: tuple[LineItem, ...]
                   = (), amount_paid: str = "44.98", first_name: str = "Jane",
                   last_name: str = "Doe", transaction_id: str = "BT-1", notes: str = "",
                   **fields: Any) -> StoredRequest:
    address = Address(first_name=first_name, last_name=last_name, street_1="12 Main St",
                      city="Austin", state="Texas", zip="78701", country="United States",
                      country_iso2="US", email="jane@example.com")
    request = OrderRequest(
        customer_email="jane@example.com", address=address, items=items or (item(),),
        shipping_cost=Decimal("5.00"), payment_method="Bank transfer",
        transaction_id=transaction_id, amount_paid=Decimal(amount_paid), status_id=11,
        notes=notes,
    )
    values: dict[str, Any] = dict(
        ref="PO-ABCD2345", state=state, requester_id="U0REQ", origin_channel="C0SALES",
        request=request, currency="USD", created_at=datetime(2024, 5, 1, tzinfo=UTC),
        decided_by=None, decided_at=None, reject_reason=None, card_channel=None,
        card_ts=None, order_id=None, order_status_id=None, order_status=None,
        order_total=None, order_currency=None, problem=None,
    )
    values.update(fields)
    return StoredRequest(**values)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn / plain text string in the blocks."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


# -- per state -----------------------------------------------------------------------------


def test_a_pending_card_has_approve_reject_edit_and_cancel_with_the_ref() -> None:
    text, blocks = request_card(stored_request())
    assert [(b["text"]["text"], b["value"], b["action_id"]) for b in buttons(blocks)] == [
        ("Approve", "PO-ABCD2345", ids.APPROVE), ("Reject", "PO-ABCD2345", ids.REJECT),
        ("Edit", "PO-ABCD2345", ids.EDIT), ("Cancel", "PO-ABCD2345", ids.CANCEL)]
    shown = render_blocks(blocks)
    for words in ("PO-ABCD2345", "<@U0REQ>", "Jane", "Doe", "jane@example.com",
                  "Classic T-Shirt", "TSHIRT-RED-M", "× 2", "19.99", "39.98", "Shipping: 5.00",
                  "44.98 USD", "Bank transfer", "BT-1", "Awaiting Fulfillment"):
        assert words in shown, words
    assert "waiting for approval" in text


def test_an_approved_card_has_no_buttons_and_says_the_order_is_coming() -> None:
    _, blocks = request_card(stored_request(state=RequestState.APPROVED, decided_by="U0APPROVER"))
    assert buttons(blocks) == []
    assert "Approved* by <@U0APPROVER> · creating the BigCommerce order" in render_blocks(blocks)


def test_an_ordered_card_shows_the_order_id_status_and_control_panel_link() -> None:
    stored = stored_request(state=RequestState.ORDERED, decided_by="U0APPROVER", order_id=105,
                            order_status_id=11, order_status="Awaiting Fulfillment")
    text, blocks = request_card(stored, control_panel_url=CONTROL_PANEL + "/")
    assert buttons(blocks) == []
    last = blocks[-1]["text"]["text"]
    assert f"<{CONTROL_PANEL}/manage/orders/105|#105>" in last
    assert "Status: *Awaiting Fulfillment*" in last
    assert "<@U0APPROVER>" in last
    assert "#105" in text and "Awaiting Fulfillment" in text


def test_an_ordered_card_without_a_control_panel_still_shows_the_id() -> None:
    stored = stored_request(state=RequestState.ORDERED, decided_by="U0APPROVER", order_id=105,
                            order_status_id=11, order_status="Awaiting Fulfillment")
    _, blocks = request_card(stored)
    assert "order *#105*" in blocks[-1]["text"]["text"]


def test_a_rejected_card_shows_who_and_why() -> None:
    stored = stored_request(state=RequestState.REJECTED, decided_by="U0APPROVER",
                            reject_reason="Amount doesn't match the invoice")
    _, blocks = request_card(stored)
    assert buttons(blocks) == []
    assert blocks[-1]["text"]["text"] == (
        ":x: *Rejected* by <@U0APPROVER>: Amount doesn't match the invoice")


def test_a_failed_card_says_a_person_must_look() -> None:
    stored = stored_request(state=RequestState.FAILED, decided_by="U0APPROVER",
                            problem="BigCommerce refused the order: out of stock.")
    _, blocks = request_card(stored)
    line = blocks[-1]["text"]["text"]
    assert buttons(blocks) == []
    assert "the order could not be recorded" in line
    assert "BigCommerce refused the order: out of stock." in line
    assert "A person needs to look at this." in line


def test_a_transient_problem_shows_while_retrying() -> None:
    problem = "BigCommerce is not answering — retrying; last try 10:42"
    stored = stored_request(state=RequestState.APPROVED, decided_by="U0APPROVER",
                            problem=problem)
    line = request_card(stored)[1][-1]["text"]["text"]
    assert line.endswith(f":warning: {problem}") and "creating the BigCommerce order" in line


def test_requester_notice_points_at_the_card_then_the_result() -> None:
    assert "<#C0APPROVALS>" in requester_notice(stored_request(),
                                                approval_channel="C0APPROVALS")
    ordered = stored_request(state=RequestState.ORDERED, decided_by="U0APPROVER", order_id=9,
                             order_status="Completed")
    assert "#9" in requester_notice(ordered, approval_channel="C0APPROVALS")


# -- amounts -------------------------------------------------------------------------------


def test_matching_amounts_are_ticked() -> None:
    shown = render_blocks(request_card(stored_request())[1])
    assert "Amount mismatch" not in shown
    assert "44.98 USD ✓" in shown


@pytest.mark.parametrize(("paid", "words"), [("40.00", "4.98 USD less"),
                                             ("50.00", "5.02 USD more")])
def test_an_amount_mismatch_is_flagged(paid: str, words: str) -> None:
    shown = render_blocks(request_card(stored_request(amount_paid=paid))[1])
    assert "Amount mismatch" in shown
    assert words in shown


# -- escaping ------------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(RequestState))
def test_user_text_is_escaped_in_every_block(state: RequestState) -> None:
    stored = stored_request(
        state=state, first_name=NASTY, last_name=NASTY, transaction_id=NASTY, notes=NASTY,
        items=(item(name=NASTY, sku="SKU<!here>"),), decided_by="U0APPROVER",
        reject_reason=NASTY, problem=NASTY, order_id=5, order_status=NASTY,
    )
    text, blocks = request_card(stored, control_panel_url=CONTROL_PANEL)
    for shown in [*texts(blocks), text]:
        assert "<!channel>" not in shown and "<!here>" not in shown, shown
        assert "<@U123>" not in shown and "<http://x|y>" not in shown, shown
        assert "& co" not in shown, shown
    everything = "\n".join(texts(blocks))
    assert everything.count(NASTY_ESCAPED) >= 4  # first, last name, transaction id, notes
    assert "SKU&lt;!here&gt;" in everything


# What a requester could type to take over Slack's formatting; each must show literally.
MARKUP = ["*bold*", "_italic_", "~struck~", "`code`", "```block```", "> quoted", ">>> all",
          "*a* _b_", "(*x*)"]
ZWSP = "\u200b"


def literal(shown: str, typed: str) -> bool:
    """`typed` is in `shown` letter for letter, yet neither formats nor quotes: formatting
    characters are fenced off by zero-width spaces and no line starts with ">" (bot/text.py)."""
    entities = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    quoted = any(line.lstrip().startswith("&gt;") for line in shown.splitlines())
    formatted = any(mark in typed for mark in "*_~`") and entities in shown
    return entities in shown.replace(ZWSP, "") and not quoted and not formatted


@pytest.mark.parametrize("markup", MARKUP)
def test_formatting_typed_by_users_shows_literally_on_the_card(markup: str) -> None:
    stored = stored_request(state=RequestState.REJECTED, first_name=markup, last_name="Doe",
                            notes=f"{markup}\n{markup}", decided_by="U0APPROVER",
                            reject_reason=markup, items=(item(name=markup),))
    text, blocks = request_card(stored)
    everything = "\n".join([*texts(blocks), text])
    for line in everything.splitlines():
        assert not line.lstrip().startswith("&gt;"), line  # would be a block quote
    shown = render_blocks(blocks)
    assert literal(shown, markup)
    assert shown.count(escape(markup)) >= 5  # first name, item, notes twice, reject reason
    assert "*Items*" in shown and "*Rejected*" in shown  # the card's own formatting stays


@pytest.mark.parametrize("markup", MARKUP)
def test_formatting_in_every_other_message_shows_literally(markup: str) -> None:
    shipment = {"shipment_id": 7, "carrier": markup, "tracking_number": markup,
                "items": [{"name": markup, "quantity": 1}]}
    view = OrderView(
        order=answers.order({"id": 100, "status_id": 11, "status": markup}, "GET", "/v2/orders"),
        products=[answers.order_product({"id": 1, "sku": markup, "quantity": 1}, "GET", "/p")],
        shipments=[answers.shipment({"id": 7, "order_id": 100, "shipping_provider": markup,
                                     "tracking_number": markup,
                                     "items": [{"order_product_id": 1, "quantity": 1}]},
                                    "GET", "/s")])
    rejected = stored_request(state=RequestState.REJECTED, decided_by="U0APPROVER",
                              reject_reason=markup)
    for shown in [shipment_reply(shipment), order_status_text(view, None),
                  requester_notice(rejected, approval_channel="C0APPROVALS")]:
        assert literal(shown, markup), shown


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("*_~`>&< \nab1(.:é"), max_size=40))
def test_escaped_text_loses_nothing_and_formats_nothing(typed: str) -> None:
    shown = escape(typed)
    assert "<" not in shown and shown.replace(ZWSP, "") == (
        typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    for i, ch in enumerate(shown):  # each mark is fenced wherever it could open or close
        if ch == "`":
            assert shown[i - 1] == ZWSP == shown[i + 1]
        elif ch in "*_~":
            before, after = shown[i - 1: i] or " ", shown[i + 1: i + 2] or " "
            assert (before == ZWSP or before.isalnum()) and (after == ZWSP or after.isalnum())
    assert not any(line.lstrip(" \t").startswith("&gt;") for line in shown.split("\n"))


def test_underscores_and_stars_inside_words_are_left_alone() -> None:
    # Slack formats only at word edges; inside a word nothing is added, so it copies exactly.
    for word in ["jane_doe@example.com", "INV_2024_001", "a*b", "x~y"]:
        assert escape(word) == word


def test_transaction_ids_and_skus_show_as_code_exactly_as_typed() -> None:
    stored = stored_request(transaction_id="TXN_*1*~2~", items=(item(sku="TEE_*M*"),))
    shown = render_blocks(request_card(stored)[1])
    assert "`TXN_*1*~2~`" in shown and "`TEE_*M*`" in shown
    assert code("A<b>&c") == "`A&lt;b&gt;&amp;c`"


def test_a_backtick_cannot_end_the_code_span_early() -> None:
    stored = stored_request(transaction_id="TX`*bold*`")
    shown = render_blocks(request_card(stored)[1])
    assert "`TX`" not in shown and literal(shown, "TX`*bold*`")


def test_the_requester_mention_is_a_real_mention() -> None:
    assert "<@U0REQ>" in render_blocks(request_card(stored_request())[1])


# -- Block Kit limits ----------------------------------------------------------------------


def _check_limits(blocks: list[dict[str, Any]], text: str) -> None:
    assert len(blocks) <= 50
    assert len(text) <= 4000
    for block in blocks:
        if block["type"] == "section":
            if "text" in block:
                assert len(block["text"]["text"]) <= 3000
            for field in block.get("fields", []):
                assert len(field["text"]) <= 2000
            assert len(block.get("fields", [])) <= 10
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "context":
            assert all(len(e["text"]) <= 3000 for e in block["elements"])
        for button in buttons([block]) if block["type"] == "actions" else []:
            assert len(button["text"]["text"]) <= 75
            assert len(button["value"]) <= 2000


@pytest.mark.parametrize("state", list(RequestState))
def test_a_100_item_request_still_fits(state: RequestState) -> None:
    many = tuple(item(n, name="Classic T-Shirt, Red, Medium", sku="TSHIRT-RED-M-2024",
                      quantity=10_000, price="9999.99") for n in range(100))
    stored = stored_request(
        state=state, items=many, first_name="F" * 255, last_name="L" * 255,
        transaction_id="T" * 100, notes="&" * 3000, amount_paid="9999999.99",
        decided_by="U0APPROVER", reject_reason="r" * 2000, problem="p" * 2000, order_id=1,
        order_status="Awaiting Fulfillment",
    )
    text, blocks = request_card(stored, control_panel_url=CONTROL_PANEL)
    _check_limits(blocks, text)
    assert render_blocks(blocks).count("• Classic T-Shirt, Red, Medium") == 100


def test_items_section_with_long_names_fits() -> None:
    many = tuple(item(n, name="Deluxe & Co. extra long product name " * 6, sku="S" * 40)
                 for n in range(20))
    text, blocks = request_card(stored_request(items=many))
    _check_limits(blocks, text)
    assert len(render_blocks(blocks).split("• ")) == 21  # every line shows


def test_every_line_of_a_hostile_100_line_request_shows_within_the_limits() -> None:
    many = tuple(item(n, name="<&>" * 80, sku="&<>" * 20) for n in range(100))
    text, blocks = request_card(stored_request(items=many))
    _check_limits(blocks, text)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert sum(len(part) for part in sections) < 20_000
    assert render_blocks(blocks).count("• ") == 100


def test_a_rejected_card_with_a_long_escaped_reason_fits() -> None:
    stored = stored_request(state=RequestState.REJECTED, decided_by="U0APPROVER",
                            reject_reason="R&D <see invoice> " * 110)
    text, blocks = request_card(stored)
    _check_limits(blocks, text)


@pytest.mark.parametrize("state", list(RequestState))
@pytest.mark.parametrize("mark", ["*", "`", "&", "> "])
def test_a_card_full_of_formatting_characters_still_fits(state: RequestState, mark: str) -> None:
    many = tuple(item(n, name=mark * 250, sku=(mark * 255)[:255]) for n in range(100))
    stored = stored_request(
        state=state, items=many, first_name=mark * 255, last_name=mark * 255,
        transaction_id=(mark * 100)[:100], notes=(mark * 3000)[:3000], decided_by="U0APPROVER",
        reject_reason=(mark * 2000)[:2000], problem=mark * 2000, order_id=1,
        order_status=mark * 64)
    text, blocks = request_card(stored, control_panel_url=CONTROL_PANEL)
    _check_limits(blocks, text)
    for block in blocks:  # slack_sdk's models enforce Block Kit's limits too
        Block.parse(block).to_dict()  # type: ignore[union-attr]


def test_a_card_is_the_same_every_time_it_is_rendered() -> None:
    stored = stored_request()
    assert request_card(stored) == request_card(replace(stored))


# -- two approvals ----------------------------------------------------------------------------


def test_a_card_with_one_of_two_approvals_says_so_and_keeps_its_buttons() -> None:
    stored = stored_request(approvals_needed=2, approvers=("U0APPROVER",))
    text, blocks = request_card(stored)
    shown = render_blocks(blocks)
    assert "1 of 2 approvals by <@U0APPROVER>" in shown
    assert [b["text"]["text"] for b in buttons(blocks)] == ["Approve", "Reject", "Edit",
                                                             "Cancel"]
    assert text.endswith("1 of 2 approvals by <@U0APPROVER>, waiting for a second approver")


def test_a_card_waiting_for_its_first_approval_shows_no_count() -> None:
    _, blocks = request_card(stored_request(approvals_needed=2))
    assert "approvals by" not in render_blocks(blocks)


def test_an_ordered_card_names_both_approvers() -> None:
    stored = stored_request(state=RequestState.ORDERED, approvals_needed=2,
                            approvers=("U0APPROVER", "U0GROUPIE"), decided_by="U0GROUPIE",
                            order_id=7, order_status="Awaiting Fulfillment")
    shown = render_blocks(request_card(stored)[1])
    assert "*Approved* by <@U0APPROVER> and <@U0GROUPIE> · BigCommerce order *#7*" in shown


def test_a_card_rejected_after_the_first_approval_says_so() -> None:
    stored = stored_request(state=RequestState.REJECTED, approvals_needed=2,
                            approvers=("U0APPROVER",), decided_by="U0GROUPIE",
                            reject_reason="No wire")
    shown = render_blocks(request_card(stored)[1])
    assert ("*Rejected* by <@U0GROUPIE> after 1 of 2 approvals by <@U0APPROVER>: No wire"
            in shown)


@pytest.mark.parametrize("state", list(RequestState))
def test_a_full_card_with_two_approvals_still_fits(state: RequestState) -> None:
    many = tuple(item(n, name="&" * 250, sku="S" * 255) for n in range(100))
    approvers = ("W" + "9" * 30, "U" + "8" * 30)
    stored = stored_request(
        state=state, items=many, first_name="&" * 255, last_name="&" * 255,
        transaction_id="T" * 100, notes="&" * 3000, decided_by=approvers[1],
        reject_reason="&" * 2000, problem="&" * 2000, order_id=1, order_status="&" * 64,
        approvals_needed=2,
        approvers=approvers[:1] if state in (RequestState.PENDING, RequestState.REJECTED)
        else approvers)
    text, blocks = request_card(stored, control_panel_url=CONTROL_PANEL)
    _check_limits(blocks, text)
    for block in blocks:
        Block.parse(block).to_dict()  # type: ignore[union-attr]


def test_a_cancelled_card_has_no_buttons_and_frees_the_transaction_id() -> None:
    stored = stored_request(state=RequestState.CANCELLED, decided_by="U0REQ",
                            approvals_needed=2, approvers=("U0APPROVER",))
    text, blocks = request_card(stored)
    assert buttons(blocks) == []
    assert ("*Cancelled* by <@U0REQ> after 1 of 2 approvals by <@U0APPROVER>; the transaction "
            "id is free again.") in render_blocks(blocks)
    assert text.endswith("— cancelled")


def test_an_edited_card_says_so_and_that_approvals_start_again() -> None:
    stored = stored_request(edited_at=datetime(2026, 12, 1, 17, 5, tzinfo=UTC))
    shown = render_blocks(request_card(stored)[1])
    assert ":pencil2: Edited by <@U0REQ>" in shown and "approvals start again" in shown
    assert "2026-12-01 17:05 UTC" in shown  # the fallback of Slack's date formatting
