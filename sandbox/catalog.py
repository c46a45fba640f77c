"""Deterministic seed data for the BigCommerce sandbox store.

The bot's tests and the demo refer to these ids, SKUs and prices, so change them only together
with those. Shapes follow the V3 catalog/customers and V2 store/order-status responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

STORE_NAME = "Sandbox Outfitters"
# BigCommerce's numeric store id; webhook envelopes carry it as a string.
STORE_NUMERIC_ID = 1000001
CURRENCY = "USD"

# Statuses whose orders BigCommerce counts as paid (2020 orders overview).
PAID_STATUS_IDS = frozenset({2, 3, 8, 9, 10, 11})


@dataclass(frozen=True)
class OptionValue:
    id: int
    label: str
    option_id: int
    option_display_name: str


@dataclass(frozen=True)
class Variant:
    id: int
    product_id: int
    sku: str
    price: Decimal
    option_values: tuple[OptionValue, ...] = ()
    purchasing_disabled: bool = False
    inventory_level: int = 100
    upc: str = ""


@dataclass(frozen=True)
class ModifierValue:
    id: int
    label: str


@dataclass(frozen=True)
class Modifier:
    """A product modifier (products catalog v3 spec `productModifier_Full`): a choice or text the
    shopper adds to a line without it being a variant."""

    id: int
    product_id: int
    display_name: str
    type: str  # "text" or a choice type such as "dropdown"
    required: bool
    values: tuple[ModifierValue, ...] = ()

    @property
    def is_text(self) -> bool:
        return self.type in ("text", "multi_line_text", "numbers_only_text")


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    sku: str  # the base SKU: what `GET /v3/catalog/products?sku=` matches
    price: Decimal
    availability: str = "available"
    variants: tuple[Variant, ...] = field(default=())
    modifiers: tuple[Modifier, ...] = field(default=())

    @property
    def has_options(self) -> bool:
        # A product whose only variant is the base variant needs no variant_id on an order line.
        return len(self.variants) > 1


@dataclass(frozen=True)
class Customer:
    id: int
    email: str
    first_name: str
    last_name: str
    customer_group_id: int = 0
    phone: str = ""


def _opt(value_id: int, label: str, option_id: int, name: str) -> OptionValue:
    return OptionValue(value_id, label, option_id, name)


_RED = _opt(1001, "Red", 101, "Color")
_BLUE = _opt(1002, "Blue", 101, "Color")
_SIZE_M = _opt(1003, "M", 102, "Size")
_SIZE_L = _opt(1004, "L", 102, "Size")
_GREY = _opt(1005, "Grey", 103, "Color")
_NAVY = _opt(1006, "Navy", 103, "Color")

PRODUCTS: tuple[Product, ...] = (
    Product(
        111, "Classic T-Shirt", "TSHIRT", Decimal("19.99"),
        variants=(
            Variant(201, 111, "TSHIRT-RED-M", Decimal("19.99"), (_RED, _SIZE_M),
                    upc="012345678905"),
            Variant(202, 111, "TSHIRT-RED-L", Decimal("19.99"), (_RED, _SIZE_L)),
            Variant(203, 111, "TSHIRT-BLUE-M", Decimal("21.99"), (_BLUE, _SIZE_M)),
        ),
    ),
    Product(
        112, "Canvas Tote Bag", "TOTE-NAT", Decimal("14.50"),
        variants=(Variant(204, 112, "TOTE-NAT", Decimal("14.50")),),
    ),
    Product(
        113, "Ceramic Mug", "MUG-WHT", Decimal("12.00"),
        variants=(Variant(205, 113, "MUG-WHT", Decimal("12.00")),),
        modifiers=(Modifier(302, 113, "Gift wrap", "dropdown", required=False,
                            values=(ModifierValue(3021, "Yes"), ModifierValue(3022, "No"))),),
    ),
    Product(
        114, "Wool Beanie", "BEANIE", Decimal("24.00"),
        variants=(
            Variant(206, 114, "BEANIE-GRY", Decimal("24.00"), (_GREY,)),
            Variant(207, 114, "BEANIE-NVY", Decimal("24.00"), (_NAVY,)),
        ),
    ),
    Product(
        115, "Vintage Poster", "POSTER-OLD", Decimal("30.00"), availability="disabled",
        variants=(
            Variant(208, 115, "POSTER-OLD", Decimal("30.00"), purchasing_disabled=True,
                    inventory_level=0),
        ),
    ),
    Product(
        116, "Engraved Water Bottle", "BOTTLE-ENG", Decimal("25.00"),
        variants=(Variant(209, 116, "BOTTLE-ENG", Decimal("25.00")),),
        modifiers=(Modifier(301, 116, "Engraving", "text", required=True),),
    ),
)

CUSTOMERS: tuple[Customer, ...] = (
    Customer(1, "jane@example.com", "Jane", "Doe", phone="+1 512 555 0100"),
    Customer(2, "sam@example.com", "Sam", "Lee"),
    Customer(3, "ops@example.com", "Alex", "Kim"),
    # In the wholesale group, whose price list reprices any order line sent without a price.
    Customer(4, "buyer@wholesale.example.com", "Robin", "Park", customer_group_id=1),
)

# Customer group id → variant id → price: a price list assigned to the group (BigCommerce's
# pricing service applies it to catalog lines that carry no explicit price).
PRICE_LISTS: dict[int, dict[int, Decimal]] = {
    1: {201: Decimal("15.00"), 202: Decimal("15.00"), 203: Decimal("17.00"),
        205: Decimal("9.00"), 209: Decimal("20.00")},
}

# (id, name, status): the store's storefront channels (`GET /v3/channels`); the sandbox shows
# the first one only, unless started with more storefronts.
CHANNELS: tuple[tuple[int, str, str], ...] = (
    (1, "Sandbox Outfitters", "active"),
    (2, "Sandbox Outlet", "active"),
    (3, "Sandbox Wholesale (closed)", "disabled"),
)

# (id, name, system_description, sort order) exactly as the V2 order-status example lists them.
ORDER_STATUSES: tuple[tuple[int, str, str, int], ...] = (
    (0, "Incomplete", "An incomplete order happens when a shopper reached the payment page, "
     "but did not complete the transaction.", 0),
    (1, "Pending", "Customer started the checkout process, but did not complete it.", 1),
    (2, "Shipped", "Order has been shipped, but receipt has not been confirmed; seller has used "
     "the Ship Items action.", 8),
    (3, "Partially Shipped", "Only some items in the order have been shipped, due to some "
     "products being pre-order only or other reasons.", 6),
    (4, "Refunded", "Seller has used the Refund action.", 11),
    (5, "Cancelled", "Seller has cancelled an order, due to a stock inconsistency or other "
     "reasons.", 9),
    (6, "Declined", "Seller has marked the order as declined for lack of manual payment, or "
     "other reasons.", 10),
    (7, "Awaiting Payment", "Customer has completed checkout process, but payment has yet to "
     "be confirmed.", 2),
    (8, "Awaiting Pickup", "Order has been pulled, and is awaiting customer pickup from a "
     "seller-specified location.", 5),
    (9, "Awaiting Shipment", "Order has been pulled and packaged, and is awaiting collection "
     "from a shipping provider.", 4),
    (10, "Completed", "Client has paid for their digital product and their file(s) are "
     "available for download.", 7),
    (11, "Awaiting Fulfillment", "Customer has completed the checkout process and payment has "
     "been confirmed.", 3),
    (12, "Manual Verification Required", "Order is on hold while some aspect needs to be "
     "manually confirmed.", 13),
    (13, "Disputed", "Customer has initiated a dispute resolution process for the PayPal "
     "transaction that paid for the order.", 12),
    (14, "Partially Refunded", "Seller has partially refunded the order.", 14),
)
STATUS_NAMES: dict[int, str] = {sid: name for sid, name, _desc, _order in ORDER_STATUSES}


def order_statuses() -> list[dict]:
    return [
        {"id": sid, "name": name, "system_label": name, "custom_label": name,
         "system_description": desc, "order": order}
        for sid, name, desc, order in ORDER_STATUSES
    ]


def store_information(store_hash: str) -> dict:
    """The `GET /v2/store` body; URLs are derived from the hash the way BigCommerce does."""
    return {
        "id": store_hash,
        "account_uuid": "00000000-0000-4000-8000-000000000001",
        "domain": f"store-{store_hash}.mybigcommerce.com",
        "secure_url": f"https://store-{store_hash}.mybigcommerce.com",
        "control_panel_base_url": f"https://store-{store_hash}.mybigcommerce.com",
        "status": "live",
        "name": STORE_NAME,
        "first_name": "Alex",
        "last_name": "Kim",
        "address": "1 Market St, Austin, Texas 78701",
        "country": "United States",
        "country_code": "US",
        "phone": "+1 512 555 0199",
        "admin_email": "ops@example.com",
        "order_email": "orders@example.com",
        "favicon_url": "",
        "timezone": {
            "name": "America/Chicago", "raw_offset": -21600, "dst_offset": -18000,
            "dst_correction": True,
            "date_format": {"display": "M jS Y", "export": "M jS Y",
                            "extended_display": "M jS Y @ g:i A"},
        },
        "language": "en",
        "currency": CURRENCY,
        "currency_symbol": "$",
        "decimal_separator": ".",
        "thousands_separator": ",",
        "decimal_places": 2,
        "currency_symbol_location": "left",
        "weight_units": "Ounces",
        "dimension_units": "Inches",
        "dimension_decimal_places": 2,
        "dimension_decimal_token": ".",
        "dimension_thousands_token": ",",
        "plan_name": "Standard",
        "plan_level": "Standard",
        "plan_is_trial": False,
        "industry": "Apparel",
        "logo": [],
        "is_price_entered_with_tax": False,
        "store_id": STORE_NUMERIC_ID,
        "default_channel_id": 1,
        "default_site_id": 1000,
        "active_comparison_modules": [],
        "features": {
            "stencil_enabled": True, "sitewidehttps_enabled": True, "facebook_catalog_id": "",
            "checkout_type": "optimized", "wishlists_enabled": False,
            "graphql_storefront_api_enabled": True, "shopper_consent_tracking_enabled": True,
            "multi_storefront_enabled": False,
            "storefront_limits": {"active": 1, "total_including_inactive": 1},
        },
    }
