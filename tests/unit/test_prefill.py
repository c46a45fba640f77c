"""Edit's form, filled in from the stored request: read back, it asks for the same request."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from bot.views import overlong_input, request_modal
from commands.models import OrderRequest, RequestForm
from commands.prefill import form_of
from commands.validation import FormTerms, validate_request
from tests.unit.test_validation import GOOD, FakeBookings, FakeCatalog
from tests.unit.test_validation_money import ENTRIES

TERMS = FormTerms(storefronts=((1, "Main store"), (2, "Wholesale")))
BASE = {**GOOD, "storefront": "1"}


def validated(form: RequestForm) -> OrderRequest:
    result = validate_request(form, lookup=FakeCatalog(ENTRIES), payment_booked=FakeBookings(),
                              terms=TERMS)
    assert isinstance(result, OrderRequest), result
    return result


@pytest.mark.parametrize("changes", [
    {},
    {"items": 'TSHIRT-RED-M x 2 @ 15.00 {Color: Red}\n"Setup fee" x 1 @ 20\n'
              "BOTTLE-ENG x 1 {Engraving: For Ada, with love}", "amount_paid": "95.00"},
    {"items": "MUG-WHT x 3 {Gift wrap: Yes}", "discount": "4.50", "tax": "8.25%",
     "shipping_cost": "0", "amount_paid": "34.00", "storefront": "2",
     "notes": "Two lines\nof notes"},
    {"tax": "3.10", "phone": "+1 512 555 0100", "order_status": "10"},
])
def test_the_filled_in_form_asks_for_the_same_request(changes: dict[str, str]) -> None:
    request = validated(RequestForm(**{**BASE, **changes}))
    assert validated(form_of(request)) == request


def test_catalog_lines_keep_the_price_they_were_requested_at() -> None:
    request = validated(RequestForm(**BASE))
    cheaper = {**ENTRIES, "TSHIRT-RED-M": replace(ENTRIES["TSHIRT-RED-M"],
                                                  price=Decimal("9.99"))}
    again = validate_request(form_of(request), lookup=FakeCatalog(cheaper),
                             payment_booked=FakeBookings(), terms=TERMS)
    assert isinstance(again, OrderRequest)
    assert again.total == request.total


def test_the_edit_form_shows_the_answers_and_says_what_saving_does() -> None:
    request = validated(RequestForm(**{**BASE, "storefront": "2"}))
    view = request_modal(origin_channel="C1", storefronts=TERMS.storefronts, editing="PO-AB",
                         answers=form_of(request))
    shown = {b["block_id"]: b["element"].get("initial_option", {}).get("value")
             or b["element"].get("initial_value")
             for b in view["blocks"] if b["type"] == "input"}
    assert shown["storefront"] == "2" and shown["payment_method"] == GOOD["payment_method"]
    assert shown["transaction_id"] == GOOD["transaction_id"]
    assert "clears any approval" in view["blocks"][0]["elements"][0]["text"]
    assert (view["title"]["text"], view["submit"]["text"]) == ("Edit request", "Save changes")
    assert overlong_input(view) is None


def test_a_payment_method_no_longer_offered_is_left_to_choose() -> None:
    request = validated(RequestForm(**BASE))
    view = request_modal(origin_channel=None, payment_methods=("Cash",), editing="PO-AB",
                         answers=form_of(request))
    [method] = [b for b in view["blocks"] if b.get("block_id") == "payment_method"]
    assert "initial_option" not in method["element"]


def test_an_answer_longer_than_its_input_is_named() -> None:
    view = request_modal(origin_channel=None, editing="PO-AB",
                         answers=RequestForm(items="X x 1\n" * 600))
    assert overlong_input(view) == "Items"


def test_a_long_request_is_written_the_short_way_and_still_reads_back_the_same() -> None:
    # 100 lines the form took (under 3,000 characters), too long with every price written out.
    typed = "\n".join(f"BOTTLE-ENG {{Engraving: {n:03}}}" for n in range(100))
    request = validated(RequestForm(**{**BASE, "items": typed, "amount_paid": "2505.00"}))
    answers = form_of(request)
    assert answers.items is not None and len(answers.items) <= 3000
    assert answers.items.splitlines()[0] == "BOTTLE-ENG {Engraving: 000}"
    assert validated(answers) == request
