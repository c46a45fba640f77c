"""The BigCommerce client: the few endpoints the bot uses, each answering with typed values.

The transport (one `request()` choke point, pacing, retries, paging) is in
commands/bigcommerce_transport.py; every answer is read by commands/bigcommerce_answers.py, so
an answer the bot cannot use raises `UnusableAnswer` here, before any caller sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from commands import bigcommerce_answers as answers
from commands.bigcommerce_answers import (
    Address,
    Channel,
    Customer,
    Hook,
    Order,
    OrderProduct,
    OrderStatus,
    Product,
    Shipment,
    ShippingAddress,
    Store,
    Variant,
)
from commands.bigcommerce_errors import (
    AuthenticationFailed,
    BigCommerceError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    Unavailable,
    UnusableAnswer,
)
from commands.bigcommerce_transport import (
    MAX_PAGE_SIZE,
    CallOutcome,
    RateLimitGovernor,
    Transport,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "AuthenticationFailed",
    "BigCommerceClient",
    "BigCommerceError",
    "CallOutcome",
    "InvalidRequest",
    "NotFound",
    "PermissionDenied",
    "RateLimitGovernor",
    "RateLimited",
    "ServerError",
    "Unavailable",
    "UnusableAnswer",
]

T = TypeVar("T")
Reader = Callable[[Any, str, str], T]


class BigCommerceClient(Transport):
    def store(self) -> Store:
        return self._one(answers.store, "GET", "/v2/store")

    def time(self) -> int:
        path = "/v2/time"
        return answers.Answer(self.request("GET", path), "GET", path, "the time").integer("time")

    def variants_by_sku(self, skus: Sequence[str]) -> list[Variant]:
        wanted = list(dict.fromkeys(s for s in skus if s))  # dedupe, keep order
        if not wanted:
            return []
        return self._many(answers.variant, "/v3/catalog/variants", {"sku:in": ",".join(wanted)})

    def products_by_id(self, ids: Sequence[int]) -> list[Product]:
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            return []
        # Modifiers come along: a required one must be on the order line (reference §13a).
        return self._many(answers.product, "/v3/catalog/products",
                          {"id:in": ",".join(map(str, wanted)), "include": "modifiers"})

    def channels(self) -> list[Channel]:
        return self._many(answers.channel, "/v3/channels", {})

    def customer_by_email(self, email: str) -> Customer | None:
        email = email.strip()
        if not email:
            return None
        path = "/v3/customers"
        answer = self.request("GET", path, params={"email:in": email})
        found = answer.get("data") if isinstance(answer, dict) else None
        # BigCommerce's filter is what decides, but we still insist on an exact match so a
        # looser server-side match can never attach the order to the wrong person.
        for raw in found if isinstance(found, list) else []:
            customer = answers.customer(raw, "GET", path)
            if customer.email.casefold() == email.casefold():
                return customer
        return None

    def catalog_products(self, modified_since: datetime | None = None
                         ) -> Iterator[Product | UnusableAnswer]:
        """Every product with its variants, page by page (at most 250 a page), or only those
        changed since `modified_since`; an unreadable product is yielded as its UnusableAnswer,
        so one odd product cannot keep the rest of the catalog out of the search."""
        path = "/v3/catalog/products"
        params = {"include": "variants"}
        if modified_since is not None:
            params["date_modified:min"] = modified_since.isoformat(timespec="seconds")
        for raw in self.get_many(path, params):
            try:
                yield answers.product(raw, "GET", path)
            except UnusableAnswer as exc:
                yield exc

    def customers_named(self, text: str, *, limit: int = 20) -> list[Customer]:
        """Customers whose name contains `text`, or whose email is `text` (the spec filters
        emails by exact match only), at most `limit`: one page, never the whole list."""
        path = "/v3/customers"
        key = "email:in" if "@" in text else "name:like"
        answer = self.request("GET", path, params={key: text, "limit": limit})
        found = answer.get("data") if isinstance(answer, dict) else None
        return [answers.customer(raw, "GET", path) for raw in
                (found if isinstance(found, list) else [])[:limit]]

    def customer_by_id(self, customer_id: int) -> Customer | None:
        found = self._many(answers.customer, "/v3/customers", {"id:in": int(customer_id)})
        return next((c for c in found if c.id == customer_id), None)

    def customer_addresses(self, customer_id: int) -> list[Address]:
        path = "/v3/customers/addresses"
        answer = self.request("GET", path, params={"customer_id:in": int(customer_id),
                                                   "limit": 10})
        found = answer.get("data") if isinstance(answer, dict) else None
        return [answers.address(raw, "GET", path) for raw in
                (found if isinstance(found, list) else [])]

    def create_order(self, body: dict) -> Order:
        return self._one(answers.order, "POST", "/v2/orders", json=body)

    def get_order(self, order_id: int) -> Order:
        return self._one(answers.order, "GET", f"/v2/orders/{int(order_id)}")

    def find_orders_by_external_id(self, external_order_id: str) -> list[Order]:
        params = {"external_order_id": external_order_id}
        # external_order_id is not unique in BigCommerce: return every match, let the caller judge.
        return self._many(answers.order, "/v2/orders", params)

    def orders_modified_since(self, since: datetime) -> Iterator[Order | UnusableAnswer]:
        """Every order changed since `since`; an order that can't be read is yielded as its
        UnusableAnswer, so one odd order elsewhere in the store cannot stop the others."""
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        params = {
            "min_date_modified": since.isoformat(timespec="seconds"),
            "sort": "date_modified:asc",
        }
        for raw in self.get_many("/v2/orders", params):
            try:
                yield answers.order(raw, "GET", "/v2/orders")
            except UnusableAnswer as exc:
                exc.order_id = answers.order_id_in(raw)
                yield exc

    def update_order(self, order_id: int, body: dict) -> Order:
        return self._one(answers.order, "PUT", f"/v2/orders/{int(order_id)}", json=body)

    def order_products(self, order_id: int) -> list[OrderProduct]:
        return self._many(answers.order_product, f"/v2/orders/{int(order_id)}/products",
                          order_id=order_id)

    def shipping_addresses(self, order_id: int) -> list[ShippingAddress]:
        return self._many(answers.shipping_address,
                          f"/v2/orders/{int(order_id)}/shipping_addresses", order_id=order_id)

    def shipments(self, order_id: int) -> list[Shipment]:
        return self._many(answers.shipment, f"/v2/orders/{int(order_id)}/shipments",
                          order_id=order_id)

    def create_shipment(self, order_id: int, body: dict) -> Shipment:
        return self._one(answers.shipment, "POST", f"/v2/orders/{int(order_id)}/shipments",
                         json=body, order_id=order_id)

    def order_statuses(self) -> list[OrderStatus]:
        path = "/v2/order_statuses"
        found = self.request("GET", path) or []
        if not isinstance(found, list):
            raise UnusableAnswer("the answer", "is not a list", method="GET", path=path)
        return [answers.order_status(raw, "GET", path) for raw in found]

    def create_hook(self, scope: str, destination: str, headers: dict[str, str]) -> Hook:
        body = {"scope": scope, "destination": destination, "is_active": True, "headers": headers}
        answer = self.request("POST", "/v3/hooks", json=body)
        # The spec wraps the hook in {"data": ...}; the guides show it bare. Accept both.
        if isinstance(answer, dict) and isinstance(answer.get("data"), dict):
            answer = answer["data"]
        return answers.hook(answer, "POST", "/v3/hooks")

    def hooks(self) -> list[Hook]:
        return self._many(answers.hook, "/v3/hooks")

    # ------------------------------------------------------------------ reading answers

    def _one(self, read: Reader[T], method: str, path: str, *, json: Any = None,
             order_id: int | None = None) -> T:
        raw = self.request(method, path, json=json)
        try:
            return read(raw, method, path)
        except UnusableAnswer as exc:
            exc.order_id = exc.order_id or order_id
            raise

    def _many(self, read: Reader[T], path: str, params: dict | None = None, *,
              order_id: int | None = None) -> list[T]:
        try:
            return [read(raw, "GET", path) for raw in self.get_many(path, params)]
        except UnusableAnswer as exc:
            exc.order_id = exc.order_id or order_id
            raise
