"""A stored request written back as the form's answers, so Edit opens the form as it was sent.

Read back by commands/validation.py, the answers ask for the same request. Catalog lines carry
their unit price explicitly (`SKU x QTY @ PRICE`): fixing an address must not reprice a line
because the catalog changed since the request was made; the card still shows the catalog price
beside a price that differs from it. Only when that would not fit the Items input does a line
at its catalog price go without it, and a quantity of one unwritten (the way it was typed).
"""

from __future__ import annotations

from decimal import Decimal

from commands.models import LineItem, OrderRequest, RequestForm


def form_of(request: OrderRequest) -> RequestForm:
    address = request.address
    return RequestForm(
        email=request.customer_email, first_name=address.first_name,
        last_name=address.last_name, phone=address.phone or None, street=address.street_1,
        city=address.city, state=address.state, zip=address.zip,
        country=address.country_iso2,
        items=_items(request),
        shipping_cost=_amount(request.shipping_cost),
        discount=_amount(request.discount) if request.discount else None,
        tax=_tax(request),
        storefront=str(request.channel_id) if request.channel_id is not None else None,
        payment_method=request.payment_method, transaction_id=request.transaction_id,
        amount_paid=_amount(request.amount_paid), order_status=str(request.status_id),
        notes=request.notes or None,
    )


ITEMS_LIMIT = 3000  # the Items input's max_length


def _items(request: OrderRequest) -> str:
    explicit = "\n".join(item_text(item) for item in request.items)
    if len(explicit) <= ITEMS_LIMIT:
        return explicit
    return "\n".join(item_text(item, short=True) for item in request.items)


def item_text(item: LineItem, *, short: bool = False) -> str:
    """One line in the Items grammar (commands/items.py); `short` leaves out what reads back
    the same without it: a quantity of one, and the price of a line at its catalog price."""
    price = f" @ {_amount(item.unit_price)}"
    if item.custom:
        return f'"{item.name}" x {item.quantity}{price}'
    if short and not item.negotiated and item.catalog_price is not None:
        price = ""
    quantity = "" if short and item.quantity == 1 else f" x {item.quantity}"
    options = ""
    if item.options:
        options = " {" + "; ".join(f"{o.name}: {o.label}" for o in item.options) + "}"
    return f"{item.sku}{quantity}{price}{options}"


def _tax(request: OrderRequest) -> str | None:
    if request.tax is None:
        return None
    if request.tax.rate is not None:
        return f"{request.tax.rate.normalize():f}%"
    return _amount(request.tax.amount) if request.tax.amount is not None else None


def _amount(value: Decimal) -> str:
    return f"{value:f}"
