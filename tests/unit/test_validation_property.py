"""Whatever a requester types, validation answers with a request or with per-field messages."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.form_text import odd_character
from commands.models import TEXT_FIELDS, OrderRequest, RequestForm
from commands.transaction_key import transaction_key
from commands.validation import CatalogEntry, validate_request
from tests.unit.test_validation import CATALOG, GOOD

FIELDS = {f.value for f in TEXT_FIELDS}

nasty_text = st.one_of(
    st.none(),
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Nd", "No"]),
            max_size=40),
    st.sampled_from(["<!channel>", "<@U123>", "<http://evil|click>", "&amp;", "\x00",
                     "NaN", "-0", "1e9999", "٣", "１２", "US", "us", "MUG-WHT x 2",
                     "MUG-WHT x 0", "POSTER-OLD", "Bank transfer", "11", "10",
                     "jane@example.com", "𝕌𝕊", "\u200b", "\ud800"[:0] + "\U0010ffff",
                     "1e3", "1E3", "12_000", "١٢", "۱۲", "１２", "-0", "-0.00", "Infinity",
                     "1,234.50", "12,50", "0.001", "²", "MUG-WHT x 1_0", "MUG-WHT x ٣",
                     "MUG-WHT x ²", "MUG-WHT × 2", "MUG-WHT×2", "MUG-WHT\tx\t2",
                     "Jane\u202eDoe", "\u2066x\u2069", "Mehr\u200cdad", "ＴＸＮ‐１", "BOOKED",
                     "ＢＯＯＫＥＤ", "*bold*", "> quote", "`x`", "\ufdfa" * 10]),
    st.integers(min_value=1, max_value=12_000).map(lambda n: "x" * n),
    st.builds(lambda line, n: "\n".join([line] * n),
              st.sampled_from(["MUG-WHT", "HAT-XL x 2", "TSHIRT-RED-M x 9999", "", "x x x"]),
              st.integers(min_value=0, max_value=150)),
)


def lookup(skus: list[str]) -> Mapping[str, CatalogEntry]:
    by_upper = {sku.upper(): entry for sku, entry in CATALOG.items()}
    return {sku: by_upper[sku.upper()] for sku in skus if sku.upper() in by_upper}


def booked(method: str, transaction_id: str) -> bool:
    # Like the repository: booked ids are compared by their folded key.
    return transaction_key(transaction_id) == "booked"


def check(form: RequestForm) -> None:
    result = validate_request(form, lookup=lookup, payment_booked=booked)
    if isinstance(result, OrderRequest):
        check_accepted(result)
        return
    assert isinstance(result, dict) and result, result
    for key, message in result.items():
        assert isinstance(key, str) and key in FIELDS, key
        assert isinstance(message, str) and message.strip(), (key, message)
        assert len(message) <= 2000, (key, len(message))


def check_accepted(request: OrderRequest) -> None:
    """What an accepted request may contain, whatever was typed."""
    for amount in (request.amount_paid, request.shipping_cost):
        assert amount.is_finite() and not amount.is_signed(), amount  # no NaN, no -0
        assert amount.as_tuple().exponent == -2, amount
    assert request.amount_paid > 0
    assert all(1 <= item.quantity <= 10_000 for item in request.items)
    address = request.address
    for text in (address.first_name, address.last_name, address.street_1, address.city,
                 address.state, address.zip, address.phone, request.transaction_id):
        assert odd_character(text) is None, text  # no bidi overrides or other hidden marks
    assert odd_character(request.notes, allowed="\n\r\t") is None
    assert len(transaction_key(request.transaction_id)) <= 128
    assert transaction_key(request.transaction_id) != "booked"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({f.value: nasty_text for f in TEXT_FIELDS}))
def test_any_text_in_every_field(answers: dict[str, str | None]) -> None:
    check(RequestForm(**answers))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(FIELDS)), nasty_text)
def test_one_bad_field_in_an_otherwise_good_form(field: str, value: str | None) -> None:
    check(RequestForm(**{**GOOD, field: value}))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["MUG-WHT", "mug-wht", "TSHIRT-RED-M", "HAT-XL",
                                           "POSTER-OLD"]),
                          st.one_of(st.none(), st.integers(-5, 12_000).map(str))),
                min_size=1, max_size=120))
def test_item_lists(lines: list[tuple[str, str | None]]) -> None:
    items = "\n".join(sku if qty is None else f"{sku} x {qty}" for sku, qty in lines)
    check(RequestForm(**{**GOOD, "items": items}))


@pytest.mark.parametrize("status", ["¹", "❶", "²"])
def test_non_ascii_digits_are_not_an_order_status(status: str) -> None:
    result = validate_request(RequestForm(**{**GOOD, "order_status": status}),
                              lookup=lookup, payment_booked=booked)
    assert result == {"order_status": "Choose Awaiting Fulfillment or Completed."}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Nd", "No", "Po", "Pd", "Sm", "Zs", "Ll"]),
               max_size=12) | st.from_regex(r"-?[0-9_,.eE+]{1,12}", fullmatch=True))
def test_only_plain_decimals_are_accepted_as_amounts(text: str) -> None:
    result = validate_request(RequestForm(**{**GOOD, "amount_paid": text}),
                              lookup=lookup, payment_booked=booked)
    if isinstance(result, OrderRequest):
        assert re.fullmatch(r"(\d{1,3}(,\d{3})+|\d*)(\.\d{0,2})?", text.strip(), re.ASCII), text


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["MUG-WHT", "mug-wht"]), st.text(max_size=8),
       st.sampled_from(["x", "X", "×", "*"]), st.text(alphabet=" \t\u00a0\u3000", max_size=4))
def test_item_lines_with_any_separator_and_spacing(sku: str, qty: str, sep: str,
                                                   space: str) -> None:
    result = validate_request(RequestForm(**{**GOOD, "items": f"{sku}{space} {sep}{space}{qty}"}),
                              lookup=lookup, payment_booked=booked)
    if isinstance(result, OrderRequest):  # a line is read without its surrounding spaces
        assert qty.strip().isascii() and qty.strip().isdigit(), qty
    else:
        check(RequestForm(**{**GOOD, "items": f"{sku} {sep} {qty}"}))
