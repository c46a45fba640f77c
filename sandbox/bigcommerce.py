"""A stateful, thread-safe stand-in for the BigCommerce REST API, built on the stdlib only.

It reproduces the contract in shared/reference/bigcommerce-api.md (§13): V2 orders, order
products, shipping addresses, shipments and statuses; V3 catalog, customers and webhooks; the
per-store rate limit; V2 error arrays and V3 error objects; 204 for empty V2 lists. Faults can be
injected per method and path so tests can prove that an order is created exactly once when a
response is lost, late or refused.

Layout: error/parse helpers → domain records → `SandboxState` (all data, all mutations, one
lock) → `_Api` (HTTP requests ↔ state) → rate limiter, faults, webhooks → `SandboxServer`.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.server
import json
import logging
import math
import queue
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox import catalog

log = logging.getLogger(__name__)

ZERO = Decimal("0")
FOUR_PLACES = Decimal("0.0001")
MAX_PAGE_SIZE = 250
V3_ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
NOT_FOUND = "The requested resource was not found."

# Fields the spec marks "do not set in POST or PUT" (§2.3); BigCommerce answers 400 for them.
READ_ONLY_ORDER_FIELDS = frozenset({
    "id", "status", "custom_status", "payment_status", "date_modified", "date_shipped", "cart_id",
    "subtotal_tax", "total_tax", "shipping_cost_tax", "handling_cost_tax", "wrapping_cost_tax",
    "shipping_cost_tax_class_id", "handling_cost_tax_class_id", "wrapping_cost_tax_class_id",
    "store_credit_amount", "gift_certificate_amount", "coupon_discount", "currency_id",
    "currency_code", "currency_exchange_rate", "default_currency_id", "shipping_address_count",
    "is_email_opt_in", "tax_provider_id", "order_source", "refunded_amount", "external_id",
    "items_total", "items_shipped", "item_total",
})
WRITABLE_ORDER_FIELDS = frozenset({
    "base_handling_cost", "base_shipping_cost", "base_wrapping_cost", "billing_address",
    "channel_id", "consignments", "customer_id", "customer_locale", "customer_message",
    "date_created", "default_currency_code", "discount_amount", "ebay_order_id",
    "external_merchant_id", "external_order_id", "external_source", "fees", "geoip_country",
    "geoip_country_iso2", "handling_cost_ex_tax", "handling_cost_inc_tax", "ip_address",
    "ip_address_v6", "order_is_digital", "payment_method", "payment_provider_id", "products",
    "shipping_addresses", "shipping_cost_ex_tax", "shipping_cost_inc_tax", "staff_notes",
    "status_id", "subtotal_ex_tax", "subtotal_inc_tax", "total_ex_tax", "total_inc_tax",
    "wrapping_cost_ex_tax", "wrapping_cost_inc_tax",
})
# What PUT /v2/orders/{id} really changes here; other writable fields get an honest 400.
UPDATABLE_ORDER_FIELDS = frozenset({
    "status_id", "staff_notes", "customer_message", "payment_method", "payment_provider_id",
    "external_source", "external_order_id", "billing_address", "customer_id", "customer_locale",
    "is_deleted",
})
ADDRESS_FIELDS = ("first_name", "last_name", "company", "street_1", "street_2", "city", "state",
                  "zip", "country", "country_iso2", "phone", "email")
SHIPPING_PROVIDERS = frozenset({"", "auspost", "canadapost", "endicia", "usps", "fedex",
                                "royalmail", "ups", "upsready", "upsonline", "shipperhq"})
TRACKING_URLS = {
    "ups": ("UPS", "https://www.ups.com/track?tracknum={}"),
    "usps": ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={}"),
    "fedex": ("FedEx", "https://www.fedex.com/fedextrack/?trknbr={}"),
}
FAULTS = frozenset({"500_before", "500_after", "delay_after", "429", "drop_after"})


# --------------------------------------------------------------------------------------------
# Errors and small parsers
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """Rendered as a V2 array or a V3 object depending on the API version of the request."""

    def __init__(self, status: int, message: str, *, errors: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self, version: str) -> Any:
        if version == "v3":
            body: dict[str, Any] = {"status": self.status, "title": self.message,
                                    "type": V3_ERROR_TYPE}
            if self.errors is not None:
                body["errors"] = self.errors
            return body
        return [{"status": self.status, "message": self.message}]


def invalid(name: str) -> ApiError:
    return ApiError(400, f"The field '{name}' is invalid.")


def now() -> datetime:
    # Seconds precision on purpose: pollers send min_date_modified in whole seconds, and an
    # inclusive filter at that resolution then sees every change.
    return datetime.now(UTC).replace(microsecond=0)


def rfc2822(moment: datetime | None) -> str:
    return email.utils.format_datetime(moment) if moment else ""


def money(value: Decimal) -> str:
    return str(value.quantize(FOUR_PLACES))


def parse_money(name: str, value: Any) -> Decimal:
    """BigCommerce takes numbers or numeric strings for money, and rejects negatives."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid(name)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise invalid(name) from None
    if not amount.is_finite() or amount < 0:
        raise invalid(name)
    return amount


def parse_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    if isinstance(value, bool):
        raise invalid(name)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        value = int(value)
    if not isinstance(value, int) or (minimum is not None and value < minimum):
        raise invalid(name)
    return value


