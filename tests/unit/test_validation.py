"""`validate_request`: every rule, with an in-memory catalog and booked-payment check."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from commands.models import FormField, OrderRequest, RequestForm
from commands.validation import CatalogEntry, CatalogUnavailable, validate_request

CATALOG: dict[str, CatalogEntry] = {
    entry.sku: entry for entry in (
        CatalogEntry("TSHIRT-RED-M", "Classic T-Shirt", 111, 201, Decimal("19.99"), True),
        CatalogEntry("MUG-WHT", "Ceramic Mug", 113, 205, Decimal("12.00"), True),
        CatalogEntry("POSTER-OLD", "Vintage Poster", 115, 208, Decimal("30.00"), False),
    )
}

GOOD: dict[str, str | None] = {
    "email": "jane@example.com", "first_name": "Jane", "last_name": "Doe", "phone": None,
    "street": "12 Main St", "city": "Austin", "state": "Texas", "zip": "78701",
    "country": "US", "items": "TSHIRT-RED-M x 2\nMUG-WHT", "shipping_cost": "5.00",
    "payment_method": "Bank transfer", "transaction_id": "BT-1", "amount_paid": "56.98",
    "order_status": None, "notes": None,
}


class FakeCatalog:
    """The catalog port: answers from a dict, remembers what it was asked."""

    def __init__(self, entries: Mapping[str, CatalogEntry] = CATALOG, *,
                 unavailable: str | None = None) -> None:
        self.entries = dict(entries)
        self.unavailable = unavailable
        self.asked: list[list[str]] = []

    def __call__(self, skus: list[str]) -> Mapping[str, CatalogEntry]:
        self.asked.append(list(skus))
        if self.unavailable:
            raise CatalogUnavailable(self.unavailable)
        # Like the real Catalog: matched without regard to case, keyed by the SKU as asked.
        by_upper = {sku.upper(): entry for sku, entry in self.entries.items()}
        return {sku: by_upper[sku.upper()] for sku in skus if sku.upper() in by_upper}


class FakeBookings:
    def __init__(self, *booked: tuple[str, str]) -> None:
        self.booked = set(booked)

    def __call__(self, method: str, transaction_id: str) -> bool:
        return (method, transaction_id) in self.booked


def validate(catalog: FakeCatalog | None = None, booked: FakeBookings | None = None,
             **changes: Any) -> OrderRequest | dict[str, str]:
    return validate_request(RequestForm(**{**GOOD, **changes}),
                            lookup=catalog or FakeCatalog(),
                            payment_booked=booked or FakeBookings())


def errors_of(**changes: Any) -> dict[str, str]:
    result = validate(**changes)
    assert isinstance(result, dict), f"expected errors, got {result!r}"
    return result


def only_error(field: FormField, **changes: Any) -> str:
    errors = errors_of(**changes)
    assert set(errors) == {field.value}, errors
    return errors[field.value]


def valid(**changes: Any) -> OrderRequest:
    result = validate(**changes)
    assert isinstance(result, OrderRequest), result
    return result


# -- the happy path -----------------------------------------------------------------------


def test_a_good_form_becomes_an_order_request_with_resolved_items() -> None:
    request = valid()
    assert request.customer_email == "jane@example.com"
    assert request.address.country_iso2 == "US"
    assert request.address.country == "United States"
    assert [(i.sku, i.quantity, i.product_id, i.variant_id) for i in request.items] == [
        ("TSHIRT-RED-M", 2, 111, 201), ("MUG-WHT", 1, 113, 205)]
    assert request.status_id == 11
    assert request.amount_mismatch == Decimal("0")


def test_money_is_decimal_everywhere() -> None:
    request = valid()
    amounts = [request.shipping_cost, request.amount_paid, request.total,
               request.amount_mismatch, *(i.unit_price for i in request.items),
               *(i.line_total for i in request.items)]
    assert all(type(a) is Decimal for a in amounts), amounts
    assert request.total == Decimal("56.98")
    assert request.shipping_cost == Decimal("5.00")


def test_the_catalog_is_asked_once_for_all_skus() -> None:
    catalog = FakeCatalog()
    validate(catalog, items="MUG-WHT\nTSHIRT-RED-M x 1\nMUG-WHT x 2")
    assert catalog.asked == [["MUG-WHT", "TSHIRT-RED-M"]]


def test_the_catalog_is_not_asked_about_unparseable_items() -> None:
    catalog = FakeCatalog()
    validate(catalog, items="MUG-WHT x lots")
    assert catalog.asked == []


# -- email ---------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [None, "", "   "])
def test_email_is_required(email: str | None) -> None:
    assert only_error(FormField.EMAIL, email=email) == "Enter the customer's email address."


@pytest.mark.parametrize("email", ["jane", "jane@", "@example.com", "jane@example",
                                   "ja ne@example.com", "jane@example.com\x00",
                                   "ja\u200dne@example.com", "jane@exam\u202eple.com",
                                   "a" * 250 + "@example.com"])
def test_email_must_look_like_an_address(email: str) -> None:
    assert only_error(FormField.EMAIL, email=email) == (
        "Enter a valid email address, like jane@example.com.")


def test_email_is_trimmed() -> None:
    assert valid(email="  jane@example.com ").customer_email == "jane@example.com"


# -- required text fields -----------------------------------------------------------------

REQUIRED = [
    (FormField.FIRST_NAME, "First name"), (FormField.LAST_NAME, "Last name"),
    (FormField.STREET, "Street address"), (FormField.CITY, "City"),
    (FormField.STATE, "State"), (FormField.ZIP, "ZIP / Postal code"),
]


@pytest.mark.parametrize(("field", "label"), REQUIRED)
@pytest.mark.parametrize("blank", [None, "", "  \t "])
def test_address_fields_are_required(field: FormField, label: str, blank: str | None) -> None:
    assert only_error(field, **{field.value: blank}) == f"{label} is required."


@pytest.mark.parametrize(("field", "label"), REQUIRED)
def test_address_fields_are_at_most_255_characters(field: FormField, label: str) -> None:
    assert valid(**{field.value: "x" * 255})
    assert only_error(field, **{field.value: "x" * 256}) == (
        f"{label} can be at most 255 characters.")


@pytest.mark.parametrize(("field", "label"), REQUIRED)
def test_address_fields_are_one_line_of_ordinary_text(field: FormField, label: str) -> None:
    assert only_error(field, **{field.value: "a\nb"}) == (
        f"{label} must be a single line of ordinary text.")
    assert only_error(field, **{field.value: "a\x07b"}) == (
        f"{label} must be a single line of ordinary text.")


HIDDEN = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
          "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\u2060", "\ufeff", "\u00ad",
          "\U000e0041", "\u3164"]


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("field", "label"), [*REQUIRED, (FormField.PHONE, "Phone"),
                                              (FormField.TRANSACTION_ID, "Transaction ID"),
                                              (FormField.NOTES, "Notes")])
def test_hidden_characters_that_can_disguise_text_are_refused(
    field: FormField, label: str, hidden: str
) -> None:
    assert only_error(field, **{field.value: f"Jane{hidden}Doe"}) == (
        f"{label} has a hidden character that can disguise text (such as a text-direction "
        "override); type it again without it.")


@pytest.mark.parametrize("name", ["مهر\u200cداد", "शर्\u200dमा", "க்\u200cஷ", "Zoë", "Ōtsuka",
                                  "O'Brien-Smith", "李小龍"])
def test_joiners_and_accents_in_names_are_kept(name: str) -> None:
    request = valid(first_name=name, last_name=name, city=name, notes=name)
    assert request.address.first_name == request.address.last_name == name
    assert request.address.city == request.notes == name


def test_notes_may_have_lines_and_tabs_but_no_control_characters() -> None:
    assert valid(notes="Paid in two parts:\n\t40.00\r\n\t16.98").notes.count("\n") == 2
    assert only_error(FormField.NOTES, notes="ring\x07 the bell") == (
        "Notes must be ordinary text: letters, digits, punctuation.")


def test_phone_is_optional_and_limited() -> None:
    assert valid(phone=None).address.phone == ""
    assert valid(phone=" +1 512 555 0100 ").address.phone == "+1 512 555 0100"
    assert only_error(FormField.PHONE, phone="1" * 51) == "Phone can be at most 50 characters."


# -- country -------------------------------------------------------------------------------


def test_country_lowercase_is_accepted_and_upper_cased() -> None:
    request = valid(country="gb")
    assert request.address.country_iso2 == "GB"
    assert request.address.country == "United Kingdom"


@pytest.mark.parametrize("country", ["USA", "XX", "U", "United States", "1A"])
def test_country_must_be_a_two_letter_iso_code(country: str) -> None:
    assert only_error(FormField.COUNTRY, country=country) == (
        f'"{country}" is not a two-letter country code (ISO 3166), such as US or GB.')


def test_country_is_required() -> None:
    assert only_error(FormField.COUNTRY, country=None) == (
        "Country is required: a two-letter code such as US.")


def test_country_message_does_not_echo_a_huge_value() -> None:
    assert len(only_error(FormField.COUNTRY, country="Z" * 5000)) < 120


# -- money ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shipping", [None, "", " "])
def test_shipping_cost_is_optional_and_defaults_to_zero(shipping: str | None) -> None:
    request = valid(shipping_cost=shipping, amount_paid="51.98")
    assert request.shipping_cost == Decimal("0.00")
    assert request.amount_mismatch == Decimal("0")


def test_shipping_cost_zero_is_fine() -> None:
    assert valid(shipping_cost="0", amount_paid="51.98").shipping_cost == Decimal("0")


def test_shipping_cost_cannot_be_negative() -> None:
    assert only_error(FormField.SHIPPING_COST, shipping_cost="-1") == (
        "Shipping cost can't be negative.")


def test_shipping_cost_has_at_most_two_decimals() -> None:
    assert only_error(FormField.SHIPPING_COST, shipping_cost="5.001") == (
        "Shipping cost can have at most 2 decimal places.")


@pytest.mark.parametrize("paid", [None, ""])
def test_amount_paid_is_required(paid: str | None) -> None:
    assert only_error(FormField.AMOUNT_PAID, amount_paid=paid) == "Amount paid is required."


@pytest.mark.parametrize("paid", ["0", "0.00", "-5"])
def test_amount_paid_must_be_more_than_zero(paid: str) -> None:
    assert only_error(FormField.AMOUNT_PAID, amount_paid=paid) == (
        "Amount paid must be more than 0.")


def test_amount_paid_has_at_most_two_decimals() -> None:
    assert only_error(FormField.AMOUNT_PAID, amount_paid="56.985") == (
        "Amount paid can have at most 2 decimal places.")


@pytest.mark.parametrize("paid", ["abc", "NaN", "Infinity", "1" * 21, "1,2,3.4.5", "12,50"])
def test_amount_paid_must_be_an_amount(paid: str) -> None:
    assert only_error(FormField.AMOUNT_PAID, amount_paid=paid) == (
        "Amount paid must be an amount like 49.90.")


@pytest.mark.parametrize("paid", ["1e3", "1E3", "12_000", "0x10", "+5", "5 5", "1,2345", "1,23",
                                  "1.000,50", "Inf", "-Infinity", "sNaN", ".", "$5", "5€"])
def test_only_plain_decimals_are_amounts(paid: str) -> None:
    assert only_error(FormField.AMOUNT_PAID, amount_paid=paid) == (
        "Amount paid must be an amount like 49.90.")


@pytest.mark.parametrize("paid", ["١٢", "۱۲", "１２", "12.５", "²", "१२", "𝟏𝟐"])
def test_amounts_are_written_with_the_digits_0_to_9(paid: str) -> None:
    assert only_error(FormField.AMOUNT_PAID, amount_paid=paid) == (
        "Amount paid must be written with the digits 0-9, like 49.90.")


@pytest.mark.parametrize(("shipping", "message"), [
    ("-0", "Shipping cost can't be negative."), ("-0.00", "Shipping cost can't be negative."),
    ("1e1", "Shipping cost must be an amount like 49.90."),
    ("5.001", "Shipping cost can have at most 2 decimal places."),
    ("5.0000", "Shipping cost can have at most 2 decimal places."),
    ("NaN", "Shipping cost must be an amount like 49.90."),
    ("٥", "Shipping cost must be written with the digits 0-9, like 49.90."),
])
def test_shipping_cost_is_a_plain_decimal_too(shipping: str, message: str) -> None:
    assert only_error(FormField.SHIPPING_COST, shipping_cost=shipping) == message


@pytest.mark.parametrize(("paid", "amount"), [
    ("1,234.50", "1234.50"), ("1,000,000", "1000000.00"), ("56.98", "56.98"),
    (" 56.9 ", "56.90"), ("0.5", "0.50"), (".5", "0.50"), ("56.", "56.00"), ("056.98", "56.98"),
])
def test_plain_amounts_and_thousands_separators_still_work(paid: str, amount: str) -> None:
    assert str(valid(amount_paid=paid).amount_paid) == amount


def test_amount_paid_is_kept_exactly() -> None:
    request = valid(amount_paid="1,056.9")
    assert request.amount_paid == Decimal("1056.90")
    assert str(request.amount_paid) == "1056.90"


def test_too_large_amounts_are_refused() -> None:
    assert only_error(FormField.AMOUNT_PAID, amount_paid="10000000") == (
        "Amount paid is too large.")


def test_a_mismatch_does_not_block_and_is_reported() -> None:
    request = valid(amount_paid="50.00")
    assert request.amount_mismatch == Decimal("-6.98")
    assert valid(amount_paid="60.00").amount_mismatch == Decimal("3.02")


# -- payment -------------------------------------------------------------------------------


@pytest.mark.parametrize("tx", [None, "", "   "])
def test_transaction_id_is_required(tx: str | None) -> None:
    assert only_error(FormField.TRANSACTION_ID, transaction_id=tx) == (
        "Transaction ID is required: the payment's reference.")


def test_transaction_id_is_at_most_100_characters() -> None:
    assert valid(transaction_id="T" * 100).transaction_id == "T" * 100
    assert only_error(FormField.TRANSACTION_ID, transaction_id="T" * 101) == (
        "Transaction ID can be at most 100 characters.")


def test_transaction_id_is_one_line() -> None:
    assert only_error(FormField.TRANSACTION_ID, transaction_id="BT\n1") == (
        "Transaction ID must be a single line of ordinary text.")


def test_the_transaction_id_is_kept_as_typed_but_trimmed() -> None:
    assert valid(transaction_id="  ＴＸＮ‐１\u00a0").transaction_id == "ＴＸＮ‐１"
    assert valid(transaction_id="Ref 42 / A").transaction_id == "Ref 42 / A"


def test_a_transaction_id_whose_folded_form_is_too_long_is_refused() -> None:
    # U+FDFA is one character, eighteen once NFKC spells it out; the key must fit its column.
    assert only_error(FormField.TRANSACTION_ID, transaction_id="\ufdfa" * 10) == (
        "Transaction ID can be at most 100 characters.")


def test_a_booked_transaction_id_is_refused_for_the_same_method() -> None:
    booked = FakeBookings(("Bank transfer", "BT-1"))
    result = validate(booked=booked)
    assert result == {"transaction_id":
                      "Transaction ID BT-1 was already booked as a Bank transfer payment."}


def test_the_same_transaction_id_with_another_method_is_fine() -> None:
    booked = FakeBookings(("Cash", "BT-1"))
    assert isinstance(validate(booked=booked), OrderRequest)


@pytest.mark.parametrize("method", [None, "", "Bitcoin"])
def test_payment_method_must_be_one_of_the_choices(method: str | None) -> None:
    assert only_error(FormField.PAYMENT_METHOD, payment_method=method) == (
        "Choose a payment method.")


@pytest.mark.parametrize(("status", "expected"), [(None, 11), ("11", 11), ("10", 10)])
def test_order_status(status: str | None, expected: int) -> None:
    assert valid(order_status=status).status_id == expected


@pytest.mark.parametrize("status", ["2", "0", "shipped"])
def test_order_status_must_be_a_target_status(status: str) -> None:
    assert only_error(FormField.ORDER_STATUS, order_status=status) == (
        "Choose Awaiting Fulfillment or Completed.")


def test_notes_are_optional_limited_and_trimmed() -> None:
    assert valid(notes="  call first \n").notes == "call first"
    assert only_error(FormField.NOTES, notes="n" * 3001) == (
        "Notes can be at most 3,000 characters.")


def test_every_problem_is_reported_at_once() -> None:
    errors = errors_of(email="nope", country="USA", items="HAT-XL", amount_paid="1.001",
                       transaction_id=None)
    assert set(errors) == {"email", "country", "items", "amount_paid", "transaction_id"}
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in errors.items())
