"""Shipment bodies as BigCommerce checks them: the address, the items, the tracking details."""

from __future__ import annotations

import re
from typing import Any

from sandbox.bigcommerce.records import Order, OrderProduct, ShippingAddress
from sandbox.bigcommerce.values import (
    ZERO,
    ApiError,
    invalid,
    optional_text,
    parse_int,
    parse_money,
)

SHIPPING_PROVIDERS = frozenset({"", "auspost", "canadapost", "endicia", "usps", "fedex",
                                "royalmail", "ups", "upsready", "upsonline", "shipperhq"})


def _shipment_address(order: Order, raw_id: Any) -> ShippingAddress:
    if raw_id is None:
        raise ApiError(400, "The field 'order_address_id' is required.")
    address_id = parse_int("order_address_id", raw_id)
    for address in order.addresses:
        if address.id == address_id:
            return address
    raise invalid("order_address_id")


def _shipment_items(order: Order, address: ShippingAddress,
                    raw_items: Any) -> list[tuple[OrderProduct, int]]:
    if not isinstance(raw_items, list) or not raw_items:
        raise ApiError(400, "The field 'items' is required.")
    lines = {line.id: line for line in order.products}
    wanted: dict[int, int] = {}
    for raw in raw_items:
        if not isinstance(raw, dict):
            raise invalid("items")
        line = lines.get(parse_int("order_product_id", raw.get("order_product_id")))
        if line is None or line.order_address_id != address.id:
            raise invalid("order_product_id")
        wanted[line.id] = wanted.get(line.id, 0) + parse_int(
            "quantity", raw.get("quantity"), minimum=1)
    for line_id, quantity in wanted.items():
        if quantity > lines[line_id].unshipped:
            raise ApiError(400, f"The quantity to ship for order product {line_id} is more "
                                f"than the {lines[line_id].unshipped} left to ship.")
    return [(lines[line_id], quantity) for line_id, quantity in wanted.items()]


def _shipment_details(payload: dict) -> dict[str, Any]:
    provider = optional_text("shipping_provider", payload, "shipping_provider", limit=100) or ""
    if provider not in SHIPPING_PROVIDERS and not re.fullmatch(r"carrier_\d+", provider):
        raise invalid("shipping_provider")
    cost = payload.get("merchant_shipping_cost")
    return {
        "tracking_number": optional_text("tracking_number", payload, "tracking_number",
                                         limit=50) or "",
        "shipping_provider": provider,
        "tracking_carrier": optional_text("tracking_carrier", payload, "tracking_carrier",
                                          limit=100) or "",
        "tracking_link": optional_text("tracking_link", payload, "tracking_link",
                                       limit=500) or "",
        "shipping_method": optional_text("shipping_method", payload, "shipping_method",
                                         limit=250) or "",
        "comments": optional_text("comments", payload, "comments", limit=65535) or "",
        "merchant_shipping_cost": ZERO if cost is None else parse_money(
            "merchant_shipping_cost", cost),
    }
