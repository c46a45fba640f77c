"""BigCommerce's answers, read once into typed values.

Every endpoint's JSON passes through here before any caller sees it, so a spec-valid but odd
answer (a price that is not a number, `-1.8e308`, a missing `id`) becomes one `UnusableAnswer`
naming the endpoint and the field, instead of a KeyError or InvalidOperation somewhere later.
Fields are read by commands/bigcommerce_fields.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from commands.bigcommerce_fields import MAX_ID, MAX_MONEY, Answer, _as_int

__all__ = ["MAX_ID", "MAX_MONEY", "Answer"]



@dataclass(frozen=True)
class Store:
    name: str
    currency: str
    control_panel_url: str | None
    tax_inclusive: bool = False  # is_price_entered_with_tax


@dataclass(frozen=True)
class OptionValue:
    """One of a variant's option values (`option_values` of a catalog variant)."""

    option_id: int
    option_name: str
    id: int
    label: str


@dataclass(frozen=True)
class Modifier:
    """A product modifier (products catalog v3 spec `productModifier_Full`)."""

    id: int
    name: str
    type: str
    required: bool
    values: tuple[tuple[str, int], ...]  # (label, value id) of a choice modifier


@dataclass(frozen=True)
class Variant:
    id: int
    product_id: int
    sku: str
    price: Decimal | None  # calculated_price, else price; None when BigCommerce gave neither
    purchasing_disabled: bool
    option_values: tuple[OptionValue, ...] = ()


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    price: Decimal | None
    availability: str
    modifiers: tuple[Modifier, ...] = ()
    # Read when asked for (`include=variants`, the catalog index): what a search shows.
    sku: str = ""
    is_visible: bool = True
    date_modified: datetime | None = None
    variants: tuple[Variant, ...] = ()


@dataclass(frozen=True)
class Channel:
    id: int
    name: str
    type: str
    status: str


@dataclass(frozen=True)
class Customer:
    id: int
    email: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Address:
    """A customer's saved address (customers v3 `customerAddress_Full`)."""

    customer_id: int
    street: str
    city: str
    state: str
    zip: str
    country_code: str
    phone: str


@dataclass(frozen=True)
class Order:
    id: int
    status_id: int
    status: str
    total_inc_tax: Decimal | None
    currency_code: str
    items_total: int
    items_shipped: int
    total_tax: Decimal | None = None  # for the export; read like total_inc_tax


@dataclass(frozen=True)
class OrderProduct:
    id: int
    sku: str
    name: str
    quantity: int
    quantity_shipped: int
    order_address_id: int | None


@dataclass(frozen=True)
class ShippingAddress:
    id: int


@dataclass(frozen=True)
class ShipmentItem:
    order_product_id: int
    quantity: int


@dataclass(frozen=True)
class Shipment:
    id: int
    order_id: int
    carrier: str
    tracking_number: str
    tracking_link: str
    items: tuple[ShipmentItem, ...]


@dataclass(frozen=True)
class OrderStatus:
    id: int
    name: str


@dataclass(frozen=True)
class Hook:
    id: int
    scope: str
    destination: str
    is_active: bool = True


# --------------------------------------------------------------------------- endpoints' answers


def store(raw: Any, method: str, path: str) -> Store:
    answer = Answer(raw, method, path, "the store")
    panel = answer.text("control_panel_base_url", limit=500)
    return Store(name=answer.text("name"), currency=answer.text("currency", limit=3),
                 control_panel_url=panel or None,
                 tax_inclusive=answer.flag("is_price_entered_with_tax"))


def variant(raw: Any, method: str, path: str) -> Variant:
    answer = Answer(raw, method, path, "a variant")
    variant_id = answer.id()
    answer.what = f"variant {variant_id}"
    price = answer.money("calculated_price", None)
    return Variant(
        id=variant_id, product_id=answer.id("product_id"), sku=_required_text(answer, "sku"),
        price=price if price is not None else answer.money("price", None),
        purchasing_disabled=answer.flag("purchasing_disabled"),
        option_values=tuple(_option_value(raw_value, answer)
                            for raw_value in _list(answer, "option_values")),
    )


def _list(answer: Answer, field: str) -> list[Any]:
    values = answer.get(field) or []
    if not isinstance(values, list):
        raise answer.unusable(field, "is not a list")
    return values


def _option_value(raw: Any, parent: Answer) -> OptionValue:
    value = Answer(raw, parent.method, parent.path, f"an option value of {parent.what}")
    return OptionValue(option_id=value.id("option_id"),
                       option_name=value.text("option_display_name"), id=value.id(),
                       label=value.text("label"))


def _modifier(raw: Any, parent: Answer) -> Modifier:
    answer = Answer(raw, parent.method, parent.path, f"a modifier of {parent.what}")
    values = []
    for raw_value in _list(answer, "option_values"):
        value = Answer(raw_value, parent.method, parent.path, f"a value of {answer.what}")
        values.append((value.text("label"), value.id()))
    return Modifier(id=answer.id(), name=answer.text("display_name") or answer.text("name"),
                    type=answer.text("type", limit=32), required=answer.flag("required"),
                    values=tuple(values))


