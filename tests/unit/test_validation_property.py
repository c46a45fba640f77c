"""Whatever a requester types, validation answers with a request or with per-field messages."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.models import FormField, OrderRequest, RequestForm
from commands.validation import CatalogEntry, validate_request
from tests.unit.test_validation import CATALOG, GOOD

FIELDS = {f.value for f in FormField}

nasty_text = st.one_of(
    st.none(),
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Nd", "No"]),
            max_size=40),
    st.sampled_from(["<!channel>", "<@U123>", "<http://evil|click>", "&amp;", "\x00",
                     "NaN", "-0", "1e9999", "٣", "１２", "US", "us", "MUG-WHT x 2",
                     "MUG-WHT x 0", "POSTER-OLD", "Bank transfer", "11", "10",
                     "jane@example.com", "𝕌𝕊", "\u200b", "\ud800"[:0] + "\U0010ffff"]),
    st.integers(min_value=1, max_value=12_000).map(lambda n: "x" * n),
    st.builds(lambda line, n: "\n".join([line] * n),
              st.sampled_from(["MUG-WHT", "HAT-XL x 2", "TSHIRT-RED-M x 9999", "", "x x x"]),
              st.integers(min_value=0, max_value=150)),
)


def lookup(skus: list[str]) -> Mapping[str, CatalogEntry]:
    by_upper = {sku.upper(): entry for sku, entry in CATALOG.items()}
    return {sku: by_upper[sku.upper()] for sku in skus if sku.upper() in by_upper}


def booked(method: str, transaction_id: str) -> bool:
    return transaction_id == "BOOKED"


def check(form: RequestForm) -> None:
    result = validate_request(form, lookup=lookup, payment_booked=booked)
    if isinstance(result, OrderRequest):
        return
    assert isinstance(result, dict) and result, result
    for key, message in result.items():
        assert isinstance(key, str) and key in FIELDS, key
        assert isinstance(message, str) and message.strip(), (key, message)
        assert len(message) <= 2000, (key, len(message))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({f.value: nasty_text for f in FormField}))
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
