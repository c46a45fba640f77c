"""The BigCommerce order that a request becomes (`POST /v2/orders`, BigCommerce orders v2 spec).

Every money field is sent (commands/money.py says why), so price lists, customer-group
discounts and the store's tax settings cannot change what the order comes to.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from commands.models import LineItem
from commands.money import PricedLine, pin
from commands.proof import proof_notes
from commands.repository import StoredRequest


def order_body(stored: StoredRequest, *, customer_id: int, external_source: str) -> dict[str, Any]:
    request = stored.request
    address = request.address.model_dump()
    phone = address.pop("phone")
    if phone:
        address["phone"] = phone
    note = f"Paid by {request.payment_method} ({request.transaction_id}); approved in Slack"
    # The proof's links after what was typed: staff open the payment from the order itself.
    notes = "\n".join([note, *([request.notes] if request.notes else []),
                       *proof_notes(request.proof)])
    pinned = pin([(item.quantity, item.unit_price) for item in request.items], request.figures)
    body: dict[str, Any] = {
        "status_id": request.status_id,
        "customer_id": customer_id,
        "billing_address": address,
        "shipping_addresses": [address],
        "products": [_line(item, priced)
                     for item, priced in zip(request.items, pinned.lines, strict=True)],
        **pinned.order_fields(),
        "payment_method": request.payment_method,
        "payment_provider_id": request.transaction_id,
        "external_source": external_source,
        "external_order_id": stored.ref,
        "staff_notes": notes,
    }
    if request.channel_id is not None:
        body["channel_id"] = request.channel_id
    return body


def _line(item: LineItem, priced: PricedLine) -> dict[str, Any]:
    prices = {"price_ex_tax": json_number(priced.price_ex_tax),
              "price_inc_tax": json_number(priced.price_inc_tax)}
    if item.custom:
        # orders v2 spec `orderCustomProduct_Post`: a line that is not in the catalog.
        return {"name": item.name, "quantity": item.quantity, **prices}
    line: dict[str, Any] = {"product_id": item.product_id, "variant_id": item.variant_id,
                            "quantity": item.quantity, **prices}
    if item.options:
        # Required for mandatory modifiers even with variant_id (reference §13a).
        line["product_options"] = [{"id": o.id, "value": o.value} for o in item.options]
    return line


def json_number(amount: Decimal) -> float:
    """A line price as the JSON number the orders v2 spec asks for (`price_*` are `number`,
    unlike the order-level money strings).

    Python writes a float as the shortest text that reads back as the same float, and every
    decimal of at most 15 significant digits survives the trip, so the number BigCommerce reads
    is exactly `amount`: prices here have four decimals and at most ten digits before them.
    """
    digits = amount.normalize().as_tuple().digits
    if len(digits) > 15:
        raise ValueError(f"{amount} has too many digits for an exact JSON number")
    number = float(amount)
    assert Decimal(repr(number)) == amount
    return number
