"""The Items lines resolved against the catalog: products, prices and their options.

A catalog line is priced at the unit price the requester typed, else at the storefront price
the catalog lookup resolved (`calculated_price`); a custom line at its typed price. Lines that
are the same product, price and options are one order line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from commands.items import MAX_QUANTITY, Choice, ItemLine, LineError, match_options
from commands.models import ChosenValue, LineItem


@dataclass(frozen=True)
class CatalogEntry:
    sku: str
    name: str
    product_id: int
    variant_id: int
    price: Decimal
    purchasable: bool
    # The product's modifiers (sent as product_options) and the variant's own option values
    # (a `{Color: Red}` on a line must agree with its SKU; the variant id already says it).
    modifiers: tuple[Choice, ...] = ()
    variant_options: tuple[Choice, ...] = ()


class CatalogUnavailable(Exception):
    """The catalog could not be asked in time; the message is for the requester."""


CatalogLookup = Callable[[list[str]], Mapping[str, CatalogEntry]]


def resolve_lines(lines: list[ItemLine], lookup: CatalogLookup
                  ) -> tuple[tuple[LineItem, ...], list[str]]:
    """The order's lines, or the plain-words problems of each line that does not resolve.

    Raises CatalogUnavailable when the catalog cannot be asked in time.
    """
    skus = sorted({line.sku for line in lines if line.sku is not None})
    catalog = lookup(skus) if skus else {}
    by_upper = {sku.upper(): entry for sku, entry in catalog.items()}
    problems: list[str] = []
    merged: dict[tuple, LineItem] = {}
    for line in lines:
        try:
            item = _custom(line) if line.is_custom else _catalog_line(
                line, catalog.get(line.sku or "") or by_upper.get((line.sku or "").upper()))
        except LineError as exc:
            problems.append(f"Line {line.number}: {exc}")
            continue
        key = (item.product_id, item.variant_id, item.name if item.custom else "",
               item.unit_price, item.options)
        if key in merged:
            item = merged[key].model_copy(update={"quantity": merged[key].quantity
                                                  + item.quantity})
        merged[key] = item
    over = {item.sku or item.name for item in merged.values() if item.quantity > MAX_QUANTITY}
    problems += [f'"{name[:60]}": at most {MAX_QUANTITY:,} in one request.'
                 for name in sorted(over)]
    return (tuple(merged.values()), problems) if not problems else ((), problems)


def _custom(line: ItemLine) -> LineItem:
    assert line.name is not None and line.price is not None
    return LineItem(sku="", name=line.name, product_id=0, variant_id=0, quantity=line.quantity,
                    unit_price=line.price)


def _catalog_line(line: ItemLine, entry: CatalogEntry | None) -> LineItem:
    if entry is None:
        raise LineError(f'unknown SKU "{(line.sku or "")[:60]}".')
    if not entry.purchasable:
        raise LineError(f'"{entry.sku}" can\'t be purchased (purchasing is disabled in '
                        "BigCommerce).")
    chosen = match_options(line, entry.variant_options + entry.modifiers)
    modifier_ids = {choice.id for choice in entry.modifiers}
    return LineItem(
        sku=entry.sku, name=entry.name, product_id=entry.product_id,
        variant_id=entry.variant_id, quantity=line.quantity,
        unit_price=line.price if line.price is not None else entry.price,
        catalog_price=entry.price,
        options=tuple(ChosenValue(id=o.id, value=o.value, name=o.name, label=o.label)
                      for o in chosen if o.id in modifier_ids),
    )