def product(raw: Any, method: str, path: str) -> Product:
    answer = Answer(raw, method, path, "a product")
    product_id = answer.id()
    answer.what = f"product {product_id}"
    return Product(id=product_id, name=answer.text("name"), price=answer.money("price", None),
                   availability=answer.text("availability", limit=32),
                   modifiers=tuple(_modifier(m, answer) for m in _list(answer, "modifiers")),
                   sku=answer.text("sku"), is_visible=answer.get("is_visible") is not False,
                   date_modified=answer.moment("date_modified"),
                   variants=tuple(variant(v, method, path) for v in _list(answer, "variants")))


def channel(raw: Any, method: str, path: str) -> Channel:
    answer = Answer(raw, method, path, "a channel")
    return Channel(id=answer.id(), name=answer.text("name"), type=answer.text("type", limit=32),
                   status=answer.text("status", limit=32))


def customer(raw: Any, method: str, path: str) -> Customer:
    answer = Answer(raw, method, path, "a customer")
    return Customer(id=answer.id(), email=answer.text("email"),
                    first_name=answer.text("first_name"), last_name=answer.text("last_name"),
                    phone=answer.text("phone", limit=50))


def address(raw: Any, method: str, path: str) -> Address:
    answer = Answer(raw, method, path, "a customer address")
    street = ", ".join(part for part in (answer.text("address1"), answer.text("address2"))
                       if part.strip())
    return Address(customer_id=answer.id("customer_id"), street=street[:255],
                   city=answer.text("city"), state=answer.text("state_or_province"),
                   zip=answer.text("postal_code", limit=20),
                   country_code=answer.text("country_code", limit=2),
                   phone=answer.text("phone", limit=50))


def order(raw: Any, method: str, path: str) -> Order:
    answer = Answer(raw, method, path, "the order")
    order_id = answer.id()
    answer.order_id = order_id
    answer.what = f"order {order_id}"
    currency = answer.text("currency_code", limit=64)
    if len(currency) > 3:
        raise answer.unusable("currency_code", "is not a currency code")
    return Order(
        id=order_id, status_id=answer.integer("status_id"),
        status=answer.text("status", limit=64), total_inc_tax=answer.money("total_inc_tax", None),
        currency_code=currency, items_total=answer.integer("items_total", 0),
        items_shipped=answer.integer("items_shipped", 0),
        total_tax=answer.money("total_tax", None),
    )


def order_id_in(raw: Any) -> int | None:
    """The order's id when at least that much of an unusable answer can be read."""
    if not isinstance(raw, Mapping):
        return None
    number = _as_int(raw.get("id"))
    return number if number is not None and 1 <= number <= MAX_ID else None


def order_product(raw: Any, method: str, path: str) -> OrderProduct:
    answer = Answer(raw, method, path, "an order line")
    line_id = answer.id()
    answer.what = f"order line {line_id}"
    address = answer.integer("order_address_id", 0)
    return OrderProduct(
        id=line_id, sku=answer.text("sku"), name=answer.text("name"),
        quantity=answer.integer("quantity"),
        quantity_shipped=answer.integer("quantity_shipped", 0),
        order_address_id=address or None,
    )


def shipping_address(raw: Any, method: str, path: str) -> ShippingAddress:
    return ShippingAddress(id=Answer(raw, method, path, "a shipping address").id())


def shipment(raw: Any, method: str, path: str) -> Shipment:
    answer = Answer(raw, method, path, "a shipment")
    shipment_id = answer.id()
    answer.what = f"shipment {shipment_id}"
    items = answer.get("items") or []
    if not isinstance(items, list):
        raise answer.unusable("items", "is not a list")
    carrier = next((answer.text(name, limit=64) for name in (
        "shipping_provider_display_name", "shipping_provider", "tracking_carrier",
        "shipping_method") if answer.text(name)), "")
    return Shipment(
        id=shipment_id, order_id=answer.id("order_id"), carrier=carrier,
        tracking_number=answer.text("tracking_number", limit=64),
        tracking_link=answer.text("tracking_link", limit=2000)
        or answer.text("generated_tracking_link", limit=2000),
        items=tuple(_shipment_item(item, answer) for item in items),
    )


def _shipment_item(raw: Any, shipment_answer: Answer) -> ShipmentItem:
    item = Answer(raw, shipment_answer.method, shipment_answer.path,
                  f"an item of {shipment_answer.what}")
    return ShipmentItem(order_product_id=item.id("order_product_id"),
                        quantity=item.integer("quantity"))


def order_status(raw: Any, method: str, path: str) -> OrderStatus:
    answer = Answer(raw, method, path, "an order status")
    return OrderStatus(id=answer.integer("id"), name=answer.text("name", limit=64))


def hook(raw: Any, method: str, path: str) -> Hook:
    answer = Answer(raw, method, path, "a webhook")
    # The spec's default is true; only an explicit false means BigCommerce switched it off.
    return Hook(id=answer.id(), scope=answer.text("scope"),
                destination=answer.text("destination", limit=2000),
                is_active=answer.get("is_active") is not False)


def _required_text(answer: Answer, field: str) -> str:
    value = answer.text(field)
    if not value.strip():
        raise answer.unusable(field, "is missing")
    return value
