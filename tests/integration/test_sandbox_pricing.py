"""The sandbox store prices, taxes and validates order lines the way BigCommerce does (reference
§2.2, §13a): price lists reprice lines sent without a price, no tax is computed for API orders,
modifiers, storefront channels, and both halves of every price pair."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.money import Tax, figures, pin
from sandbox.bigcommerce import SandboxServer
from sandbox.bigcommerce.state import SandboxState
from tests.conftest import address
from tests.integration.test_sandbox_store import Store, order_body, v2_error
from tests.unit.test_money import requests

WHOLESALE_CUSTOMER = 4  # in the customer group whose price list charges 15.00 a T-shirt
OPTIONS_INVALID = "The options of one or more products are invalid."


@pytest.fixture
def store() -> Iterator[Store]:
    with SandboxServer(quota=0) as server:
        yield Store(server)


def lines_of(store: Store, order: dict) -> list[dict]:
    return store.get(f"/v2/orders/{order['id']}/products").json()


def test_a_price_list_reprices_a_line_sent_without_a_price(store: Store) -> None:
    order = store.create_order(customer_id=WHOLESALE_CUSTOMER,
                               products=[{"product_id": 111, "variant_id": 201, "quantity": 2}])
    assert order["subtotal_ex_tax"] == "30.0000"  # 2 × 15.00, not 2 × 19.99
    guest = store.create_order(customer_id=0,
                               products=[{"product_id": 111, "variant_id": 201, "quantity": 2}])
    assert guest["subtotal_ex_tax"] == "39.9800"


def test_an_explicit_price_is_kept_whatever_the_customer_group(store: Store) -> None:
    order = store.create_order(customer_id=WHOLESALE_CUSTOMER, products=[
        {"product_id": 111, "variant_id": 201, "quantity": 2,
         "price_ex_tax": "19.99", "price_inc_tax": "19.99"}])
    assert order["subtotal_inc_tax"] == "39.9800"


def test_no_tax_is_computed_for_api_orders(store: Store) -> None:
    order = store.create_order()
    assert order["total_tax"] == "0.0000"
    assert order["total_inc_tax"] == order["total_ex_tax"]


@pytest.mark.parametrize("half", ["shipping_cost_ex_tax", "subtotal_inc_tax", "total_ex_tax"])
def test_half_an_order_level_pair_is_refused(store: Store, half: str) -> None:
    body = {key: value for key, value in order_body().items() if not key.startswith("shipping_c")}
    response = store.post("/v2/orders", {**body, half: "10.00"})
    assert "must be sent together" in v2_error(response, 400)


def test_half_a_line_price_pair_is_refused(store: Store) -> None:
    body = order_body(products=[{"product_id": 112, "quantity": 1, "price_ex_tax": "9.00"}])
    assert "must be sent together" in v2_error(store.post("/v2/orders", body), 400)


def test_a_required_text_modifier_must_be_sent(store: Store) -> None:
    bare = order_body(products=[{"product_id": 116, "quantity": 1}])
    assert v2_error(store.post("/v2/orders", bare), 400) == OPTIONS_INVALID
    blank = order_body(products=[{"product_id": 116, "quantity": 1,
                                  "product_options": [{"id": 301, "value": "  "}]}])
    assert v2_error(store.post("/v2/orders", blank), 400) == OPTIONS_INVALID
    order = store.create_order(products=[{"product_id": 116, "quantity": 1,
                                          "product_options": [{"id": 301, "value": "For Sam"}]}])
    [line] = lines_of(store, order)
    assert [(o["display_name"], o["display_value"]) for o in line["product_options"]] == [
        ("Engraving", "For Sam")]


def test_an_optional_choice_modifier_takes_a_value_id(store: Store) -> None:
    order = store.create_order(products=[
        {"product_id": 113, "quantity": 1, "product_options": [{"id": 302, "value": "3021"}]},
        {"product_id": 113, "quantity": 1}])
    first, second = lines_of(store, order)
    assert [o["display_value"] for o in first["product_options"]] == ["Yes"]
    assert second["product_options"] == []
    wrong = order_body(products=[{"product_id": 113, "quantity": 1,
                                  "product_options": [{"id": 302, "value": "Yes"}]}])
    assert v2_error(store.post("/v2/orders", wrong), 400) == OPTIONS_INVALID


def test_modifiers_go_with_a_variant_id(store: Store) -> None:
    """A modifier id is no variant option: a line may send variant_id and modifiers at once."""
    unknown = order_body(products=[{"product_id": 111, "variant_id": 201, "quantity": 1,
                                    "product_options": [{"id": 301, "value": "x"}]}])
    assert v2_error(store.post("/v2/orders", unknown), 400) == OPTIONS_INVALID
    by_options = store.create_order(products=[{"product_id": 111, "quantity": 1,
                                               "product_options": [{"id": 101, "value": "1002"},
                                                                   {"id": 102, "value": "1003"}]}])
    assert lines_of(store, by_options)[0]["sku"] == "TSHIRT-BLUE-M"


def test_catalog_reads_include_modifiers_and_options(store: Store) -> None:
    [mug] = store.get("/v3/catalog/products", params={"id:in": "113",
                                                       "include": "variants,modifiers"}
                      ).json()["data"]
    assert [(m["display_name"], m["required"], [v["label"] for v in m["option_values"]])
            for m in mug["modifiers"]] == [("Gift wrap", False, ["Yes", "No"])]
    bottle = store.get("/v3/catalog/products/116/modifiers").json()["data"]
    assert [(m["id"], m["type"], m["required"]) for m in bottle] == [(301, "text", True)]
    options = store.get("/v3/catalog/products/111/options").json()["data"]
    assert [(o["display_name"], [v["label"] for v in o["option_values"]]) for o in options] == [
        ("Color", ["Red", "Blue"]), ("Size", ["M", "L"])]
    assert store.get("/v3/catalog/products/999/modifiers").status_code == 404


def test_one_storefront_unless_asked_for_more(store: Store) -> None:
    channels = store.get("/v3/channels").json()["data"]
    assert [(c["id"], c["type"], c["status"]) for c in channels] == [(1, "storefront", "active")]
    assert v2_error(store.post("/v2/orders", order_body(channel_id=2)), 400) == (
        "The field 'channel_id' is invalid.")


def test_a_multi_storefront_store_takes_orders_on_any_active_channel() -> None:
    with SandboxServer(quota=0, storefronts=3) as server:
        store = Store(server)
        statuses = [(c["id"], c["status"]) for c in store.get("/v3/channels").json()["data"]]
        assert statuses == [(1, "active"), (2, "active"), (3, "disabled")]
        assert store.create_order(channel_id=2)["channel_id"] == 2
        assert v2_error(store.post("/v2/orders", order_body(channel_id=3)), 400) == (
            "The field 'channel_id' is invalid.")


def test_a_tax_inclusive_store_says_so() -> None:
    with SandboxServer(quota=0, tax_inclusive=True) as server:
        assert Store(server).get("/v2/store").json()["is_price_entered_with_tax"] is True


@pytest.mark.parametrize("inclusive", [False, True])
def test_pinned_money_makes_the_store_total_the_card_total(inclusive: bool) -> None:
    """The money module's fields, sent for a wholesale customer, survive the price list."""
    lines = [(3, 111, 201, "17.50"), (1, 113, 205, "12.00")]
    money = figures([q * _d(p) for q, _pid, _vid, p in lines], discount=_d("4.00"),
                    shipping=_d("6.95"), tax=Tax(rate=_d("8.25")), tax_inclusive=inclusive)
    pinned = pin([(q, _d(p)) for q, *_rest, p in lines], money)
    products: list[dict[str, Any]] = [
        {"product_id": pid, "variant_id": vid, "quantity": q,
         "price_ex_tax": str(priced.price_ex_tax), "price_inc_tax": str(priced.price_inc_tax)}
        for (q, pid, vid, _p), priced in zip(lines, pinned.lines, strict=True)]
    with SandboxServer(quota=0, tax_inclusive=inclusive) as server:
        body = {**order_body(customer_id=WHOLESALE_CUSTOMER, products=products),
                "billing_address": address(), **pinned.order_fields()}
        order = Store(server).create_order(**body)
    assert _d(order["total_inc_tax"]) == money.total
    assert _d(order["total_tax"]) == money.tax
    assert _d(order["discount_amount"]) == money.discount


