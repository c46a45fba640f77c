"""A stored request written back as the form's answers, so Edit opens the form as it was sent.

Read back by commands/validation.py, the answers ask for the same request. Catalog lines carry
their unit price explicitly (`SKU x QTY @ PRICE`): fixing an address must not reprice a line
because the catalog changed since the request was made; the card still shows the catalog price
beside a price that differs from it.
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
        items="\n".join(item_text(item) for item in request.items),
        shipping_cost=_amount(request.shipping_cost),
        discount=_amount(request.discount) if request.discount else None,
        tax=_tax(request),
        storefront=str(request.channel_id) if request.channel_id is not None else None,
        payment_method=request.payment_method, transaction_id=request.transaction_id,
        amount_paid=_amount(request.amount_paid), order_status=str(request.status_id),
        notes=request.notes or None,
    )


def item_text(item: LineItem) -> str:
    """One line in the Items grammar (commands/items.py)."""
    price = f" @ {_amount(item.unit_price)}"
    if item.custom:
        return f'"{item.name}" x {item.quantity}{price}'
    options = ""
    if item.options:
        options = " {" + "; ".join(f"{o.name}: {o.label}" for o in item.options) + "}"
    return f"{item.sku} x {item.quantity}{price}{options}"


def _tax(request: OrderRequest) -> str | None:
    if request.tax is None:
        return None
    if request.tax.rate is not None:
        return f"{request.tax.rate.normalize():f}%"
    return _amount(request.tax.amount) if request.tax.amount is not None else None


def _amount(value: Decimal) -> str:
    return f"{value:f}"
