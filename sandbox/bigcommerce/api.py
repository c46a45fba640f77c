"""The HTTP API: one function per endpoint, routed on (version, method, path)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox import catalog
from sandbox.bigcommerce import catalog_search
from sandbox.bigcommerce.records import Hook
from sandbox.bigcommerce.render import (
    page_of,
    render_address,
    render_channel,
    render_customer,
    render_hook,
    render_modifier,
    render_options,
    render_order,
    render_order_product,
    render_product,
    render_shipment,
    render_variant,
    v3_collection,
)
from sandbox.bigcommerce.state import SandboxState
from sandbox.bigcommerce.values import NOT_FOUND, ApiError, csv_ints, csv_values, parse_int


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
            ("v3", "GET", re.compile(r"/catalog/products/(\d+)/modifiers"), self.modifiers),
            ("v3", "GET", re.compile(r"/catalog/products/(\d+)/options"), self.options),
            ("v3", "GET", re.compile(r"/channels"), self.channels),
            ("v3", "GET", re.compile(r"/customers"), self.customers),
            ("v3", "GET", re.compile(r"/customers/addresses"), self.customer_addresses),
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
        include = set(csv_values(q.get("include", "")))
        keep = catalog_search.product_filter(q)
        with self.state.lock:
            found = [p for p in self.state.products.values()
                     if (skus is None or p.sku in skus) and _ids_match(q, "id", p.id)
                     and keep(p, self.state.product_dates[p.id])]
            # Only the page asked for is rendered: a large catalog has tens of thousands.
            answer = v3_collection(found, q)
            answer["data"] = [
                {**render_product(p, include),
                 "date_modified": catalog_search.iso(self.state.product_dates[p.id])}
                for p in answer["data"]]
        return Reply(200, answer)

    def _product(self, product_id: int) -> catalog.Product:
        product = self.state.products.get(product_id)
        if product is None:
            raise ApiError(404, "The requested product was not found.")
        return product

    def modifiers(self, call: Call, product_id: int) -> Reply:
        product = self._product(product_id)
        return Reply(200, v3_collection([render_modifier(m) for m in product.modifiers],
                                        call.query))

    def options(self, call: Call, product_id: int) -> Reply:
        return Reply(200, v3_collection(render_options(self._product(product_id)), call.query))

    def channels(self, call: Call) -> Reply:
        return Reply(200, v3_collection([render_channel(*c) for c in self.state.channels()],
                                        call.query))

    def customers(self, call: Call) -> Reply:
        q = call.query
        emails = {e.lower() for e in csv_values(q["email:in"])} if "email:in" in q else None
        found = [c for c in self.state.customers.values()
                 if (emails is None or c.email.lower() in emails) and _ids_match(q, "id", c.id)
                 and catalog_search.name_like(c, q)]
        return Reply(200, v3_collection([render_customer(c) for c in found], q))

    def customer_addresses(self, call: Call) -> Reply:
        q = call.query
        wanted = csv_ints("customer_id:in", q["customer_id:in"]) if "customer_id:in" in q \
            else None
        return Reply(200, v3_collection(catalog_search.addresses(wanted), q))

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