def _d(text: str) -> Decimal:
    return Decimal(text)


@settings(max_examples=150, deadline=None)
@given(requests(), st.booleans())
def test_for_any_request_the_store_computes_the_card_figures(case: tuple, inclusive: bool) -> None:
    """Property: whatever the lines, discount, shipping and rate, on either kind of store, the
    order BigCommerce computes from what is sent has the card's totals (sandbox state, no HTTP:
    the same builder that answers POST /v2/orders)."""
    lines, money = case
    money = figures([q * p for q, p in lines], discount=money.discount, shipping=money.shipping,
                    tax=Tax(rate=_d("7.5")) if money.tax else None, tax_inclusive=inclusive)
    pinned = pin(lines, money)
    products = [{"product_id": 111, "variant_id": 201, "quantity": q,
                 "price_ex_tax": float(p.price_ex_tax), "price_inc_tax": float(p.price_inc_tax)}
                for (q, _unit), p in zip(lines, pinned.lines, strict=True)]
    state = SandboxState("sandbox", lambda scope, data: None)
    order = state.create_order({**order_body(customer_id=WHOLESALE_CUSTOMER, products=products),
                                **pinned.order_fields()})
    assert order.money["total_inc_tax"] == money.total
    assert order.money["total_tax"] == money.tax
    assert order.money["subtotal_ex_tax"] - order.money["discount_amount"] \
        + order.money["shipping_cost_ex_tax"] == order.money["total_ex_tax"]
