"""The second version's form: prices as charged, custom lines, options, discount, tax,
storefronts, the settings' payment methods, and the customer resolved at submission."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from commands.items import Choice
from commands.models import FormField, OrderRequest, RequestForm
from commands.validation import (
    DEFAULT_TERMS,
    CatalogEntry,
    CatalogUnavailable,
    FormTerms,
    validate_request,
)
from tests.unit.test_validation import CATALOG, GOOD, FakeBookings, FakeCatalog

D = Decimal
BOTTLE = CatalogEntry("BOTTLE-ENG", "Engraved Water Bottle", 116, 209, D("25.00"), True,
                      modifiers=(Choice(301, "Engraving", required=True, is_text=True),))
MUG = CatalogEntry("MUG-WHT", "Ceramic Mug", 113, 205, D("12.00"), True,
                   modifiers=(Choice(302, "Gift wrap", required=False,
                                     values=(("Yes", 3021), ("No", 3022))),))
TSHIRT = CatalogEntry("TSHIRT-RED-M", "Classic T-Shirt", 111, 201, D("19.99"), True,
                      variant_options=(Choice(101, "Color", required=False,
                                              values=(("Red", 1001),)),))
ENTRIES = {**CATALOG, "BOTTLE-ENG": BOTTLE, "MUG-WHT": MUG, "TSHIRT-RED-M": TSHIRT}


def validate(*, terms: FormTerms = DEFAULT_TERMS, customer: Any = None,
             **changes: str | None) -> OrderRequest | dict[str, str]:
    return validate_request(RequestForm(**{**GOOD, **changes}), lookup=FakeCatalog(ENTRIES),
                            payment_booked=FakeBookings(), terms=terms, customer=customer)


def ok(**changes: Any) -> OrderRequest:
    result = validate(**changes)
    assert isinstance(result, OrderRequest), result
    return result


def error(field: FormField, **changes: Any) -> str:
    result = validate(**changes)
    assert isinstance(result, dict) and field in result, result
    return result[field]


def test_a_price_as_charged_keeps_the_catalog_price_beside_it() -> None:
    request = ok(items="TSHIRT-RED-M x 2 @ 15.00", amount_paid="35.00")
    [line] = request.items
    assert (line.unit_price, line.catalog_price, line.negotiated) == (D("15.00"), D("19.99"),
                                                                     True)
    assert request.total == D("35.00") and request.amount_mismatch == 0


def test_a_custom_line_is_not_looked_up() -> None:
    catalog = FakeCatalog(ENTRIES)
    result = validate_request(RequestForm(**{**GOOD, "items": '"Setup fee" x 1 @ 20'}),
                              lookup=catalog, payment_booked=FakeBookings())
    assert isinstance(result, OrderRequest)
    [line] = result.items
    assert line.custom and (line.name, line.sku, line.unit_price) == ("Setup fee", "", D("20"))
    assert catalog.asked == []


def test_modifiers_are_matched_and_a_required_one_is_named() -> None:
    request = ok(items="BOTTLE-ENG {Engraving: For Sam}\nMUG-WHT {gift wrap: yes}")
    bottle, mug = request.items
    assert [(o.id, o.value, o.label) for o in bottle.options] == [(301, "For Sam", "For Sam")]
    assert [(o.id, o.value, o.label) for o in mug.options] == [(302, "3021", "Yes")]
    assert error(FormField.ITEMS, items="TSHIRT-RED-M\nBOTTLE-ENG x 2") == (
        "Line 2: BOTTLE-ENG needs Engraving: add {Engraving: …}.")


def test_a_variant_option_must_agree_with_the_sku_and_is_not_sent() -> None:
    [line] = ok(items="TSHIRT-RED-M {Color: red}").items
    assert line.options == ()
    assert "not a Color of TSHIRT-RED-M" in error(FormField.ITEMS,
                                                  items="TSHIRT-RED-M {Color: Blue}")


def test_the_same_line_twice_is_one_line_but_other_prices_or_options_are_not() -> None:
    request = ok(items="MUG-WHT\nMUG-WHT x 2\nMUG-WHT @ 10\nMUG-WHT {Gift wrap: No}")
    assert [(line.quantity, line.unit_price, len(line.options)) for line in request.items] == [
        (3, D("12.00"), 0), (1, D("10"), 0), (1, D("12.00"), 1)]


def test_discount_and_tax_rate_on_a_tax_exclusive_store() -> None:
    request = ok(discount="5.00", tax="8.25%")
    money = request.figures
    assert (money.subtotal, money.discount, money.shipping) == (D("51.98"), D("5.00"),
                                                                D("5.00"))
    assert money.tax == D("4.29") and request.total == D("56.27")
    assert request.amount_mismatch == D("0.71")  # 56.98 paid


def test_tax_on_a_tax_inclusive_store_is_the_part_of_the_total() -> None:
    request = ok(tax="19 %", terms=FormTerms(tax_inclusive=True))
    assert request.tax_inclusive and request.total == D("56.98")
    assert request.figures.tax == D("9.10")  # 56.98 − 56.98 / 1.19 = 9.0976…


def test_a_tax_amount_is_taken_as_given() -> None:
    assert ok(tax="4.95").total == D("61.93")


@pytest.mark.parametrize("tax, message", [
    ("101%", "A tax rate is from 0% to 100%."),
    ("-5%", "Tax is a rate like 8.25% or an amount like 4.95."),
    ("eight", "Tax is a rate like 8.25% or an amount like 4.95."),
    ("1e2", "Tax is a rate like 8.25% or an amount like 4.95."),
    ("4.955", "Tax is a rate like 8.25% or an amount like 4.95."),
])
def test_a_bad_tax_is_an_inline_error(tax: str, message: str) -> None:
    assert error(FormField.TAX, tax=tax) == message


def test_a_discount_can_not_be_more_than_items_and_shipping() -> None:
    assert ok(discount="56.98", amount_paid="0.01").total == D("0.00")
    assert error(FormField.DISCOUNT, discount="56.99") == (
        "The discount can't be more than the items plus shipping.")
    assert error(FormField.DISCOUNT, discount="-1") == "Discount can't be negative."


def test_a_tax_amount_larger_than_an_inclusive_total_is_refused() -> None:
    assert "can't be more than the order's total" in error(
        FormField.TAX, tax="60.00", terms=FormTerms(tax_inclusive=True))


def test_the_storefront_is_asked_only_when_there_are_several() -> None:
    two = FormTerms(storefronts=((1, "Main"), (2, "Outlet")))
    assert ok(storefront="2", terms=two).channel_id == 2
    assert error(FormField.STOREFRONT, terms=two) == "Choose the storefront the order belongs to."
    assert error(FormField.STOREFRONT, storefront="3", terms=two)
    assert ok(storefront="2").channel_id is None  # one storefront: nothing changes


def test_payment_methods_come_from_the_settings() -> None:
    terms = FormTerms(payment_methods=("Wire", "Cash"))
    assert ok(payment_method="Wire", terms=terms).payment_method == "Wire"
    assert error(FormField.PAYMENT_METHOD, terms=terms) == "Choose a payment method."


def test_the_customer_is_resolved_at_submission_and_travels_with_the_request() -> None:
    asked: list[str] = []

    def customer(email: str) -> int:
        asked.append(email)
        return 4

    assert ok(customer=customer).customer_id == 4 and asked == ["jane@example.com"]
    assert ok().customer_id is None


def test_a_slow_customer_lookup_is_a_message_on_the_email() -> None:
    def slow(email: str) -> int:
        raise CatalogUnavailable("BigCommerce is slow to answer — try again in a minute.")

    assert error(FormField.EMAIL, customer=slow) == (
        "BigCommerce is slow to answer — try again in a minute.")


@pytest.mark.parametrize("changes", [
    {"items": "MUG-WHT x 9999 @ 9999999.99"},
    {"items": "MUG-WHT x 10000 @ 999.99", "tax": "0.01%"},
    {"items": "MUG-WHT @ 9999999.00", "shipping_cost": "999.99", "tax": "5.00"},
])
def test_an_order_that_would_come_to_ten_million_or_more_is_refused(changes: dict) -> None:
    assert error(FormField.ITEMS, **changes) == (
        "The order would come to more than 10,000,000.00; split it into smaller requests.")
