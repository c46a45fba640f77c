"""The store's data: every read and write goes through `SandboxState`, under one re-entrant lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sandbox import catalog
from sandbox.bigcommerce.catalog_search import SEEDED_AT
from sandbox.bigcommerce.orders import (
    UPDATABLE_ORDER_FIELDS,
    _billing_address,
    _order_filter,
    _order_sort,
    _OrderBuilder,
    _refuse_unwritable,
    _status_id,
    _text_field,
)
from sandbox.bigcommerce.records import Hook, Order, Shipment, ShippingAddress
from sandbox.bigcommerce.shipments import _shipment_address, _shipment_details, _shipment_items
from sandbox.bigcommerce.values import NOT_FOUND, ApiError, invalid, now, parse_int
from sandbox.bigcommerce.webhooks import _hook_fields


class SandboxState:
    """The store's data. Thread-safe: public methods hold `lock` while they read or mutate."""

    def __init__(self, store_hash: str, emit: Callable[[str, dict], None]) -> None:
        self.lock = threading.RLock()
        self.store_hash = store_hash
        self.store = catalog.store_information(store_hash)
        self.products = {product.id: product for product in catalog.PRODUCTS}
        self.variants = {v.id: v for product in catalog.PRODUCTS for v in product.variants}
        self.customers = {customer.id: customer for customer in catalog.CUSTOMERS}
        # When each product last changed (`date_modified`); `update_product` moves it to now.
        self.product_dates = {product_id: SEEDED_AT for product_id in self.products}
        self.price_lists = catalog.PRICE_LISTS
        # How many of catalog.CHANNELS the store shows (more than one: Multi-Storefront).
        self.storefronts = 1
        self.orders: dict[int, Order] = {}
        self.hooks: dict[int, Hook] = {}
        self._emit = emit
        self._next = {"order": 100, "shipment": 1, "order_product": 1000, "address": 5000,
                      "hook": 1}

    def add_products(self, products: tuple[catalog.Product, ...]) -> None:
        with self.lock:
            for index, product in enumerate(products):
                self.products[product.id] = product
                self.variants.update({v.id: v for v in product.variants})
                # Changed one after another, the newest last, like a store's history.
                self.product_dates[product.id] = SEEDED_AT - timedelta(seconds=len(products)
                                                                        - index)

    def update_product(self, product_id: int, **changes: Any) -> catalog.Product:
        """Change a product as the control panel would: dated now, announced by webhook."""
        with self.lock:
            product = replace(self.products[product_id], **changes)
            self.products[product_id] = product
            self.variants.update({v.id: v for v in product.variants})
            self.product_dates[product_id] = now()
            self._emit("store/product/updated", {"type": "product", "id": product_id})
            return product

    def delete_product(self, product_id: int) -> None:
        with self.lock:
            product = self.products.pop(product_id)
            for variant in product.variants:
                self.variants.pop(variant.id, None)
            self.product_dates.pop(product_id, None)
            self._emit("store/product/deleted", {"type": "product", "id": product_id})

    def _new_id(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1
        return value

    def channels(self) -> list[tuple[int, str, str]]:
        return list(catalog.CHANNELS[:max(self.storefronts, 1)])

    def active_channel_ids(self) -> set[int]:
        return {cid for cid, _name, status in self.channels() if status == "active"}

    def catalog_price(self, variant: catalog.Variant, customer_id: int) -> Decimal:
        """What BigCommerce's pricing service charges this customer for `variant`."""
        customer = self.customers.get(customer_id)
        group = customer.customer_group_id if customer else 0
        return self.price_lists.get(group, {}).get(variant.id, variant.price)

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

    def deactivate_hook(self, hook_id: int) -> Hook:
        """What BigCommerce does to a hook after ~48 h of failures or 90 days without traffic."""
        with self.lock:
            hook = self.hook(hook_id)
            hook.is_active = False
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
