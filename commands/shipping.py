"""`/paidorder ship` and `/paidorder status`: shipments through `POST /v2/orders/{id}/shipments`.

Only what BigCommerce says counts: the order, its lines and what is left to ship are read fresh
before a shipment is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from commands.bigcommerce import (
    BigCommerceClient,
    BigCommerceError,
    InvalidRequest,
    NotFound,
    UnusableAnswer,
)
from commands.bigcommerce_answers import Order, OrderProduct, Shipment

# `shipping_provider` values BigCommerce accepts (orders v2 spec, shipment); any other carrier
# name travels as free text in `shipping_method`.
PROVIDERS = ("auspost", "canadapost", "endicia", "usps", "fedex", "royalmail", "ups",
             "upsready", "upsonline", "shipperhq")
_ITEM = re.compile(r"^(?P<sku>\S+?)\s*[xX×*]\s*(?P<qty>\d{1,6})$")


class ShipRefused(Exception):
    """The shipment can't be made; the message says why in plain words."""


@dataclass(frozen=True)
class ShipCommand:
    order_id: int
    carrier: str
    tracking_number: str
    items: dict[str, int] = field(default_factory=dict)  # SKU → quantity; empty = all left


@dataclass(frozen=True)
class OrderView:
    order: Order
    products: list[OrderProduct]
    shipments: list[Shipment]

    @property
    def items_total(self) -> int:
        return sum(p.quantity for p in self.products)

    @property
    def items_shipped(self) -> int:
        return sum(p.quantity_shipped for p in self.products)


def parse_ship(text: str) -> ShipCommand:
    """`<order id> <carrier> <tracking number> [SKU x QTY …]` (after the word `ship`)."""
    words = text.split()
    usage = "Usage: `/paidorder ship <order id> <carrier> <tracking number> [SKU x QTY …]`"
    if len(words) < 3:
        raise ShipRefused(usage)
    order_id = parse_order_id(words[0])
    carrier, tracking = words[1], words[2]
    if len(tracking) > 50:
        raise ShipRefused("The tracking number can be at most 50 characters.")
    items: dict[str, int] = {}
    for spec in _item_specs(words[3:]):
        match = _ITEM.match(spec)
        if match is None or int(match["qty"]) < 1:
            raise ShipRefused(f'"{spec}" is not "SKU x QTY". {usage}')
        items[match["sku"]] = items.get(match["sku"], 0) + int(match["qty"])
    return ShipCommand(order_id, carrier, tracking, items)


def _item_specs(words: list[str]) -> list[str]:
    """Join "SKU x 2" written with spaces back into one spec per item."""
    specs: list[str] = []
    index = 0
    while index < len(words):
        if index + 2 < len(words) and words[index + 1].lower() in ("x", "×", "*"):
            specs.append(f"{words[index]} x {words[index + 2]}")
            index += 3
        else:
            specs.append(words[index])
            index += 1
    return specs


def parse_order_id(word: str) -> int:
    word = word.lstrip("#")
    if not word.isascii() or not word.isdigit() or len(word) > 12:
        raise ShipRefused(f'"{word[:20]}" is not an order id; use the number, like 123.')
    return int(word)


def read_order(bigcommerce: BigCommerceClient, order_id: int) -> OrderView:
    try:
        order = bigcommerce.get_order(order_id)
        return OrderView(order, bigcommerce.order_products(order_id),
                         bigcommerce.shipments(order_id) if order.items_shipped else [])
    except NotFound:
        raise ShipRefused(f"There is no order #{order_id} in BigCommerce.") from None
    except UnusableAnswer as exc:
        raise ShipRefused(f"BigCommerce's answer about order #{order_id} can't be used "
                          f"({exc.field}); check the order in the control panel.") from None


def ship_order(command: ShipCommand, *, bigcommerce: BigCommerceClient) -> Shipment:
    """Create the shipment; returns BigCommerce's shipment. Raises ShipRefused."""
    view = read_order(bigcommerce, command.order_id)
    left = {p.id: max(p.quantity - p.quantity_shipped, 0) for p in view.products}
    if not any(left.values()):
        raise ShipRefused(f"Order #{command.order_id} is already fully shipped.")
    items = _chosen_items(command, view.products, left)
    addresses = bigcommerce.shipping_addresses(command.order_id)
    if not addresses:
        raise ShipRefused(f"Order #{command.order_id} has no shipping address to ship to.")
    address_id = next((p.order_address_id for p in view.products if p.order_address_id),
                      addresses[0].id)
    body: dict[str, Any] = {"order_address_id": address_id, "items": items,
                            "tracking_number": command.tracking_number}
    carrier = command.carrier.lower()
    if carrier in PROVIDERS:
        body["shipping_provider"] = carrier
    else:
        body["shipping_method"] = command.carrier[:100]
    try:
        return bigcommerce.create_shipment(command.order_id, body)
    except InvalidRequest as exc:
        raise ShipRefused(f"BigCommerce refused the shipment: {exc}") from None
    except BigCommerceError as exc:
        raise ShipRefused(
            f"BigCommerce didn't confirm the shipment ({exc}). Check `/paidorder status "
            f"{command.order_id}` before trying again, so it isn't shipped twice.") from None


def _chosen_items(command: ShipCommand, products: list[OrderProduct], left: dict[int, int]
                  ) -> list[dict[str, int]]:
    if not command.items:
        return [{"order_product_id": pid, "quantity": qty} for pid, qty in left.items() if qty]
    by_sku: dict[str, list[OrderProduct]] = {}
    for product in products:
        by_sku.setdefault(product.sku.upper(), []).append(product)
    chosen = []
    for sku, wanted in command.items.items():
        lines = by_sku.get(sku.upper())
        if not lines:
            raise ShipRefused(f'Order #{command.order_id} has no item with SKU "{sku}".')
        remaining = sum(left[p.id] for p in lines)
        if wanted > remaining:
            raise ShipRefused(f'Only {remaining} of "{sku}" are left to ship on order '
                              f"#{command.order_id}; you asked for {wanted}.")
        for product in lines:
            take = min(wanted, left[product.id])
            if take:
                chosen.append({"order_product_id": product.id, "quantity": take})
                wanted -= take
    return chosen
