"""The product search's index against the sandbox store over HTTP: paged full sync, changes
since the newest date seen, products that can't be bought or read, and the customer lists."""

from __future__ import annotations

import math

from commands.bigcommerce import BigCommerceClient
from commands.product_index import ProductIndex
from sandbox.bigcommerce import SandboxServer
from sandbox.bigcommerce.catalog_search import generated_products


def client_for(store: SandboxServer) -> BigCommerceClient:
    return BigCommerceClient(store.url, store.store_hash, store.access_token)


def product_reads(store: SandboxServer) -> list[dict[str, str]]:
    return [r.query for r in store.requests if r.path.endswith("/v3/catalog/products")]


def test_a_full_sync_pages_250_at_a_time_with_variants(store: SandboxServer) -> None:
    store.state.add_products(generated_products(1000))
    index = ProductIndex(client_for(store))
    index.refresh()
    reads = product_reads(store)
    assert len(reads) == math.ceil(1006 / 250)
    assert all(q["include"] == "variants" and q["limit"] == "250" for q in reads)
    assert [q["page"] for q in reads] == ["1", "2", "3", "4", "5"]
    # Every 10th generated product has three size variants, each its own SKU.
    assert len(index) == 9 + 900 + 100 * 3 and index.ready


def test_a_refresh_asks_only_for_changes_and_picks_them_up(store: SandboxServer) -> None:
    index = ProductIndex(client_for(store))
    index.refresh()
    store.state.update_product(112, name="Canvas Tote Bag Deluxe")
    index.refresh()
    asked = product_reads(store)[-1]
    # From the newest change seen, inclusive: a change later in that second is not missed.
    assert asked["date_modified:min"] == "2024-01-02T15:04:05+00:00"
    [found] = index.search("deluxe")
    assert (found.sku, found.name) == ("TOTE-NAT", "Canvas Tote Bag Deluxe")


def test_a_purchasing_disabled_or_invisible_product_is_marked_and_last(
        store: SandboxServer) -> None:
    index = ProductIndex(client_for(store))
    index.refresh()
    [poster] = index.search("POSTER-OLD")
    assert not poster.purchasable
    store.answer_oddly("GET", r".*/v3/catalog/products", changes={"is_visible": False}, times=1)
    hidden = ProductIndex(client_for(store))
    hidden.refresh()
    assert not any(listing.purchasable for listing in hidden.search("mug"))


def test_an_unreadable_product_is_left_out_not_the_catalog(store: SandboxServer) -> None:
    store.answer_oddly("GET", r".*/v3/catalog/products",
                       changes={"variants.*.calculated_price": "n/a"})
    index = ProductIndex(client_for(store))
    index.refresh()
    assert index.ready and len(index) == 0  # every product on that page was odd
    store.state.update_product(113, name="Ceramic Mug")
    index.refresh()
    assert [x.sku for x in index.search("mug")] == ["MUG-WHT"]


def test_the_sandbox_filters_products_and_customers_like_the_specs(
        store: SandboxServer) -> None:
    bc = client_for(store)
    answer = bc.request("GET", "/v3/catalog/products", params={"keyword": "shirt", "limit": 1})
    assert [p["name"] for p in answer["data"]] == ["Classic T-Shirt"]
    assert answer["meta"]["pagination"]["total"] == 1
    assert [c.email for c in bc.customers_named("oe")] == ["jane@example.com"]
    assert [c.id for c in bc.customers_named("SAM@example.com")] == [2]
    [home, _work] = bc.customer_addresses(1)
    assert (home.street, home.city, home.country_code) == ("1 Main St, Suite 4", "Austin", "US")
    assert bc.customer_addresses(2) == []


def test_a_failed_refresh_keeps_the_index_and_loses_no_change(store: SandboxServer) -> None:
    store.state.add_products(generated_products(300))  # two pages
    bc = BigCommerceClient(store.url, store.store_hash, store.access_token, max_retries=0)
    index = ProductIndex(bc)
    index.refresh()
    store.state.update_product(112, name="Canvas Tote Bag Deluxe")
    store.inject("GET", r".*/v3/catalog/products", "500_before")
    index.refresh()  # fails: logged, the index as it was
    assert index.search("TOTE-NAT")[0].name == "Canvas Tote Bag"
    index.refresh()
    assert index.search("TOTE-NAT")[0].name == "Canvas Tote Bag Deluxe"
