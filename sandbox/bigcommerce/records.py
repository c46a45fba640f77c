"""The store's records: orders, their lines, addresses and shipments, and webhooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.bigcommerce.values import ZERO


@dataclass
class OrderProduct:
    id: int
    order_id: int
    product_id: int  # 0 for a custom line
    variant_id: int
    name: str
    sku: str
    upc: str
    quantity: int
    base_price: Decimal
    price_ex_tax: Decimal
    price_inc_tax: Decimal
    order_address_id: int
    product_options: list[dict] = field(default_factory=list)
    quantity_shipped: int = 0

    @property
    def unshipped(self) -> int:
        return self.quantity - self.quantity_shipped


@dataclass
class ShippingAddress:
    id: int
    order_id: int
    fields: dict[str, str]
    shipping_method: str
    items_total: int = 0
    items_shipped: int = 0


@dataclass
class Shipment:
    id: int
    order_id: int
    order_address_id: int
    date_created: datetime
    items: list[tuple[OrderProduct, int]]
    tracking_number: str = ""
    shipping_provider: str = ""
    tracking_carrier: str = ""
    tracking_link: str = ""
    shipping_method: str = ""
    comments: str = ""
    merchant_shipping_cost: Decimal = ZERO


@dataclass
class Order:
    id: int
    customer_id: int
    status_id: int
    date_created: datetime
    date_modified: datetime
    billing_address: dict[str, Any]
    money: dict[str, Decimal]
    text: dict[str, Any]  # payment_*, external_*, notes, locale: echoed back as given
    channel_id: int = 1
    date_shipped: datetime | None = None
    is_deleted: bool = False
    products: list[OrderProduct] = field(default_factory=list)
    addresses: list[ShippingAddress] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)

    @property
    def items_total(self) -> int:
        return sum(line.quantity for line in self.products)

    @property
    def items_shipped(self) -> int:
        return sum(line.quantity_shipped for line in self.products)


@dataclass
class Hook:
    id: int
    scope: str
    destination: str
    is_active: bool
    headers: dict[str, str]
    created_at: int
    updated_at: int

    def matches(self, scope: str) -> bool:
        if self.scope.endswith("/*"):
            return scope.startswith(self.scope[:-1])
        return self.scope == scope
