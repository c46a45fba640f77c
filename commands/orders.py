"""The BigCommerce order that a request becomes (`POST /v2/orders`, BigCommerce orders v2 spec)."""

from __future__ import annotations

from typing import Any

from commands.repository import StoredRequest


def order_body(stored: StoredRequest, *, customer_id: int, external_source: str) -> dict[str, Any]:
    request = stored.request
    address = request.address.model_dump()
    phone = address.pop("phone")
    if phone:
        address["phone"] = phone
    note = f"Paid by {request.payment_method} ({request.transaction_id}); approved in Slack"
    notes = f"{note}\n{request.notes}" if request.notes else note
    return {
        "status_id": request.status_id,
        "customer_id": customer_id,
        "billing_address": address,
        "shipping_addresses": [address],
        "products": [
            {"product_id": item.product_id, "variant_id": item.variant_id,
             "quantity": item.quantity}
            for item in request.items
        ],
        # BigCommerce wants both or neither (orders v2 spec); money goes as strings.
        "shipping_cost_ex_tax": str(request.shipping_cost),
        "shipping_cost_inc_tax": str(request.shipping_cost),
        "payment_method": request.payment_method,
        "payment_provider_id": request.transaction_id,
        "external_source": external_source,
        "external_order_id": stored.ref,
        "staff_notes": notes,
    }
