"""Odd but spec-valid answers from the store, over real HTTP: each becomes one UnusableAnswer
naming the endpoint and the field (never the token), asked once and never repeated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from commands.bigcommerce import BigCommerceClient, BigCommerceError, UnusableAnswer
from sandbox.bigcommerce import SandboxServer
from tests.conftest import order_body

BASE = "/stores/sandbox"
ORDER = rf"{BASE}/v2/orders/\d+"


@pytest.fixture
def bc(store: SandboxServer) -> BigCommerceClient:
    return BigCommerceClient(store.url, store.store_hash, store.access_token,
                             sleep=lambda _seconds: None)


def shipped_order(bc: BigCommerceClient, store: SandboxServer) -> int:
    order = bc.create_order(order_body("PO-ODD"))
    store.ship_from_control_panel(order.id)
    return order.id


Call = Callable[[BigCommerceClient, int], Any]
CASES: list[tuple[str, str, dict[str, Any], tuple[str, ...], Call, str]] = [
    # (what, path, changes, drop, call, the field the error names)
    ("money that is not a number", ORDER, {"total_inc_tax": "twelve dollars"}, (),
     lambda bc, o: bc.get_order(o), "total_inc_tax of order"),
    ("a price like -1.8e308", ORDER, {"total_inc_tax": -1.8e308}, (),
     lambda bc, o: bc.get_order(o), "total_inc_tax of order"),
    ("an order without its id", ORDER, {}, ("id",), lambda bc, o: bc.get_order(o),
     "id of the order"),
    ("an order without status_id", ORDER, {}, ("status_id",), lambda bc, o: bc.get_order(o),
     "status_id of order"),
    ("an id past what the database holds", ORDER, {"id": 2**63}, (),
     lambda bc, o: bc.get_order(o), "id of the order"),
    ("a line without quantity", rf"{ORDER}/products", {}, ("quantity",),
     lambda bc, o: bc.order_products(o), "quantity of order line"),
    ("a shipment item without order_product_id", rf"{ORDER}/shipments", {},
     ("items.*.order_product_id",), lambda bc, o: bc.shipments(o), "order_product_id of an item"),
    ("a shipment item with a fractional quantity", rf"{ORDER}/shipments",
     {"items.*.quantity": 1.5}, (), lambda bc, o: bc.shipments(o), "quantity of an item"),
    ("a listed order with a word for status_id", rf"{BASE}/v2/orders",
     {"status_id": "eleven"}, (), lambda bc, o: bc.find_orders_by_external_id("PO-ODD"),
     "status_id of order"),
    ("a variant price that is not a number", rf"{BASE}/v3/catalog/variants",
     {"calculated_price": "NaN"}, (), lambda bc, o: bc.variants_by_sku(["MUG-WHT"]),
     "calculated_price of variant"),
    ("a variant without product_id", rf"{BASE}/v3/catalog/variants", {}, ("product_id",),
     lambda bc, o: bc.variants_by_sku(["MUG-WHT"]), "product_id of variant"),
    ("a product price of -1.8e308", rf"{BASE}/v3/catalog/products", {"price": -1.8e308}, (),
     lambda bc, o: bc.products_by_id([113]), "price of product"),
    ("a customer without id", rf"{BASE}/v3/customers", {}, ("id",),
     lambda bc, o: bc.customer_by_email("jane@example.com"), "id of a customer"),
]


@pytest.mark.parametrize(("path", "changes", "drop", "call", "field"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_an_odd_answer_is_one_unusable_answer_naming_endpoint_and_field(
    bc: BigCommerceClient, store: SandboxServer, path: str, changes: dict[str, Any],
    drop: tuple[str, ...], call: Call, field: str,
) -> None:
    order_id = shipped_order(bc, store)
    store.answer_oddly("GET", path, changes=changes, drop=drop, times=10)
    store.reset_requests()

    with pytest.raises(UnusableAnswer) as caught:
        call(bc, order_id)

    error = caught.value
    assert isinstance(error, BigCommerceError)
    assert field in error.field, error.field
    text = str(error)
    assert text.startswith("BigCommerce sent an answer the bot can't use: ")
    assert f"GET {store.requests[-1].path.removeprefix(BASE)}" in text
    assert store.access_token not in text and store.access_token not in repr(error)
    assert len(store.requests) == 1  # an unusable answer is not asked for again


def test_the_order_id_is_kept_when_only_a_later_field_is_odd(
    bc: BigCommerceClient, store: SandboxServer
) -> None:
    order_id = shipped_order(bc, store)
    store.answer_oddly("GET", ORDER, drop=("status_id",))
    with pytest.raises(UnusableAnswer) as caught:
        bc.get_order(order_id)
    assert caught.value.order_id == order_id


def test_a_create_answered_oddly_still_created_the_order(
    bc: BigCommerceClient, store: SandboxServer
) -> None:
    store.answer_oddly("POST", rf"{BASE}/v2/orders", drop=("id",))

    with pytest.raises(UnusableAnswer) as caught:
        bc.create_order(order_body("PO-MADE"))

    assert caught.value.order_id is None
    assert [r.method for r in store.requests].count("POST") == 1
    (made,) = bc.find_orders_by_external_id("PO-MADE")  # the next answer is fine again
    assert made.status_id == 11


def test_polling_yields_an_unreadable_order_without_stopping_the_others(
    bc: BigCommerceClient, store: SandboxServer
) -> None:
    first = bc.create_order(order_body("PO-1")).id
    second = bc.create_order(order_body("PO-2")).id
    store.answer_oddly("GET", rf"{BASE}/v2/orders", changes={"status_id": None})

    seen = list(bc.orders_modified_since(datetime.now(UTC) - timedelta(minutes=1)))

    assert [type(o).__name__ for o in seen] == ["UnusableAnswer", "UnusableAnswer"]
    assert [o.order_id for o in seen] == [first, second]


def test_every_request_carries_json_headers_get_included(
    bc: BigCommerceClient, store: SandboxServer
) -> None:
    order = bc.create_order(order_body("PO-H"))
    bc.get_order(order.id)
    bc.variants_by_sku(["MUG-WHT"])
    bc.time()

    gets = [r for r in store.requests if r.method == "GET"]
    assert len(gets) == 3
    for recorded in store.requests:
        assert recorded.headers.get("Content-Type") == "application/json", recorded.path
        assert recorded.headers.get("Accept") == "application/json", recorded.path


def test_a_strict_gateway_accepts_every_call_the_client_makes() -> None:
    with SandboxServer(quota=0, strict_gateway=True) as strict:
        bc = BigCommerceClient(strict.url, strict.store_hash, strict.access_token)
        order = bc.create_order(order_body("PO-STRICT"))
        assert bc.get_order(order.id).id == order.id
        assert bc.order_products(order.id) and bc.store().currency == "USD"
        assert {r.status for r in strict.requests} == {200, 201}
