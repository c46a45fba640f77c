"""The money rules of product.md, and the figures that pin them on the order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.money import CENT, Figures, Tax, allocate, figures, pin

D = Decimal


def test_tax_exclusive_store_adds_the_rate_on_the_discounted_base_with_shipping() -> None:
    money = figures([D("39.98"), D("12.00")], discount=D("5.00"), shipping=D("5.00"),
                    tax=Tax(rate=D("8.25")))
    assert money.subtotal == D("51.98")
    assert money.base == D("51.98")
    assert money.tax == D("4.29")  # 51.98 × 0.0825 = 4.28835 → 4.29 (half up)
    assert money.total == D("56.27")


def test_tax_inclusive_store_takes_the_tax_out_of_the_base() -> None:
    money = figures([D("119.00")], tax=Tax(rate=D("19")), tax_inclusive=True)
    assert money.total == D("119.00")
    assert money.tax == D("19.00")


def test_a_tax_amount_is_taken_as_given() -> None:
    assert figures([D("10.00")], tax=Tax(amount=D("4.95"))).total == D("14.95")
    inclusive = figures([D("10.00")], tax=Tax(amount=D("1.60")), tax_inclusive=True)
    assert (inclusive.tax, inclusive.total) == (D("1.60"), D("10.00"))


def test_half_cents_round_up() -> None:
    assert figures([D("0.10")], tax=Tax(rate=D("5"))).tax == D("0.01")  # 0.005 → 0.01


def test_no_tax_means_zero() -> None:
    money = figures([D("3.00")], shipping=D("1.00"))
    assert (money.tax, money.total) == (D("0"), D("4.00"))


def test_a_tax_is_a_rate_or_an_amount_never_both() -> None:
    with pytest.raises(ValueError):
        Tax(rate=D("1"), amount=D("1"))
    with pytest.raises(ValueError):
        Tax()


def test_allocation_sums_exactly_and_favours_the_largest_remainder() -> None:
    assert allocate(D("0.10"), [D("1"), D("1"), D("1")]) == [D("0.04"), D("0.03"), D("0.03")]
    assert allocate(D("1.00"), [D("0"), D("0")]) == [D("1.00"), D("0")]
    assert allocate(D("0.05"), [D("0"), D("3")]) == [D("0.00"), D("0.05")]
    assert allocate(D("1"), []) == []


def test_pinned_exclusive_order_has_both_halves_and_the_card_totals() -> None:
    lines = [(2, D("19.99")), (1, D("12.00"))]
    money = figures([q * p for q, p in lines], discount=D("5.00"), shipping=D("5.00"),
                    tax=Tax(rate=D("8.25")))
    pinned = pin(lines, money)
    assert pinned.subtotal_ex_tax == D("51.98")
    assert pinned.total_ex_tax == D("51.98")
    assert pinned.total_inc_tax == money.total
    assert pinned.total_inc_tax - pinned.total_ex_tax == money.tax
    assert all(line.price_ex_tax in (D("19.99"), D("12.00")) for line in pinned.lines)
    fields = pinned.order_fields()
    assert fields["discount_amount"] == "5.00" and fields["total_inc_tax"] == "56.27"


def test_pinned_inclusive_order_keeps_the_prices_as_entered() -> None:
    lines = [(3, D("11.90"))]
    money = figures([D("35.70")], tax=Tax(rate=D("19")), tax_inclusive=True)
    pinned = pin(lines, money)
    assert pinned.lines[0].price_inc_tax == D("11.90")
    assert pinned.subtotal_inc_tax == D("35.70") == pinned.total_inc_tax
    assert pinned.total_inc_tax - pinned.total_ex_tax == money.tax == D("5.70")


prices = st.decimals(min_value=D("0.00"), max_value=D("2000.00"), places=2)
quantities = st.integers(min_value=1, max_value=50)
rates = st.decimals(min_value=D("0"), max_value=D("100"), places=3)


@st.composite
def requests(draw: st.DrawFn) -> tuple[list[tuple[int, Decimal]], Figures]:
    lines = draw(st.lists(st.tuples(quantities, prices), min_size=1, max_size=8))
    subtotal = sum((q * p for q, p in lines), D("0"))
    shipping = draw(st.decimals(min_value=D("0"), max_value=D("100"), places=2))
    discount = draw(st.decimals(min_value=D("0"), max_value=subtotal + shipping, places=2))
    inclusive = draw(st.booleans())
    tax = draw(st.one_of(st.none(), rates.map(lambda r: Tax(rate=r))))
    money = figures([q * p for q, p in lines], discount=discount, shipping=shipping, tax=tax,
                    tax_inclusive=inclusive)
    return lines, money


@settings(max_examples=300, deadline=None)
@given(requests())
def test_what_is_sent_adds_up_to_the_card_to_the_cent(case: tuple) -> None:
    lines, money = case
    pinned = pin(lines, money)
    # The overrides are the card's figures, so BigCommerce's total_tax is the card's tax…
    assert pinned.total_inc_tax == money.total
    assert pinned.total_inc_tax - pinned.total_ex_tax == money.tax
    assert pinned.discount_amount == money.discount
    # …and the parts add up to them, as BigCommerce computes totals from parts.
    assert (pinned.subtotal_inc_tax + pinned.shipping_cost_inc_tax - pinned.discount_amount
            == pinned.total_inc_tax)
    assert (pinned.subtotal_ex_tax + pinned.shipping_cost_ex_tax - pinned.discount_amount
            == pinned.total_ex_tax)
    # The lines, priced to BigCommerce's four decimals, carry the subtotal within a cent per
    # 200 units (a unit's share is rounded to 0.0001).
    units = sum(line.quantity for line in pinned.lines)
    slack = CENT * (units // 200 + 1)
    line_inc = sum((line.price_inc_tax * line.quantity for line in pinned.lines), D("0"))
    line_ex = sum((line.price_ex_tax * line.quantity for line in pinned.lines), D("0"))
    assert abs(line_inc - pinned.subtotal_inc_tax) <= slack
    assert abs(line_ex - pinned.subtotal_ex_tax) <= slack
    assert all(line.price_ex_tax >= 0 and line.price_inc_tax >= line.price_ex_tax
               for line in pinned.lines)
    assert pinned.shipping_cost_ex_tax >= 0 and pinned.total_ex_tax >= 0


@given(st.decimals(min_value=D("0"), max_value=D("9999999999.9999"), places=4))
def test_a_line_price_goes_out_as_the_exact_json_number(amount: Decimal) -> None:
    import json

    from commands.orders import json_number

    assert D(json.dumps(json_number(amount))) == amount
