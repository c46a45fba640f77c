"""The money rules: what a request's figures are, and how they are pinned on the order.

product.md "Money": items subtotal = Σ quantity × unit price; base = subtotal − discount +
shipping; a tax rate gives round_half_up(base × rate, 2) on a store whose prices are entered
without tax and the tax part of the base (base − base / (1 + rate)) on a tax-inclusive store;
a tax amount is taken as given.

BigCommerce prices an order line that has no explicit price itself (price lists, customer-group
discounts) and computes no tax for API orders on automatic-tax stores (BigCommerce orders
overview). So every money field of the order is sent, both halves of every `*_ex_tax` /
`*_inc_tax` pair (orders v2 spec: "override both or totals go wrong"), including the
`subtotal_*` and `total_*` overrides. The line prices carry the tax too, allocated to the cent
over lines and shipping, so BigCommerce's per-line figures add up to the same order, and the
overrides pin the totals where a per-unit price cannot hold a line's share exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# BigCommerce keeps money with four decimals ("69.8400"); per-unit shares are rounded there.
UNIT = Decimal("0.0001")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Tax:
    """Either a rate in percent (`8.25` for 8.25 %) or an amount in the store's currency."""

    rate: Decimal | None = None
    amount: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.rate is None) == (self.amount is None):
            raise ValueError("a tax is a rate or an amount")


@dataclass(frozen=True)
class Figures:
    """A request's money as the card shows it, all to the cent."""

    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    tax_inclusive: bool

    @property
    def base(self) -> Decimal:
        return self.subtotal - self.discount + self.shipping


def figures(line_totals: Sequence[Decimal], *, discount: Decimal = ZERO,
            shipping: Decimal = ZERO, tax: Tax | None = None,
            tax_inclusive: bool = False) -> Figures:
    subtotal = sum(line_totals, ZERO)
    base = subtotal - discount + shipping
    amount = _tax_amount(base, tax, tax_inclusive)
    total = base if tax_inclusive else base + amount
    return Figures(subtotal=subtotal, discount=discount, shipping=shipping, tax=amount,
                   total=total, tax_inclusive=tax_inclusive)


def _tax_amount(base: Decimal, tax: Tax | None, tax_inclusive: bool) -> Decimal:
    if tax is None:
        return ZERO
    if tax.amount is not None:
        return tax.amount
    assert tax.rate is not None
    rate = tax.rate / HUNDRED
    if tax_inclusive:
        return cents(base - base / (1 + rate))
    return cents(base * rate)


@dataclass(frozen=True)
class PricedLine:
    """One order line's unit prices, as BigCommerce's `price_ex_tax` / `price_inc_tax`."""

    quantity: int
    price_ex_tax: Decimal
    price_inc_tax: Decimal


@dataclass(frozen=True)
class PinnedMoney:
    """Every money field the order is created with."""

    lines: tuple[PricedLine, ...]
    subtotal_ex_tax: Decimal
    subtotal_inc_tax: Decimal
    shipping_cost_ex_tax: Decimal
    shipping_cost_inc_tax: Decimal
    discount_amount: Decimal
    total_ex_tax: Decimal
    total_inc_tax: Decimal

    def order_fields(self) -> dict[str, str]:
        """The order-level fields, as strings formatted from Decimal (orders v2 spec)."""
        return {
            "subtotal_ex_tax": str(self.subtotal_ex_tax),
            "subtotal_inc_tax": str(self.subtotal_inc_tax),
            "shipping_cost_ex_tax": str(self.shipping_cost_ex_tax),
            "shipping_cost_inc_tax": str(self.shipping_cost_inc_tax),
            "discount_amount": str(self.discount_amount),
            "total_ex_tax": str(self.total_ex_tax),
            "total_inc_tax": str(self.total_inc_tax),
        }


def pin(lines: Sequence[tuple[int, Decimal]], money: Figures) -> PinnedMoney:
    """The order's money fields for `lines` (quantity, unit price as charged) and `money`.

    The tax is split between the items and the shipping in proportion to what each adds to
    the taxed base, then over the lines by their totals, to the cent (largest remainder).
    """
    line_totals = [unit * quantity for quantity, unit in lines]
    items_net = max(money.subtotal - money.discount, ZERO)
    items_tax = (cents(money.tax * items_net / money.base) if money.base > 0 else ZERO)
    shipping_tax = money.tax - items_tax
    line_taxes = allocate(items_tax, line_totals)
    sign = -1 if money.tax_inclusive else 1

    priced = tuple(
        _priced(quantity, unit, share, inclusive=money.tax_inclusive)
        for (quantity, unit), share in zip(lines, line_taxes, strict=True)
    )
    sub_other = money.subtotal + sign * items_tax
    ship_other = money.shipping + sign * shipping_tax
    total_other = money.total + sign * money.tax
    if money.tax_inclusive:
        return PinnedMoney(priced, sub_other, money.subtotal, ship_other, money.shipping,
                           money.discount, total_other, money.total)
    return PinnedMoney(priced, money.subtotal, sub_other, money.shipping, ship_other,
                       money.discount, money.base, money.total)


def _priced(quantity: int, unit: Decimal, line_tax: Decimal, *, inclusive: bool) -> PricedLine:
    share = (line_tax / quantity).quantize(UNIT, rounding=ROUND_HALF_UP)
    unit = unit.quantize(UNIT)
    if inclusive:
        return PricedLine(quantity, unit - share, unit)
    return PricedLine(quantity, unit, unit + share)


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `amount` (whole cents) over `weights` in proportion, to the cent, summing exactly.

    Largest remainder: every part is rounded down to the cent, and the cents left over go to
    the parts that lost the most (ties to the earlier part). Zero weights get nothing unless all
    are zero, when the first part takes it all.
    """
    if not weights:
        return []
    total = sum(weights, ZERO)
    if total <= 0:
        return [amount, *([ZERO] * (len(weights) - 1))]
    exact = [amount * weight / total for weight in weights]
    parts = [share.quantize(CENT, rounding=ROUND_DOWN) for share in exact]
    left = int((amount - sum(parts, ZERO)) / CENT)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for index in order[:left]:
        parts[index] += CENT
    return parts
