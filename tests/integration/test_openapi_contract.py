"""Every request our client sends must satisfy BigCommerce's official OpenAPI files.

The client is run against the sandbox store; then each request the sandbox recorded is checked
with openapi-core against the matching spec file. This keeps both the client and the sandbox
honest: the sandbox is lenient in places (it takes `"status_id": "11"`), the spec is not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from commands.bigcommerce import BigCommerceClient
from commands.webhook_upkeep import reactivate_hooks
from tests.conftest import BC_SPEC_DIR, order_body

openapi_core = pytest.importorskip("openapi_core", reason="openapi-core is not installed")
from openapi_core.contrib.requests import RequestsOpenAPIRequest  # noqa: E402

sandbox_module = pytest.importorskip("sandbox.bigcommerce", reason="the sandbox store is missing")

SPEC_DIR = BC_SPEC_DIR
# The specs' servers are https://api.bigcommerce.com/stores/{store_hash}/v2 (or /v3), so a
# request rewritten onto that host matches with the store hash as a server variable.
SPEC_HOST = "https://api.bigcommerce.com"

# (path below /stores/{hash}, spec file) — first match wins.
SPEC_FILES = (
    (r"/v2/(orders|order_statuses)(/.*)?", "orders.v2.oas2.yml"),
    (r"/v2/(store|time)", "store_information.v2.yml"),
    (r"/v3/catalog/variants(/.*)?", "product-variants_catalog.v3.yml"),
    (r"/v3/catalog/products(/.*)?", "products_catalog.v3.yml"),
    (r"/v3/customers(/.*)?", "customers.v3.yml"),
    (r"/v3/hooks(/.*)?", "webhooks.v3.yml"),
)

pytestmark = pytest.mark.skipif(
    not SPEC_DIR.is_dir(),
    reason=f"BigCommerce OpenAPI files not found in {SPEC_DIR} (set PAIDORDER_BC_SPEC_DIR)",
)


@cache
def spec(filename: str) -> Any:
    return openapi_core.OpenAPI.from_file_path(str(SPEC_DIR / filename))


def spec_file_for(path: str) -> str:
    below_store = re.sub(r"^/stores/[^/]+", "", path)
    for pattern, filename in SPEC_FILES:
        if re.fullmatch(pattern, below_store):
            return filename
    raise AssertionError(f"no spec file covers {path}")


def spec_query(query: dict[str, str]) -> dict[str, str]:
    # The orders spec documents `sort=<field>:asc|:desc` in prose but its enum lists only bare
    # field names, so a correct request fails the enum. Check the direction here, the field there.
    if "sort" in query:
        field, _, direction = query["sort"].partition(":")
        assert direction in ("", "asc", "desc"), query["sort"]
        query = {**query, "sort": field}
    return query


class ContractError(AssertionError):
    """A rule the spec states in words, or one openapi-core is not allowed to check."""


# The spec's own prose marks these fields required, but its schemas do not (`order_Post` and
# `orderShipment_Post` have no `required`), so openapi-core alone would let them go missing.
PROSE_REQUIRED = (
    ("POST", r"/stores/[^/]+/v2/orders", ("billing_address",), ("products", "consignments")),
    ("POST", r"/stores/[^/]+/v2/orders/\d+/shipments", ("order_address_id", "items"), ()),
)


def check_prose_rules(method: str, path: str, headers: Any, body: bytes) -> None:
    # OpenAPI 3.0 tells validators to ignore header parameters named Accept or Content-Type,
    # so openapi-core never enforces the `Accept` every operation declares as required.
    if {k.lower(): v for k, v in dict(headers).items()}.get("accept") != "application/json":
        raise ContractError(f"{method} {path} does not send Accept: application/json")
    for rule_method, pattern, required, one_of in PROSE_REQUIRED:
        if method != rule_method or not re.fullmatch(pattern, path):
            continue
        sent = json.loads(body or b"{}")
        missing = [name for name in required if name not in sent]
        if one_of and not any(name in sent for name in one_of):
            missing.append(" or ".join(one_of))
        if missing:
            raise ContractError(f"{method} {path} is missing {', '.join(missing)}")


def validate(method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> None:
    """Raise if the request breaks the official contract (openapi-core, then the prose rules)."""
    url = SPEC_HOST + path + ("?" + urlencode(spec_query(query)) if query else "")
    request = requests.Request(method, url, headers=dict(headers), data=body or None)
    spec(spec_file_for(path)).validate_request(RequestsOpenAPIRequest(request))
    check_prose_rules(method, path, headers, body)


def validate_recorded(recorded: Any) -> None:
    validate(recorded.method, recorded.path, recorded.query, recorded.headers, recorded.body)


# --------------------------------------------------------------------------- the client's calls


@pytest.fixture(scope="module")
def recorded() -> Iterator[list[Any]]:
    """Every request the client sent while using each of its methods once."""
    store = sandbox_module.SandboxServer(quota=0).start()
    try:
        bc = BigCommerceClient(store.url, "sandbox", "sandbox-token")
        exercise(bc)
        yield list(store.requests)
    finally:
        store.stop()


def exercise(bc: BigCommerceClient) -> None:
    bc.store()
    bc.time()
    bc.order_statuses()
    bc.variants_by_sku(["TSHIRT-RED-M", "MUG-WHT"])
    bc.products_by_id([111, 113])
    bc.customer_by_email("jane@example.com")
    list(bc.catalog_products())
    list(bc.catalog_products(datetime.now(UTC) - timedelta(hours=1)))
    bc.customers_named("Doe")
    bc.customers_named("sam@example.com")
    bc.customer_by_id(1)
    bc.customer_addresses(1)
    assert bc.find_orders_by_external_id("PO-000123") == []
    order = bc.create_order(order_body("PO-000123"))
    bc.get_order(order.id)
    list(bc.orders_modified_since(datetime.now(UTC) - timedelta(hours=1)))
    bc.update_order(order.id, {"staff_notes": "Checked by finance"})
    (line,) = bc.order_products(order.id)
    (destination,) = bc.shipping_addresses(order.id)
    bc.shipments(order.id)
    bc.create_shipment(
        order.id,
        {
            "order_address_id": destination.id,
            "tracking_number": "1Z999AA10123456784",
            "shipping_provider": "ups",
            "items": [{"order_product_id": line.id, "quantity": 2}],
        },
    )
    hook = bc.create_hook(
        "store/order/statusUpdated",
        "https://127.0.0.1:9/bigcommerce/webhooks",
        {"X-Paidorder-Secret": "long-random-value"},
    )
    bc.hooks()
    bc.request("PUT", f"/v3/hooks/{hook.id}", json={"is_active": False})
    [reenabled] = reactivate_hooks(bc)
    assert reenabled.reactivated


def test_every_request_the_client_sends_matches_the_spec(recorded: list[Any]) -> None:
    failures = []
    for request in recorded:
        try:
            validate_recorded(request)
        except Exception as exc:  # collect all, so one run shows every mismatch
            cause = f" ← {exc.__cause__}" if exc.__cause__ else ""
            failures.append(f"{request.method} {request.path}: {exc}{cause}")
    assert failures == []


def test_every_client_method_was_checked(recorded: list[Any]) -> None:
    calls = {(r.method, re.sub(r"/\d+", "/{id}", r.path)) for r in recorded}
    base = "/stores/sandbox"
    assert calls >= {
        ("GET", f"{base}/v2/store"),
        ("GET", f"{base}/v2/time"),
        ("GET", f"{base}/v2/order_statuses"),
        ("GET", f"{base}/v3/catalog/variants"),
        ("GET", f"{base}/v3/catalog/products"),
        ("GET", f"{base}/v3/customers"),
        ("GET", f"{base}/v3/customers/addresses"),
        ("GET", f"{base}/v2/orders"),
        ("POST", f"{base}/v2/orders"),
        ("GET", f"{base}/v2/orders/{{id}}"),
        ("PUT", f"{base}/v2/orders/{{id}}"),
        ("GET", f"{base}/v2/orders/{{id}}/products"),
        ("GET", f"{base}/v2/orders/{{id}}/shipping_addresses"),
        ("GET", f"{base}/v2/orders/{{id}}/shipments"),
        ("POST", f"{base}/v2/orders/{{id}}/shipments"),
        ("POST", f"{base}/v3/hooks"),
        ("GET", f"{base}/v3/hooks"),
        ("PUT", f"{base}/v3/hooks/{{id}}"),
    }
    assert all(r.status and r.status < 300 for r in recorded)


def test_every_request_asks_for_json(recorded: list[Any]) -> None:
    # The specs mark Accept and Content-Type required on every operation, GET included, and a
    # strict gateway refuses a call without them; we promise exactly application/json.
    assert {r.headers.get("Accept") for r in recorded} == {"application/json"}
    assert {r.headers.get("Content-Type") for r in recorded} == {"application/json"}
    assert any(r.method == "GET" for r in recorded)


def test_the_created_order_body_is_the_reference_example(recorded: list[Any]) -> None:
    (create,) = [r for r in recorded if (r.method, r.path) == ("POST", "/stores/sandbox/v2/orders")]
    body = json.loads(create.body)
    assert body["status_id"] == 11
    assert body["shipping_cost_inc_tax"] == "5.00"  # Decimal sent as a string, not a float


# --------------------------------------------------------------------------- the check bites

JSON_HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/json",
    "X-Auth-Token": "t",
}
SHIPMENTS = "/stores/sandbox/v2/orders/100/shipments"


@pytest.fixture
def store() -> Iterator[Any]:
    server = sandbox_module.SandboxServer(quota=0).start()
    yield server
    server.stop()


def test_a_string_status_id_breaks_the_contract_even_though_the_sandbox_takes_it(
    store: Any,
) -> None:
    bc = BigCommerceClient(store.url, "sandbox", "sandbox-token")
    bc.create_order({**order_body("PO-BAD"), "status_id": "11"})
    (sent,) = [r for r in store.requests if r.method == "POST"]

    with pytest.raises(openapi_core.validation.request.exceptions.InvalidRequestBody) as caught:
        validate_recorded(sent)
    assert "'11' is not of type 'integer'" in str(caught.value.__cause__)


@pytest.mark.parametrize(
    "bad",
    [
        {"products": {"product_id": 111, "quantity": 1}},  # must be an array
        {"billing_address": {"first_name": "Jane"}},  # zip is required
        {"customer_id": "guest"},
    ],
)
def test_malformed_order_bodies_break_the_contract(bad: dict[str, Any]) -> None:
    body = json.dumps({**order_body("PO-X"), **bad}, default=str).encode()

    with pytest.raises(openapi_core.validation.request.exceptions.InvalidRequestBody):
        validate("POST", "/stores/sandbox/v2/orders", {}, JSON_HEADERS, body)


@pytest.mark.parametrize(
    "body",
    [
        {"order_address_id": "first", "items": [{"order_product_id": 1, "quantity": 1}]},
        {"order_address_id": 5000, "items": [], "tracking_number": "1Z" * 30},  # max 50
    ],
)
def test_malformed_shipments_break_the_contract(body: dict[str, Any]) -> None:
    with pytest.raises(openapi_core.validation.request.exceptions.InvalidRequestBody):
        validate("POST", SHIPMENTS, {}, JSON_HEADERS, json.dumps(body).encode())


def test_a_shipment_without_items_breaks_the_contract() -> None:
    body = json.dumps({"order_address_id": 5000}).encode()
    with pytest.raises(ContractError, match="missing items"):
        validate("POST", SHIPMENTS, {}, JSON_HEADERS, body)


def test_an_order_without_lines_breaks_the_contract() -> None:
    body = json.dumps({"billing_address": {"zip": "78701"}, "status_id": 11}).encode()
    with pytest.raises(ContractError, match="products or consignments"):
        validate("POST", "/stores/sandbox/v2/orders", {}, JSON_HEADERS, body)


def test_a_request_without_accept_breaks_the_contract() -> None:
    with pytest.raises(ContractError, match="Accept"):
        validate("GET", "/stores/sandbox/v2/time", {}, {"X-Auth-Token": "t"}, b"")


def test_a_bad_query_parameter_breaks_the_contract() -> None:
    with pytest.raises(openapi_core.validation.request.exceptions.ParameterValidationError):
        validate("GET", "/stores/sandbox/v2/orders", {"status_id": "eleven"}, JSON_HEADERS, b"")
