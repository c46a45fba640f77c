"""Records → JSON bodies shaped like BigCommerce's, and V2/V3 paging."""

from __future__ import annotations

import math
from typing import Any

from sandbox import catalog
from sandbox.bigcommerce.records import Hook, Order, OrderProduct, Shipment, ShippingAddress
from sandbox.bigcommerce.values import money, parse_int, rfc2822

MAX_PAGE_SIZE = 250
TRACKING_URLS = {
    "ups": ("UPS", "https://www.ups.com/track?tracknum={}"),
    "usps": ("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={}"),
    "fedex": ("FedEx", "https://www.fedex.com/fedextrack/?trknbr={}"),
}


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


def render_product(product: catalog.Product, include: set[str]) -> dict[str, Any]:
    body = {
        "id": product.id, "name": product.name, "type": "physical", "sku": product.sku,
        "price": float(product.price), "calculated_price": float(product.price),
        "sale_price": 0, "availability": product.availability,
        "is_visible": product.availability != "disabled",
        "inventory_level": sum(v.inventory_level for v in product.variants),
        "inventory_tracking": "variant" if product.has_options else "product",
        "base_variant_id": None if product.has_options else product.variants[0].id,
    }
    if "variants" in include:
        body["variants"] = [render_variant(v) for v in product.variants]
    if "modifiers" in include:
        body["modifiers"] = [render_modifier(m) for m in product.modifiers]
    if "options" in include:
        body["options"] = render_options(product)
    return body


def render_modifier(modifier: catalog.Modifier) -> dict[str, Any]:
    """Products catalog v3 spec `productModifier_Full`."""
    return {
        "id": modifier.id, "product_id": modifier.product_id,
        "name": f"{modifier.display_name}{modifier.product_id}",
        "display_name": modifier.display_name, "type": modifier.type,
        "required": modifier.required, "sort_order": 0, "config": {},
        "option_values": [
            {"id": value.id, "option_id": modifier.id, "label": value.label,
             "sort_order": index, "value_data": None, "is_default": False,
             "adjusters": {"price": None, "weight": None, "image_url": "",
                           "purchasing_disabled": {"status": False, "message": ""}}}
            for index, value in enumerate(modifier.values)
        ],
    }


def render_options(product: catalog.Product) -> list[dict[str, Any]]:
    """The product's variant options (products catalog v3 spec `productOption_Full`)."""
    options: dict[int, dict[str, Any]] = {}
    for variant in product.variants:
        for value in variant.option_values:
            option = options.setdefault(value.option_id, {
                "id": value.option_id, "product_id": product.id,
                "display_name": value.option_display_name, "type": "rectangles",
                "sort_order": len(options), "option_values": [],
            })
            if all(v["id"] != value.id for v in option["option_values"]):
                option["option_values"].append({"id": value.id, "label": value.label,
                                                "sort_order": len(option["option_values"]),
                                                "value_data": None, "is_default": False})
    return list(options.values())


def render_channel(channel_id: int, name: str, status: str) -> dict[str, Any]:
    """A `GET /v3/channels` entry (BigCommerce channels v3)."""
    return {
        "id": channel_id, "name": name, "type": "storefront", "platform": "bigcommerce",
        "status": status, "is_listable_from_ui": True, "is_visible": True,
        "date_created": "2024-01-02T15:04:05Z", "date_modified": "2024-01-02T15:04:05Z",
        "external_id": "", "icon_url": "", "config_meta": {},
    }


def render_customer(customer: catalog.Customer) -> dict[str, Any]:
    return {
        "id": customer.id, "email": customer.email, "first_name": customer.first_name,
        "last_name": customer.last_name, "company": "", "phone": customer.phone, "notes": "",
        "tax_exempt_category": "", "customer_group_id": customer.customer_group_id,
        "registration_ip_address": "",
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