def parse_datetime(name: str, text: str) -> datetime:
    """Filters accept RFC-2822 and ISO-8601 (and, leniently, a Unix timestamp)."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d+", text):
            return datetime.fromtimestamp(int(text), UTC)
        if re.match(r"\d{4}-\d{2}-\d{2}", text):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            moment = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError):
        raise invalid(name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def optional_text(name: str, payload: dict, key: str, *, limit: int) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or len(str(value)) > limit:
        raise invalid(name)
    return str(value)


def csv_values(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def csv_ints(name: str, text: str) -> set[int]:
    return {parse_int(name, part) for part in csv_values(text)}


# --------------------------------------------------------------------------------------------
# Domain records
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# State: every read and write of store data goes through here, under one re-entrant lock
# --------------------------------------------------------------------------------------------


class SandboxState:
    """The store's data. Thread-safe: public methods hold `lock` while they read or mutate."""

    def __init__(self, store_hash: str, emit: Callable[[str, dict], None]) -> None:
        self.lock = threading.RLock()
        self.store_hash = store_hash
        self.store = catalog.store_information(store_hash)
        self.products = {product.id: product for product in catalog.PRODUCTS}
        self.variants = {v.id: v for product in catalog.PRODUCTS for v in product.variants}
        self.customers = {customer.id: customer for customer in catalog.CUSTOMERS}
        self.orders: dict[int, Order] = {}
        self.hooks: dict[int, Hook] = {}
        self._emit = emit
        self._next = {"order": 100, "shipment": 1, "order_product": 1000, "address": 5000,
                      "hook": 1}

    def _new_id(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1
        return value

    def order(self, order_id: int) -> Order:
        found = self.orders.get(order_id)
        if found is None or found.is_deleted:
            raise ApiError(404, NOT_FOUND)
        return found

    # ---- orders -----------------------------------------------------------------------------

    def create_order(self, payload: Any) -> Order:
        with self.lock:
            saved = dict(self._next)
            try:
                order = _OrderBuilder(self).build(payload)
            except ApiError:
                # A refused order must not burn ids: tests and the demo rely on predictable ids.
                self._next = saved
                raise
            self.orders[order.id] = order
            self._emit("store/order/created", {"type": "order", "id": order.id})
            self._emit_status(order, 0)
            return order

    def update_order(self, order_id: int, payload: Any) -> Order:
        with self.lock:
            order = self.order(order_id)
            if not isinstance(payload, dict):
                raise ApiError(400, "The request body must be a JSON object.")
            _refuse_unwritable(payload, allowed=UPDATABLE_ORDER_FIELDS, put=True)
            previous = order.status_id
            self._apply_update(order, payload)
            self._touch(order, previous)
            return order

    def _apply_update(self, order: Order, payload: dict) -> None:
        # Validate everything before changing anything, so a 400 leaves the order untouched.
        status_id = _status_id(payload["status_id"]) if "status_id" in payload else None
        customer_id = (self._customer_id(payload["customer_id"])
                       if "customer_id" in payload else None)
        billing = None
        if "billing_address" in payload:
            if not isinstance(payload["billing_address"], dict):
                raise invalid("billing_address")
            billing = _billing_address({**order.billing_address, **payload["billing_address"]})
        text = {key: _text_field(key, payload[key])
                for key in UPDATABLE_ORDER_FIELDS & set(payload) & set(order.text)}
        if status_id is not None:
            order.status_id = status_id
        if customer_id is not None:
            order.customer_id = customer_id
        if billing is not None:
            order.billing_address = billing
        if "is_deleted" in payload:
            order.is_deleted = bool(payload["is_deleted"])
        order.text.update(text)

    def set_status(self, order_id: int, status_id: int) -> Order:
        with self.lock:
            order = self.order(order_id)
            previous = order.status_id
            order.status_id = _status_id(status_id)
            self._touch(order, previous)
            return order

    def _touch(self, order: Order, previous_status: int) -> None:
        order.date_modified = now()
        self._emit("store/order/updated", {"type": "order", "id": order.id})
        self._emit_status(order, previous_status)

    def _emit_status(self, order: Order, previous: int) -> None:
        if order.status_id != previous:
            self._emit("store/order/statusUpdated", {
                "type": "order", "id": order.id,
                "status": {"previous_status_id": previous, "new_status_id": order.status_id},
            })

    def _customer_id(self, value: Any) -> int:
        customer_id = parse_int("customer_id", value, minimum=0)
        if customer_id and customer_id not in self.customers:
            raise invalid("customer_id")
        return customer_id

    def find_orders(self, query: dict[str, str]) -> list[Order]:
        wanted = _order_filter(query)
        with self.lock:
            matches = [o for o in self.orders.values() if not o.is_deleted and wanted(o)]
        key, reverse = _order_sort(query.get("sort", "id"))
        return sorted(matches, key=lambda o: (key(o), o.id), reverse=reverse)

    # ---- shipments --------------------------------------------------------------------------

    def create_shipment(self, order_id: int, payload: Any) -> Shipment:
        with self.lock:
            order = self.order(order_id)
            if not isinstance(payload, dict):
                raise ApiError(400, "The request body must be a JSON object.")
            address = _shipment_address(order, payload.get("order_address_id"))
            items = _shipment_items(order, address, payload.get("items"))
            shipment = Shipment(id=self._new_id("shipment"), order_id=order.id,
                                order_address_id=address.id, date_created=now(), items=items,
                                **_shipment_details(payload))
            self._record_shipment(order, address, shipment)
            return shipment

    def ship_all_unshipped(self, order_id: int, payload: dict,
                           items: list[tuple[int, int]] | None) -> Shipment:
        """A control-panel shipment: by default everything still unshipped, to one address."""
        with self.lock:
            order = self.order(order_id)
            if not order.addresses:
                raise ApiError(400, "The order has no shipping address to ship to.")
            if items is None:
                items = [(line.id, line.unshipped) for line in order.products if line.unshipped]
            if not items:
                raise ApiError(400, "Every item of this order has already been shipped.")
            first = next((line for line in order.products if line.id == items[0][0]), None)
            if first is None:
                raise invalid("order_product_id")
            body = {**payload, "order_address_id": first.order_address_id,
                    "items": [{"order_product_id": pid, "quantity": qty} for pid, qty in items]}
            return self.create_shipment(order_id, body)

    def _record_shipment(self, order: Order, address: ShippingAddress,
                         shipment: Shipment) -> None:
        for line, quantity in shipment.items:
            line.quantity_shipped += quantity
            address.items_shipped += quantity
        order.shipments.append(shipment)
        previous = order.status_id
        # Shipped once every line is fully shipped, Partially Shipped before that (§5).
        if order.items_shipped >= order.items_total:
            order.status_id, order.date_shipped = 2, now()
        else:
            order.status_id = 3
        self._emit("store/shipment/created",
                   {"type": "shipment", "id": shipment.id, "orderId": order.id})
        self._touch(order, previous)

    # ---- webhooks ---------------------------------------------------------------------------

    def create_hook(self, payload: Any) -> Hook:
        with self.lock:
            fields = _hook_fields(payload, creating=True)
            for hook in self.hooks.values():
                if (hook.scope, hook.destination) == (fields["scope"], fields["destination"]):
                    raise ApiError(422, "This webhook already exists.")
            stamp = int(time.time())
            hook = Hook(id=self._new_id("hook"), created_at=stamp, updated_at=stamp,
                        **{"is_active": True, "headers": {}, **fields})
            self.hooks[hook.id] = hook
            return hook

    def update_hook(self, hook_id: int, payload: Any) -> Hook:
        with self.lock:
            hook = self.hook(hook_id)
            for key, value in _hook_fields(payload, creating=False).items():
                setattr(hook, key, value)
            hook.updated_at = int(time.time())
            return hook

    def hook(self, hook_id: int) -> Hook:
        found = self.hooks.get(hook_id)
        if found is None:
            raise ApiError(404, "Webhook not found.")
        return found

    def hooks_for(self, scope: str) -> list[Hook]:
        with self.lock:
            return [h for h in self.hooks.values() if h.is_active and h.matches(scope)]


class _OrderBuilder:
    """Validates a POST /v2/orders body the way BigCommerce does and builds the Order."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def build(self, payload: Any) -> Order:
        if not isinstance(payload, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        _refuse_unwritable(payload, allowed=WRITABLE_ORDER_FIELDS, put=False)
        billing = _billing_address(payload.get("billing_address"))
        raw_lines, raw_addresses = _line_items_and_addresses(payload)
        order_id = self.state._new_id("order")
        addresses = [self._address(order_id, raw) for raw in raw_addresses]
        address_id = addresses[0].id if addresses else 0
        lines = [self._line(order_id, raw, address_id) for raw in raw_lines]
        for address in addresses[:1]:
            address.items_total = sum(line.quantity for line in lines)
        created = (parse_datetime("date_created", str(payload["date_created"]))
                   if payload.get("date_created") else now())
        return Order(
            id=order_id,
            customer_id=self.state._customer_id(payload.get("customer_id", 0)),
            status_id=_status_id(payload.get("status_id", 1)),
            date_created=created, date_modified=now(),
            billing_address=billing, money=_order_money(payload, lines),
            text={key: _text_field(key, payload.get(key)) for key in _TEXT_DEFAULTS},
            channel_id=parse_int("channel_id", payload.get("channel_id", 1), minimum=1),
            products=lines, addresses=addresses,
        )

    def _address(self, order_id: int, raw: Any) -> ShippingAddress:
        if not isinstance(raw, dict):
            raise invalid("shipping_addresses")
        fields = _address_fields(raw, "shipping_address")
        method = optional_text("shipping_method", raw, "shipping_method", limit=250) or ""
        return ShippingAddress(id=self.state._new_id("address"), order_id=order_id,
                               fields=fields, shipping_method=method)

    def _line(self, order_id: int, raw: Any, address_id: int) -> OrderProduct:
        if not isinstance(raw, dict):
            raise invalid("products")
        quantity = parse_int("quantity", raw.get("quantity"), minimum=1)
        if raw.get("product_id") is None:
            return self._custom_line(order_id, raw, quantity, address_id)
        product = self.state.products.get(parse_int("product_id", raw["product_id"]))
        if product is None:
            raise invalid("product_id")
        variant = self._variant(product, raw)
        if variant.purchasing_disabled or product.availability == "disabled":
            raise ApiError(400, f"The product '{product.name}' cannot be purchased.")
        ex_tax, inc_tax = _line_prices(raw, default=variant.price)
        return OrderProduct(
            id=self.state._new_id("order_product"), order_id=order_id, product_id=product.id,
            variant_id=variant.id, name=str(raw.get("name") or product.name), sku=variant.sku,
            upc=variant.upc, quantity=quantity, base_price=variant.price,
            price_ex_tax=ex_tax, price_inc_tax=inc_tax, order_address_id=address_id,
            product_options=[_rendered_option(value) for value in variant.option_values],
        )

    def _variant(self, product: catalog.Product, raw: dict) -> catalog.Variant:
        options_invalid = ApiError(400, "The options of one or more products are invalid.")
        if raw.get("variant_id") is not None:
            variant = self.state.variants.get(parse_int("variant_id", raw["variant_id"]))
            if variant is None or variant.product_id != product.id:
                raise options_invalid
            return variant
        if raw.get("product_options"):
            return _variant_by_options(product, raw["product_options"], options_invalid)
        if product.has_options:
            raise options_invalid
        return product.variants[0]

    def _custom_line(self, order_id: int, raw: dict, quantity: int,
                     address_id: int) -> OrderProduct:
        name = raw.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 250:
            raise invalid("name")
        for key in ("price_inc_tax", "price_ex_tax"):
            if raw.get(key) is None:
                raise invalid(key)
        ex_tax, inc_tax = _line_prices(raw, default=ZERO)
        return OrderProduct(
            id=self.state._new_id("order_product"), order_id=order_id, product_id=0,
            variant_id=0, name=name, sku=str(raw.get("sku") or ""), upc=str(raw.get("upc") or ""),
            quantity=quantity, base_price=ex_tax, price_ex_tax=ex_tax, price_inc_tax=inc_tax,
            order_address_id=address_id,
        )


# Free-text order fields and their defaults when not sent.
_TEXT_DEFAULTS: dict[str, Any] = {
    "payment_method": "", "payment_provider_id": "", "external_source": None,
    "external_order_id": "", "staff_notes": "", "customer_message": "", "customer_locale": "en",
}
_TEXT_LIMITS = {"staff_notes": 65535, "customer_message": 65535}


def _text_field(key: str, value: Any) -> Any:
    if value is None:
        return _TEXT_DEFAULTS.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid(key)
    text = str(value)
    if len(text) > _TEXT_LIMITS.get(key, 255):
        raise invalid(key)
    return text


def _refuse_unwritable(payload: dict, *, allowed: frozenset[str], put: bool) -> None:
    for key in payload:
        if key in READ_ONLY_ORDER_FIELDS or (put and key == "external_merchant_id"):
            raise ApiError(400, f"The field '{key}' cannot be written to. Please remove it "
                                "from your request before trying again.")
        if key not in allowed:
            if key in WRITABLE_ORDER_FIELDS:
                raise ApiError(400, f"The sandbox does not support updating '{key}'.")
            raise ApiError(400, f"The field '{key}' is not supported by this resource.")


def _status_id(value: Any) -> int:
    status_id = parse_int("status_id", value)
    if status_id not in catalog.STATUS_NAMES:
        raise invalid("status_id")
    return status_id


def _address_fields(raw: dict, name: str) -> dict[str, str]:
    for key, value in raw.items():
        if key in ADDRESS_FIELDS and value is None:
            raise ApiError(400, f"The field '{key}' does not allow null values.")
    zip_code = str(raw.get("zip") or "")
    if len(zip_code) < 2 or not (raw.get("country") or raw.get("country_iso2")):
        raise invalid(name)
    return {key: str(raw.get(key) or "") for key in ADDRESS_FIELDS}


def _billing_address(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid("billing_address")
    return {**_address_fields(raw, "billing_address"), "form_fields": []}


def _line_items_and_addresses(payload: dict) -> tuple[list, list]:
    """Shipping mode (`products`) or pickup mode (`consignments`), never both."""
    products, consignments = payload.get("products"), payload.get("consignments")
    addresses = payload.get("shipping_addresses") or []
    if consignments is not None:
        if products is not None or addresses:
            raise invalid("consignments")
        return _pickup_line_items(consignments), []
    if not isinstance(products, list) or not products:
        raise invalid("products")
    if not isinstance(addresses, list):
        raise invalid("shipping_addresses")
    return products, addresses


def _pickup_line_items(consignments: Any) -> list:
    entries = consignments if isinstance(consignments, list) else [consignments]
    lines = [line for entry in entries if isinstance(entry, dict)
             for pickup in entry.get("pickups") or [] if isinstance(pickup, dict)
             for line in pickup.get("line_items") or []]
    if not lines:
        raise invalid("consignments")
    return lines


def _line_prices(raw: dict, *, default: Decimal) -> tuple[Decimal, Decimal]:
    # Sending only one of the pair is a client bug in real BigCommerce (§2.2); mirror the one.
    ex_tax = raw.get("price_ex_tax", raw.get("price_inc_tax"))
    inc_tax = raw.get("price_inc_tax", raw.get("price_ex_tax"))
    if ex_tax is None:
        return default, default
    return parse_money("price_ex_tax", ex_tax), parse_money("price_inc_tax", inc_tax)


def _variant_by_options(product: catalog.Product, options: Any,
                        error: ApiError) -> catalog.Variant:
    if not isinstance(options, list):
        raise error
    try:
        wanted = {(int(o["id"]), int(o["value"])) for o in options}
    except (KeyError, TypeError, ValueError):
        raise error from None
    for variant in product.variants:
        if {(v.option_id, v.id) for v in variant.option_values} == wanted:
            return variant
    raise error


def _rendered_option(value: catalog.OptionValue) -> dict:
    return {"option_id": value.option_id, "display_name": value.option_display_name,
            "display_value": value.label, "value": str(value.id), "type": "Multiple choice",
            "name": value.option_display_name, "display_style": "Rectangle"}


def _order_money(payload: dict, lines: list[OrderProduct]) -> dict[str, Decimal]:
    def amount(key: str, fallback: Decimal = ZERO) -> Decimal:
        return parse_money(key, payload[key]) if payload.get(key) is not None else fallback

    def pair(prefix: str, ex_default: Decimal, inc_default: Decimal) -> tuple[Decimal, Decimal]:
        ex_key, inc_key = f"{prefix}_ex_tax", f"{prefix}_inc_tax"
        ex_tax = amount(ex_key, amount(inc_key, ex_default))
        return ex_tax, amount(inc_key, ex_tax if ex_key in payload else inc_default)

    sub_ex, sub_inc = pair("subtotal", sum((li.price_ex_tax * li.quantity for li in lines), ZERO),
                           sum((li.price_inc_tax * li.quantity for li in lines), ZERO))
    ship_ex, ship_inc = pair("shipping_cost", ZERO, ZERO)
    hand_ex, hand_inc = pair("handling_cost", ZERO, ZERO)
    wrap_ex, wrap_inc = pair("wrapping_cost", ZERO, ZERO)
    discount = amount("discount_amount")
    total_ex, total_inc = pair("total", sub_ex + ship_ex + hand_ex + wrap_ex - discount,
                               sub_inc + ship_inc + hand_inc + wrap_inc - discount)
    return {
        "subtotal_ex_tax": sub_ex, "subtotal_inc_tax": sub_inc,
        "subtotal_tax": sub_inc - sub_ex,
        "base_shipping_cost": amount("base_shipping_cost", ship_inc),
        "shipping_cost_ex_tax": ship_ex, "shipping_cost_inc_tax": ship_inc,
        "shipping_cost_tax": ship_inc - ship_ex,
        "base_handling_cost": amount("base_handling_cost", hand_inc),
        "handling_cost_ex_tax": hand_ex, "handling_cost_inc_tax": hand_inc,
        "handling_cost_tax": hand_inc - hand_ex,
        "base_wrapping_cost": amount("base_wrapping_cost", wrap_inc),
        "wrapping_cost_ex_tax": wrap_ex, "wrapping_cost_inc_tax": wrap_inc,
        "wrapping_cost_tax": wrap_inc - wrap_ex,
        "total_ex_tax": total_ex, "total_inc_tax": total_inc, "total_tax": total_inc - total_ex,
        "discount_amount": discount, "coupon_discount": ZERO, "refunded_amount": ZERO,
        "store_credit_amount": ZERO, "gift_certificate_amount": ZERO,
    }


def _order_filter(query: dict[str, str]) -> Callable[[Order], bool]:
    """Parse the GET /v2/orders filters up front, so a bad value is a 400 even with no orders."""
    tests: list[Callable[[Order], bool]] = []

    def add(name: str, parse: Callable[[str, str], Any],
            test: Callable[[Order, Any], bool]) -> None:
        if name in query:
            value = parse(name, query[name])
            tests.append(lambda order: test(order, value))

    def text(_name: str, value: str) -> str:
        return value

    add("external_order_id", text, lambda o, v: o.text["external_order_id"] == v)
    add("payment_method", text, lambda o, v: o.text["payment_method"] == v)
    add("email", text, lambda o, v: o.billing_address["email"].lower() == v.lower())
    add("status_id", parse_int, lambda o, v: o.status_id == v)
    add("customer_id", parse_int, lambda o, v: o.customer_id == v)
    add("channel_id", parse_int, lambda o, v: o.channel_id == v)
    add("min_id", parse_int, lambda o, v: o.id >= v)
    add("max_id", parse_int, lambda o, v: o.id <= v)
    add("min_total", parse_money, lambda o, v: o.money["total_inc_tax"] >= v)
    add("max_total", parse_money, lambda o, v: o.money["total_inc_tax"] <= v)
    add("min_date_created", parse_datetime, lambda o, v: o.date_created >= v)
    add("max_date_created", parse_datetime, lambda o, v: o.date_created <= v)
    # Inclusive bounds, so a poller that resends its last-seen second misses nothing.
    add("min_date_modified", parse_datetime, lambda o, v: o.date_modified >= v)
    add("max_date_modified", parse_datetime, lambda o, v: o.date_modified <= v)
    return lambda order: all(test(order) for test in tests)


def _order_sort(spec: str) -> tuple[Callable[[Order], Any], bool]:
    field_name, _, direction = spec.partition(":")
    keys: dict[str, Callable[[Order], Any]] = {
        "id": lambda o: o.id, "date_modified": lambda o: o.date_modified,
        "date_created": lambda o: o.date_created, "customer_id": lambda o: o.customer_id,
        "status_id": lambda o: o.status_id, "channel_id": lambda o: o.channel_id,
    }
    if field_name not in keys or direction not in ("", "asc", "desc"):
        raise invalid("sort")
    return keys[field_name], direction == "desc"


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


def _hook_fields(payload: Any, *, creating: bool) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ApiError(422, "Input is invalid", errors={"body": "must be a JSON object"})
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {}
    for key in ("scope", "destination"):
        if key in payload or creating:
            value = payload.get(key)
            if not isinstance(value, str) or not value:
                errors[key] = f"{key} is required and must be a non-empty string"
            fields[key] = value
    if isinstance(fields.get("scope"), str) and not fields["scope"].startswith("store/"):
        errors["scope"] = "scope must be a store/... event"
    if "is_active" in payload:
        if not isinstance(payload["is_active"], bool):
            errors["is_active"] = "is_active must be a boolean"
        fields["is_active"] = payload["is_active"]
    if "headers" in payload:
        headers = payload["headers"] or {}
        if not isinstance(headers, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            errors["headers"] = "headers must map strings to strings"
        fields["headers"] = headers
    if errors:
        raise ApiError(422, "Input is invalid", errors=errors)
    return fields


# --------------------------------------------------------------------------------------------
# Rendering (records → JSON bodies shaped like BigCommerce's)
# --------------------------------------------------------------------------------------------


def render_order(order: Order, base: str) -> dict[str, Any]:
    link_base = f"{base}/v2/orders/{order.id}"
    status_name = catalog.STATUS_NAMES[order.status_id]
    body: dict[str, Any] = {
        "id": order.id, "customer_id": order.customer_id,
        "date_created": rfc2822(order.date_created),
        "date_modified": rfc2822(order.date_modified),
        "date_shipped": rfc2822(order.date_shipped),
        "status_id": order.status_id, "status": status_name, "custom_status": status_name,
    }
    body |= {key: money(value) for key, value in order.money.items()}
    body |= {
        "shipping_cost_tax_class_id": 0, "handling_cost_tax_class_id": 0,
        "wrapping_cost_tax_class_id": 0, "is_tax_inclusive_pricing": False,
        "items_total": order.items_total, "items_shipped": order.items_shipped,
        "payment_status": "paid" if order.status_id in catalog.PAID_STATUS_IDS else "pending",
        "order_is_digital": False, "ip_address": "", "ip_address_v6": "", "geoip_country": "",
        "geoip_country_iso2": "", "currency_id": 1, "currency_code": catalog.CURRENCY,
        "currency_exchange_rate": "1.0000000000", "default_currency_id": 1,
        "default_currency_code": catalog.CURRENCY, "store_default_currency_code": "",
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "shipping_address_count": len(order.addresses), "ebay_order_id": "0", "cart_id": "",
        "billing_address": dict(order.billing_address), "is_email_opt_in": False,
        "credit_card_type": None, "order_source": "external", "channel_id": order.channel_id,
        "external_id": None, "external_merchant_id": None, "tax_provider_id": "",
        "is_deleted": order.is_deleted,
        "products": {"url": f"{link_base}/products",
                     "resource": f"/orders/{order.id}/products"},
        "shipping_addresses": {"url": f"{link_base}/shippingaddresses",
                               "resource": f"/orders/{order.id}/shippingaddresses"},
        "coupons": {"url": f"{link_base}/coupons", "resource": f"/orders/{order.id}/coupons"},
    }
    return body | order.text


def render_order_product(line: OrderProduct) -> dict[str, Any]:
    return {
        "id": line.id, "order_id": line.order_id, "product_id": line.product_id,
        "variant_id": line.variant_id, "order_address_id": line.order_address_id,
        "name": line.name, "name_customer": line.name, "name_merchant": line.name,
        "sku": line.sku, "upc": line.upc, "type": "physical",
        "base_price": money(line.base_price), "price_ex_tax": money(line.price_ex_tax),
        "price_inc_tax": money(line.price_inc_tax),
        "price_tax": money(line.price_inc_tax - line.price_ex_tax),
        "base_total": money(line.base_price * line.quantity),
        "total_ex_tax": money(line.price_ex_tax * line.quantity),
        "total_inc_tax": money(line.price_inc_tax * line.quantity),
        "total_tax": money((line.price_inc_tax - line.price_ex_tax) * line.quantity),
        "quantity": line.quantity, "quantity_shipped": line.quantity_shipped,
        "is_refunded": False, "quantity_refunded": 0, "refund_amount": "0.0000",
        "product_options": list(line.product_options), "applied_discounts": [],
    }


def render_address(address: ShippingAddress) -> dict[str, Any]:
    return {
        "id": address.id, "order_id": address.order_id, **address.fields,
        "form_fields": [], "items_total": address.items_total,
        "items_shipped": address.items_shipped, "shipping_method": address.shipping_method,
        "base_cost": "0.0000", "cost_ex_tax": "0.0000", "cost_inc_tax": "0.0000",
        "cost_tax": "0.0000", "cost_tax_class_id": 0, "base_handling_cost": "0.0000",
        "handling_cost_ex_tax": "0.0000", "handling_cost_inc_tax": "0.0000",
        "handling_cost_tax": "0.0000", "handling_cost_tax_class_id": 0,
        "shipping_zone_id": 1, "shipping_zone_name": "United States",
    }


def render_shipment(shipment: Shipment, order: Order) -> dict[str, Any]:
    display, template = TRACKING_URLS.get(
        shipment.shipping_provider or shipment.tracking_carrier, ("", ""))
    generated = template.format(shipment.tracking_number) if (
        template and shipment.tracking_number) else ""
    address = next(a for a in order.addresses if a.id == shipment.order_address_id)
    return {
        "id": shipment.id, "order_id": shipment.order_id, "customer_id": order.customer_id,
        "order_address_id": shipment.order_address_id,
        "date_created": rfc2822(shipment.date_created),
        "tracking_number": shipment.tracking_number,
        "merchant_shipping_cost": money(shipment.merchant_shipping_cost),
        "shipping_method": shipment.shipping_method,
        "comments": shipment.comments,
        "shipping_provider": shipment.shipping_provider,
        "tracking_carrier": shipment.tracking_carrier,
        "tracking_link": shipment.tracking_link,
        "generated_tracking_link": generated,
        "shipping_provider_display_name": display or shipment.shipping_provider,
        "billing_address": {k: v for k, v in order.billing_address.items()
                            if k != "form_fields"},
        "shipping_address": dict(address.fields),
        "items": [{"order_product_id": line.id, "product_id": line.product_id,
                   "quantity": quantity} for line, quantity in shipment.items],
    }


def render_variant(variant: catalog.Variant) -> dict[str, Any]:
    price = float(variant.price)  # V3 sends money as JSON numbers, unlike V2
    return {
        "id": variant.id, "product_id": variant.product_id, "sku": variant.sku, "sku_id": None,
        "price": price, "calculated_price": price, "sale_price": None, "retail_price": None,
        "map_price": None, "cost_price": 0, "weight": None, "calculated_weight": 1,
        "inventory_level": variant.inventory_level, "inventory_warning_level": 0,
        "purchasing_disabled": variant.purchasing_disabled,
        "purchasing_disabled_message": "", "upc": variant.upc, "bin_picking_number": "",
        "image_url": "",
        "option_values": [{"id": v.id, "label": v.label, "option_id": v.option_id,
                           "option_display_name": v.option_display_name}
                          for v in variant.option_values],
    }


def render_product(product: catalog.Product, include_variants: bool) -> dict[str, Any]:
    body = {
        "id": product.id, "name": product.name, "type": "physical", "sku": product.sku,
        "price": float(product.price), "calculated_price": float(product.price),
        "sale_price": 0, "availability": product.availability,
        "is_visible": product.availability != "disabled",
        "inventory_level": sum(v.inventory_level for v in product.variants),
        "inventory_tracking": "variant" if product.has_options else "product",
        "base_variant_id": None if product.has_options else product.variants[0].id,
    }
    if include_variants:
        body["variants"] = [render_variant(v) for v in product.variants]
    return body


def render_customer(customer: catalog.Customer) -> dict[str, Any]:
    return {
        "id": customer.id, "email": customer.email, "first_name": customer.first_name,
        "last_name": customer.last_name, "company": "", "phone": "", "notes": "",
        "tax_exempt_category": "", "customer_group_id": 0, "registration_ip_address": "",
        "date_created": "2024-01-02T15:04:05Z", "date_modified": "2024-01-02T15:04:05Z",
        "address_count": 0, "attribute_count": 0, "channel_ids": [1], "origin_channel_id": 1,
        "accepts_product_review_abandoned_cart_emails": False,
        "authentication": {"force_password_reset": False},
        "store_credit_amounts": [{"amount": 0}],
    }


def render_hook(hook: Hook, store_hash: str) -> dict[str, Any]:
    return {
        "id": hook.id, "client_id": "sandbox-client", "store_hash": store_hash,
        "scope": hook.scope, "destination": hook.destination, "is_active": hook.is_active,
        "headers": dict(hook.headers), "events_history_enabled": False,
        "created_at": hook.created_at, "updated_at": hook.updated_at,
    }


def page_of(items: list, query: dict[str, str]) -> tuple[list, int, int]:
    page = parse_int("page", query.get("page", "1"), minimum=1)
    limit = min(parse_int("limit", query.get("limit", "50"), minimum=1), MAX_PAGE_SIZE)
    return items[(page - 1) * limit: page * limit], page, limit


def v3_collection(items: list, query: dict[str, str]) -> dict[str, Any]:
    chunk, page, limit = page_of(items, query)
    pages = math.ceil(len(items) / limit)
    links = {"current": f"?page={page}&limit={limit}"}
    if page > 1:
        links["previous"] = f"?page={page - 1}&limit={limit}"
    if page < pages:
        links["next"] = f"?page={page + 1}&limit={limit}"
    return {"data": chunk, "meta": {"pagination": {
        "total": len(items), "count": len(chunk), "per_page": limit, "current_page": page,
        "total_pages": pages, "links": links}}}


# --------------------------------------------------------------------------------------------
# HTTP API: one function per endpoint, routed on (version, method, path)
# --------------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: Any = None  # None → empty body (204)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    method: str
    version: str
    path: str  # below /stores/{hash}/{version}
    query: dict[str, str]
    body: bytes
    content_type: str

    def json(self) -> Any:
        if not self.content_type.lower().startswith("application/json"):
            raise ApiError(415, "The specified content type is not supported.")
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise ApiError(400, "The request body is not valid JSON.") from None


def v2_list(items: list, query: dict[str, str]) -> Reply:
    chunk, _page, _limit = page_of(items, query)
    return Reply(200, chunk) if chunk else Reply(204)


class _Api:
    def __init__(self, state: SandboxState, base: Callable[[], str]) -> None:
        self.state = state
        self.base = base  # f"{url}/stores/{hash}"; a callable because the port comes late
        order, hook = r"/orders/(\d+)", r"/hooks/(\d+)"
        self.routes: list[tuple[str, str, re.Pattern[str], Callable[..., Reply]]] = [
            ("v2", "GET", re.compile(r"/store"), self.store),
            ("v2", "GET", re.compile(r"/time"), self.time),
            ("v2", "GET", re.compile(r"/order_statuses"), self.statuses),
            ("v2", "GET", re.compile(r"/orders"), self.list_orders),
            ("v2", "POST", re.compile(r"/orders"), self.create_order),
            ("v2", "GET", re.compile(r"/orders/count"), self.count_orders),
            ("v2", "GET", re.compile(order), self.get_order),
            ("v2", "PUT", re.compile(order), self.update_order),
            ("v2", "GET", re.compile(order + r"/products"), self.order_products),
            ("v2", "GET", re.compile(order + r"/shipping_?addresses"), self.order_addresses),
            ("v2", "GET", re.compile(order + r"/shipments"), self.list_shipments),
            ("v2", "POST", re.compile(order + r"/shipments"), self.create_shipment),
            ("v2", "GET", re.compile(order + r"/shipments/count"), self.count_shipments),
            ("v2", "GET", re.compile(order + r"/shipments/(\d+)"), self.get_shipment),
            ("v3", "GET", re.compile(r"/catalog/variants"), self.variants),
            ("v3", "GET", re.compile(r"/catalog/products"), self.products),
            ("v3", "GET", re.compile(r"/customers"), self.customers),
            ("v3", "GET", re.compile(r"/hooks"), self.list_hooks),
            ("v3", "POST", re.compile(r"/hooks"), self.create_hook),
            ("v3", "GET", re.compile(hook), self.get_hook),
            ("v3", "PUT", re.compile(hook), self.update_hook),
            ("v3", "DELETE", re.compile(hook), self.delete_hook),
        ]

    def dispatch(self, call: Call) -> Reply:
        path_known = False
        for version, method, pattern, handler in self.routes:
            match = pattern.fullmatch(call.path)
            if version != call.version or not match:
                continue
            path_known = True
            if method == call.method:
                return handler(call, *(int(g) for g in match.groups()))
        if path_known:
            raise ApiError(405, "The requested method is not allowed for this resource.")
        raise ApiError(404, NOT_FOUND)

    # ---- V2 store ---------------------------------------------------------------------------

    def store(self, call: Call) -> Reply:
        return Reply(200, self.state.store)

    def time(self, call: Call) -> Reply:
        return Reply(200, {"time": int(time.time())})

    def statuses(self, call: Call) -> Reply:
        return Reply(200, catalog.order_statuses())

    # ---- V2 orders --------------------------------------------------------------------------

    def list_orders(self, call: Call) -> Reply:
        orders = self.state.find_orders(call.query)
        with self.state.lock:
            return v2_list([render_order(o, self.base()) for o in orders], call.query)

    def count_orders(self, call: Call) -> Reply:
        orders = self.state.find_orders(call.query)
        statuses = [
            {key: value for key, value in status.items() if key != "order"}
            | {"count": sum(o.status_id == status["id"] for o in orders),
               "sort_order": status["order"]}
            for status in catalog.order_statuses()
        ]
        return Reply(200, {"statuses": statuses, "count": len(orders)})

    def create_order(self, call: Call) -> Reply:
        order = self.state.create_order(call.json())
        with self.state.lock:
            return Reply(201, render_order(order, self.base()))

    def get_order(self, call: Call, order_id: int) -> Reply:
        with self.state.lock:
            return Reply(200, render_order(self.state.order(order_id), self.base()))

    def update_order(self, call: Call, order_id: int) -> Reply:
        order = self.state.update_order(order_id, call.json())
        with self.state.lock:
            return Reply(200, render_order(order, self.base()))

    def order_products(self, call: Call, order_id: int) -> Reply:
        with self.state.lock:
            lines = [render_order_product(p) for p in self.state.order(order_id).products]
        return v2_list(lines, call.query)

    def order_addresses(self, call: Call, order_id: int) -> Reply:
        with self.state.lock:
            addresses = [render_address(a) for a in self.state.order(order_id).addresses]
        return v2_list(addresses, call.query)

    def list_shipments(self, call: Call, order_id: int) -> Reply:
        with self.state.lock:
            order = self.state.order(order_id)
            shipments = [render_shipment(s, order) for s in order.shipments]
        return v2_list(shipments, call.query)

    def count_shipments(self, call: Call, order_id: int) -> Reply:
        with self.state.lock:
            return Reply(200, {"count": len(self.state.order(order_id).shipments)})

    def get_shipment(self, call: Call, order_id: int, shipment_id: int) -> Reply:
        with self.state.lock:
            order = self.state.order(order_id)
            for shipment in order.shipments:
                if shipment.id == shipment_id:
                    return Reply(200, render_shipment(shipment, order))
        raise ApiError(404, NOT_FOUND)

    def create_shipment(self, call: Call, order_id: int) -> Reply:
        shipment = self.state.create_shipment(order_id, call.json())
        with self.state.lock:
            return Reply(201, render_shipment(shipment, self.state.order(order_id)))

    # ---- V3 catalog and customers -----------------------------------------------------------

    def variants(self, call: Call) -> Reply:
        q = call.query
        skus = _sku_filter(q)
        found = [v for v in self.state.variants.values()
                 if (skus is None or v.sku in skus)
                 and _ids_match(q, "id", v.id) and _ids_match(q, "product_id", v.product_id)
                 and ("upc" not in q or v.upc == q["upc"])]
        return Reply(200, v3_collection([render_variant(v) for v in found], q))

    def products(self, call: Call) -> Reply:
        q = call.query
        skus = _sku_filter(q)
        include_variants = "variants" in csv_values(q.get("include", ""))
        found = [p for p in self.state.products.values()
                 if (skus is None or p.sku in skus) and _ids_match(q, "id", p.id)]
        return Reply(200, v3_collection([render_product(p, include_variants) for p in found], q))

    def customers(self, call: Call) -> Reply:
        q = call.query
        emails = {e.lower() for e in csv_values(q["email:in"])} if "email:in" in q else None
        found = [c for c in self.state.customers.values()
                 if (emails is None or c.email.lower() in emails) and _ids_match(q, "id", c.id)]
        return Reply(200, v3_collection([render_customer(c) for c in found], q))

    # ---- V3 webhooks ------------------------------------------------------------------------

    def _hook_reply(self, hook: Hook) -> Reply:
        return Reply(200, {"data": render_hook(hook, self.state.store_hash), "meta": {}})

    def list_hooks(self, call: Call) -> Reply:
        q = call.query
        with self.state.lock:
            hooks = [render_hook(h, self.state.store_hash) for h in self.state.hooks.values()
                     if ("scope" not in q or h.scope == q["scope"])
                     and ("destination" not in q or h.destination == q["destination"])
                     and ("is_active" not in q
                          or str(h.is_active).lower() == q["is_active"].lower())]
        return Reply(200, v3_collection(hooks, q))

    def create_hook(self, call: Call) -> Reply:
        return self._hook_reply(self.state.create_hook(call.json()))

    def get_hook(self, call: Call, hook_id: int) -> Reply:
        with self.state.lock:
            return self._hook_reply(self.state.hook(hook_id))

    def update_hook(self, call: Call, hook_id: int) -> Reply:
        return self._hook_reply(self.state.update_hook(hook_id, call.json()))

    def delete_hook(self, call: Call, hook_id: int) -> Reply:
        with self.state.lock:
            hook = self.state.hook(hook_id)
            del self.state.hooks[hook_id]
            return self._hook_reply(hook)


def _sku_filter(query: dict[str, str]) -> set[str] | None:
    if "sku" in query:
        return {query["sku"]}
    if "sku:in" in query:
        return set(csv_values(query["sku:in"]))
    return None


def _ids_match(query: dict[str, str], name: str, value: int) -> bool:
    if f"{name}:in" in query:
        return value in csv_ints(f"{name}:in", query[f"{name}:in"])
    if name in query:
        return value == parse_int(name, query[name])
    return True


# --------------------------------------------------------------------------------------------
# Rate limit, fault injection, webhook delivery
# --------------------------------------------------------------------------------------------


class RateLimiter:
    """A fixed window per store, shared by every client, as BigCommerce meters it (§9)."""

    UNLIMITED = 1_000_000

    def __init__(self, quota: int, window_seconds: float) -> None:
        self.quota = quota
        self.window = window_seconds
        self._lock = threading.Lock()
        self._resets_at = 0.0
        self._left = quota

    def take(self, *, spend: bool = True) -> tuple[bool, dict[str, str]]:
        """Spend one request; answer whether it is allowed, plus the headers to send.

        With spend=False only the headers are wanted (for answers given before metering).
        """
        with self._lock:
            clock = time.monotonic()
            if clock >= self._resets_at:
                self._resets_at, self._left = clock + self.window, self.quota
            reset_ms = max(1, math.ceil((self._resets_at - clock) * 1000))
            allowed = self.quota == 0 or self._left > 0
            if allowed and self.quota and spend:
                self._left -= 1
            quota = self.quota or self.UNLIMITED
            left = self._left if self.quota else self.UNLIMITED
        headers = {
            "X-Rate-Limit-Time-Window-Ms": str(int(self.window * 1000)),
            "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
            "X-Rate-Limit-Requests-Quota": str(quota),
            "X-Rate-Limit-Requests-Left": str(left),
        }
        if not allowed and spend:
            headers["X-Retry-After"] = str(math.ceil(reset_ms / 1000))
        return allowed, headers


@dataclass
class Fault:
    method: str
    path_pattern: str
    kind: str
    times: int
    delay: float
    retry_after: int


class HeaderDict(dict[str, str]):
    """Request headers as sent, looked up case-insensitively (header names are)."""

    def _key(self, name: object) -> object:
        if isinstance(name, str):
            for key in self.keys():
                if key.lower() == name.lower():
                    return key
        return name

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(self._key(name))  # type: ignore[arg-type]

    def __contains__(self, name: object) -> bool:
        return super().__contains__(self._key(name))

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(self._key(name), default)  # type: ignore[arg-type]


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int = 0  # the status answered; 0 while in flight or when the connection was dropped


class WebhookDispatcher:
    """Delivers events off the request thread, in order, retrying failures with the same body.

    Redeliveries reuse the exact envelope, so receivers see the same `hash` (§11).
    """

    def __init__(self, store_hash: str, hooks_for: Callable[[str], list[Hook]]) -> None:
        self.store_hash = store_hash
        self.hooks_for = hooks_for
        self.retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0)
        self.deliveries: list[dict[str, Any]] = []  # what was posted, for tests and debugging
        self._queue: queue.Queue[tuple[Hook, bytes, int] | None] = queue.Queue()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._queue.put(None)

    def emit(self, scope: str, data: dict) -> None:
        for hook in self.hooks_for(scope):
            self._queue.put((hook, self.envelope(scope, data), 0))

    def envelope(self, scope: str, data: dict) -> bytes:
        payload = {"scope": scope, "store_id": str(catalog.STORE_NUMERIC_ID), "data": data,
                   "created_at": int(time.time()), "producer": f"stores/{self.store_hash}"}
        digest = hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        return json.dumps({**payload, "hash": digest}).encode()

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            hook, body, attempt = job
            if not self._deliver(hook, body) and attempt < len(self.retry_delays):
                self._retry_later(hook, body, attempt)

    def _retry_later(self, hook: Hook, body: bytes, attempt: int) -> None:
        def requeue() -> None:
            if not self._stopped.is_set():
                self._queue.put((hook, body, attempt + 1))

        timer = threading.Timer(self.retry_delays[attempt], requeue)
        timer.daemon = True
        timer.start()

    def _deliver(self, hook: Hook, body: bytes) -> bool:
        headers = {**hook.headers, "Content-Type": "application/json"}
        request = urllib.request.Request(hook.destination, data=body, headers=headers,
                                         method="POST")
        status = 0
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            log.warning("webhook to %s failed: %s", hook.destination, exc)
        self.deliveries.append({"hook_id": hook.id, "destination": hook.destination,
                                "body": json.loads(body), "status": status})
        return 200 <= status < 300


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    sandbox: SandboxServer


class _Handler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.1 keep-alive so a requests.Session reuses connections as it does with the real API.
    protocol_version = "HTTP/1.1"
    # Headers and body go out as one buffered write with Nagle off; otherwise every keep-alive
    # answer waits ~40 ms on the client's delayed ACK.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self.server.sandbox._handle(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox: " + format, *args)

    def answer(self, status: int, body: Any, headers: dict[str, str]) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", "application/json")
        if status != 204:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class SandboxServer:
    """A BigCommerce-like store on localhost. `start()` it, point a client at `url`."""

    def __init__(self, *, store_hash: str = "sandbox", access_token: str = "sandbox-token",
                 host: str = "127.0.0.1", port: int = 0,
                 quota: int = 150, window_seconds: float = 30.0) -> None:
        self.store_hash = store_hash
        self.access_token = access_token
        self.requests: list[RecordedRequest] = []
        self.webhooks = WebhookDispatcher(store_hash, self._hooks_for)
        self.state = SandboxState(store_hash, self.webhooks.emit)
        self.rate_limiter = RateLimiter(quota, window_seconds)
        self._api = _Api(self.state, lambda: f"{self.url}/stores/{self.store_hash}")
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.sandbox = self
        self._thread: threading.Thread | None = None

    def _hooks_for(self, scope: str) -> list[Hook]:
        return self.state.hooks_for(scope)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SandboxServer:
        self.webhooks.start()
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        name="sandbox-bigcommerce", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        # shutdown() waits for serve_forever() to exit, so it would hang if never started.
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread = None
        self._httpd.server_close()
        self.webhooks.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- test and control-panel hooks -------------------------------------------------------

    def inject(self, method: str, path_pattern: str, fault: str, *, times: int = 1,
               delay: float = 0.0, retry_after: int = 1) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {sorted(FAULTS)}")
        with self._lock:
            self._faults.append(Fault(method.upper(), path_pattern, fault, times, delay,
                                      retry_after))

    def ship_from_control_panel(self, order_id: int, *, shipping_provider: str = "ups",
                                tracking_number: str = "1Z999",
                                items: list[tuple[int, int]] | None = None) -> dict:
        details = {"shipping_provider": shipping_provider, "tracking_number": tracking_number}
        shipment = self.state.ship_all_unshipped(order_id, details, items)
        with self.state.lock:
            return render_shipment(shipment, self.state.order(order_id))

    def set_status(self, order_id: int, status_id: int) -> dict:
        order = self.state.set_status(order_id, status_id)
        with self.state.lock:
            return render_order(order, f"{self.url}/stores/{self.store_hash}")

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    # ---- request handling -------------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and re.fullmatch(fault.path_pattern, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _record(self, handler: _Handler) -> RecordedRequest:
        parts = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        recorded = RecordedRequest(
            method=handler.command, path=parts.path,
            query=dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
            headers=HeaderDict(handler.headers.items()),
            body=handler.rfile.read(length) if length else b"",
        )
        with self._lock:
            self.requests.append(recorded)
        return recorded

    def _handle(self, handler: _Handler) -> None:
        recorded = self._record(handler)
        version = "v3" if re.match(r"/stores/[^/]+/v3(/|$)", recorded.path) else "v2"
        headers: dict[str, str] = {}
        fault: Fault | None = None
        try:
            headers = self.rate_limiter.take(spend=False)[1]  # every answer carries them
            call = self._authorize(recorded, version)
            allowed, headers = self.rate_limiter.take()
            if not allowed:
                raise ApiError(429, "You have exceeded your rate limit.", headers=headers)
            fault = self._take_fault(recorded.method, recorded.path)
            self._fault_before(fault)
            reply = self._api.dispatch(call)
        except ApiError as error:
            reply = Reply(error.status, error.body(version), error.headers)
        except Exception:  # a sandbox bug must still look like a server error to the client
            log.exception("sandbox failed on %s %s", recorded.method, recorded.path)
            reply = Reply(500, ApiError(500, "Internal Server Error").body(version))
        reply = self._fault_after(fault, reply, version, handler)
        if reply is None:
            return
        recorded.status = reply.status
        handler.answer(reply.status, reply.body, {**headers, **reply.headers})

    def _authorize(self, recorded: RecordedRequest, version: str) -> Call:
        match = re.fullmatch(r"/stores/([^/]+)/(v2|v3)(/.*?)/?", recorded.path)
        if not match or match.group(1) != self.store_hash:
            raise ApiError(404, NOT_FOUND)
        if recorded.headers.get("X-Auth-Token") != self.access_token:
            raise ApiError(401, "You have provided an invalid or missing X-Auth-Token.")
        return Call(method=recorded.method, version=version, path=match.group(3),
                    query=recorded.query, body=recorded.body,
                    content_type=recorded.headers.get("Content-Type") or "")

    @staticmethod
    def _fault_before(fault: Fault | None) -> None:
        if fault is None:
            return
        if fault.kind == "500_before":
            raise ApiError(500, "Internal Server Error")
        if fault.kind == "429":
            wait = fault.retry_after
            raise ApiError(429, "You have exceeded your rate limit.", headers={
                "X-Rate-Limit-Time-Reset-Ms": str(wait * 1000), "X-Retry-After": str(wait),
                "X-Rate-Limit-Requests-Left": "0"})

    @staticmethod
    def _fault_after(fault: Fault | None, reply: Reply, version: str,
                     handler: _Handler) -> Reply | None:
        """The request has been applied; now lose, delay or drop its answer as injected."""
        if fault is None:
            return reply
        if fault.kind == "500_after":
            return Reply(500, ApiError(500, "Internal Server Error").body(version))
        if fault.kind == "delay_after":
            time.sleep(fault.delay)
        if fault.kind == "drop_after":
            handler.close_connection = True
            return None
        return reply


def serve_forever(port: int, *, store_hash: str = "sandbox",
                  access_token: str = "sandbox-token") -> None:
    """`paidorder sandbox`: run the store in the foreground until Ctrl-C."""
    server = SandboxServer(store_hash=store_hash, access_token=access_token, port=port).start()
    print(f"BigCommerce sandbox at {server.url}  store_hash={store_hash}  "
          f"access_token={access_token}  (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
