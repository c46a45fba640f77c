"""Order bodies as BigCommerce checks them (§2.3), the builder, and the GET /v2/orders filters."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sandbox import catalog
from sandbox.bigcommerce.records import Order, OrderProduct, ShippingAddress
from sandbox.bigcommerce.values import (
    ZERO,
    ApiError,
    invalid,
    now,
    optional_text,
    parse_datetime,
    parse_int,
    parse_money,
)

if TYPE_CHECKING:
    from sandbox.bigcommerce.state import SandboxState

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
        customer_id = self.state._customer_id(payload.get("customer_id", 0))
        channel_id = parse_int("channel_id", payload.get("channel_id", 1), minimum=1)
        if channel_id not in self.state.active_channel_ids():
            raise invalid("channel_id")
        lines = [self._line(order_id, raw, address_id, customer_id) for raw in raw_lines]
        for address in addresses[:1]:
            address.items_total = sum(line.quantity for line in lines)
        created = (parse_datetime("date_created", str(payload["date_created"]))
                   if payload.get("date_created") else now())
        return Order(
            id=order_id,
            customer_id=customer_id,
            status_id=_status_id(payload.get("status_id", 1)),
            date_created=created, date_modified=now(),
            billing_address=billing, money=_order_money(payload, lines),
            text={key: _text_field(key, payload.get(key)) for key in _TEXT_DEFAULTS},
            channel_id=channel_id,
            products=lines, addresses=addresses,
        )

    def _address(self, order_id: int, raw: Any) -> ShippingAddress:
        if not isinstance(raw, dict):
            raise invalid("shipping_addresses")
        fields = _address_fields(raw, "shipping_address")
        method = optional_text("shipping_method", raw, "shipping_method", limit=250) or ""
        return ShippingAddress(id=self.state._new_id("address"), order_id=order_id,
                               fields=fields, shipping_method=method)

    def _line(self, order_id: int, raw: Any, address_id: int,
              customer_id: int) -> OrderProduct:
        if not isinstance(raw, dict):
            raise invalid("products")
        quantity = parse_int("quantity", raw.get("quantity"), minimum=1)
        if raw.get("product_id") is None:
            return self._custom_line(order_id, raw, quantity, address_id)
        product = self.state.products.get(parse_int("product_id", raw["product_id"]))
        if product is None:
            raise invalid("product_id")
        variant_options, modifier_options = _split_options(product, raw.get("product_options"))
        variant = self._variant(product, raw, variant_options)
        chosen = _modifier_choices(product, modifier_options)
        if variant.purchasing_disabled or product.availability == "disabled":
            raise ApiError(400, f"The product '{product.name}' cannot be purchased.")
        # No price sent: BigCommerce's pricing service prices the line, price lists included.
        ex_tax, inc_tax = _line_prices(raw, default=self.state.catalog_price(variant,
                                                                            customer_id))
        return OrderProduct(
            id=self.state._new_id("order_product"), order_id=order_id, product_id=product.id,
            variant_id=variant.id, name=str(raw.get("name") or product.name), sku=variant.sku,
            upc=variant.upc, quantity=quantity, base_price=variant.price,
            price_ex_tax=ex_tax, price_inc_tax=inc_tax, order_address_id=address_id,
            product_options=[*(_rendered_option(value) for value in variant.option_values),
                             *chosen],
        )

    def _variant(self, product: catalog.Product, raw: dict,
                 variant_options: list[tuple[int, str]]) -> catalog.Variant:
        if raw.get("variant_id") is not None:
            variant = self.state.variants.get(parse_int("variant_id", raw["variant_id"]))
            if variant is None or variant.product_id != product.id:
                raise OPTIONS_INVALID
            return variant
        if variant_options:
            return _variant_by_options(product, variant_options)
        if product.has_options:
            raise OPTIONS_INVALID
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
    _require_pair(raw, "price")
    if raw.get("price_ex_tax") is None:
        return default, default
    return (parse_money("price_ex_tax", raw["price_ex_tax"]),
            parse_money("price_inc_tax", raw["price_inc_tax"]))


def _require_pair(payload: dict, prefix: str) -> None:
    """BigCommerce computes wrong totals from half a pair (orders v2 spec: override both halves);
    the sandbox refuses it outright, so a client that sends one half is caught in tests."""
    halves = [payload.get(f"{prefix}_ex_tax") is None, payload.get(f"{prefix}_inc_tax") is None]
    if halves[0] != halves[1]:
        raise ApiError(400, f"The fields '{prefix}_ex_tax' and '{prefix}_inc_tax' must be sent "
                            "together.")


OPTIONS_INVALID = ApiError(400, "The options of one or more products are invalid.")


def _split_options(product: catalog.Product, options: Any
                   ) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """`product_options` entries for the variant's options and for the product's modifiers."""
    if options is None:
        return [], []
    if not isinstance(options, list):
        raise OPTIONS_INVALID
    variant_option_ids = {v.option_id for variant in product.variants
                          for v in variant.option_values}
    modifier_ids = {modifier.id for modifier in product.modifiers}
    variant_options, modifier_options = [], []
    for entry in options:
        try:
            key, value = int(entry["id"]), entry["value"]
        except (KeyError, TypeError, ValueError):
            raise OPTIONS_INVALID from None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise OPTIONS_INVALID
        if key in variant_option_ids:
            variant_options.append((key, str(value)))
        elif key in modifier_ids:
            modifier_options.append((key, str(value)))
        else:
            raise OPTIONS_INVALID
    return variant_options, modifier_options


def _variant_by_options(product: catalog.Product,
                        options: list[tuple[int, str]]) -> catalog.Variant:
    try:
        wanted = {(option_id, int(value)) for option_id, value in options}
    except ValueError:
        raise OPTIONS_INVALID from None
    for variant in product.variants:
        if {(v.option_id, v.id) for v in variant.option_values} == wanted:
            return variant
    raise OPTIONS_INVALID


def _modifier_choices(product: catalog.Product, options: list[tuple[int, str]]) -> list[dict]:
    """The line's modifier values, rendered; a required modifier left out is refused."""
    given = dict(options)
    rendered = []
    for modifier in product.modifiers:
        value = given.get(modifier.id)
        if value is None or (modifier.is_text and not value.strip()):
            if modifier.required:
                raise OPTIONS_INVALID
            continue
        if modifier.is_text:
            shown = value
        else:
            shown = next((v.label for v in modifier.values if str(v.id) == value), None)
            if shown is None:
                raise OPTIONS_INVALID
        rendered.append({
            "option_id": modifier.id, "display_name": modifier.display_name,
            "display_value": shown, "value": value, "name": modifier.display_name,
            "type": "Text field" if modifier.is_text else "Multiple choice",
            "display_style": "" if modifier.is_text else "Dropdown",
        })
    return rendered


def _rendered_option(value: catalog.OptionValue) -> dict:
    return {"option_id": value.option_id, "display_name": value.option_display_name,
            "display_value": value.label, "value": str(value.id), "type": "Multiple choice",
            "name": value.option_display_name, "display_style": "Rectangle"}


def _order_money(payload: dict, lines: list[OrderProduct]) -> dict[str, Decimal]:
    def amount(key: str, fallback: Decimal = ZERO) -> Decimal:
        return parse_money(key, payload[key]) if payload.get(key) is not None else fallback

    def pair(prefix: str, ex_default: Decimal, inc_default: Decimal) -> tuple[Decimal, Decimal]:
        _require_pair(payload, prefix)
        return amount(f"{prefix}_ex_tax", ex_default), amount(f"{prefix}_inc_tax", inc_default)

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
