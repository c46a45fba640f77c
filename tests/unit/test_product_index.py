"""The product index's refresh rules against an in-memory source: a refresh that fails half-way
changes nothing, not even where the next one starts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

from commands.bigcommerce import ServerError, UnusableAnswer
from commands.bigcommerce_answers import Product, Variant
from commands.product_index import ProductIndex

EARLY = datetime(2026, 1, 1, tzinfo=UTC)
LATER = datetime(2026, 2, 1, tzinfo=UTC)


def product(product_id: int, name: str, modified: datetime) -> Product:
    return Product(product_id, name, Decimal("5"), "available", sku=f"P{product_id}",
                   date_modified=modified,
                   variants=(Variant(product_id * 10, product_id, f"P{product_id}",
                                     Decimal("5"), False),))


class FlakyCatalog:
    def __init__(self) -> None:
        self.asked: list[datetime | None] = []
        self.pages: list[list[Product | Exception]] = []

    def catalog_products(self, modified_since: datetime | None = None
                         ) -> Iterator[Product | UnusableAnswer]:
        self.asked.append(modified_since)
        for item in self.pages.pop(0):
            if isinstance(item, Exception):
                raise item
            yield item


def test_a_refresh_that_fails_half_way_starts_again_where_the_last_good_one_ended() -> None:
    source = FlakyCatalog()
    source.pages = [[product(1, "Mug", EARLY)],
                    [product(2, "Cap", LATER), ServerError("boom", method="GET", path="/p")],
                    [product(2, "Cap", LATER)]]
    index = ProductIndex(source)
    index.refresh()
    index.refresh()  # fails after reading the Cap: the index stays as it was
    assert [x.name for x in index.search("cap")] == []
    index.refresh()
    assert source.asked == [None, EARLY, EARLY]
    assert [x.name for x in index.search("cap")] == ["Cap"]
