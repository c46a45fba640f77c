"""The catalog and customer lists as a large store answers them: filters, dates, addresses.

`GET /v3/catalog/products` takes `keyword`, `date_modified:min`, `include=variants` and pages;
`GET /v3/customers` takes `name:like`; `GET /v3/customers/addresses` takes `customer_id:in`
(products catalog v3 and customers v3 specs). `generated_products(n)` makes a deterministic
catalog of `n` products for measuring the bot against a store of realistic size.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandbox import catalog
from sandbox.bigcommerce.values import csv_values, parse_datetime

# When the seeded products were last changed; a change made through the sandbox dates it now.
SEEDED_AT = datetime(2024, 1, 2, 15, 4, 5, tzinfo=UTC)
FIRST_GENERATED_ID = 100_000

_ADJECTIVES = ("Classic", "Rugged", "Soft", "Vintage", "Urban", "Alpine", "Coastal", "Smart",
               "Light", "Heavy", "Organic", "Recycled", "Café", "Señor", "Crème")
_MATERIALS = ("Cotton", "Wool", "Linen", "Denim", "Leather", "Canvas", "Fleece", "Bamboo",
              "Silk", "Hemp", "Ceramic", "Steel")
_NOUNS = ("Shirt", "Hoodie", "Jacket", "Cap", "Scarf", "Sock", "Tote", "Mug", "Bottle",
          "Blanket", "Apron", "Glove", "Belt", "Poster", "Notebook", "Pillow", "Towel")
_SIZES = ((91, "S"), (92, "M"), (93, "L"))


def generated_products(count: int) -> tuple[catalog.Product, ...]:
    """`count` products, the same every time: every 10th has three size variants, every 40th
    can't be purchased."""
    products = []
    for n in range(count):
        product_id = FIRST_GENERATED_ID + n
        name = (f"{_ADJECTIVES[n % len(_ADJECTIVES)]} {_MATERIALS[(n // 7) % len(_MATERIALS)]} "
                f"{_NOUNS[(n // 3) % len(_NOUNS)]} {n:05d}")
        sku = f"GEN-{n:05d}"
        price = Decimal(5 + n % 95) + Decimal("0.99")
        disabled = n % 40 == 39
        first_variant = 1_000_000 + n * 3
        if n % 10 == 0:
            variants = tuple(
                catalog.Variant(first_variant + i, product_id, f"{sku}-{label}", price,
                                (catalog.OptionValue(value_id, label, 90, "Size"),),
                                purchasing_disabled=disabled)
                for i, (value_id, label) in enumerate(_SIZES))
        else:
            variants = (catalog.Variant(first_variant, product_id, sku, price,
                                        purchasing_disabled=disabled),)
        products.append(catalog.Product(product_id, name, sku, price,
                                        availability="disabled" if disabled else "available",
                                        variants=variants))
    return tuple(products)


def product_filter(query: dict[str, str]):  # noqa: ANN201 - a predicate
    """What `keyword` and `date_modified:min` keep: (product, date_modified) -> bool."""
    keyword = query.get("keyword", "").strip().casefold()
    since = (parse_datetime("date_modified:min", query["date_modified:min"])
             if "date_modified:min" in query else None)

    def keep(product: catalog.Product, modified: datetime) -> bool:
        if since is not None and modified < since:
            return False
        if keyword:
            texts = [product.name, product.sku, *(v.sku for v in product.variants)]
            return any(keyword in text.casefold() for text in texts)
        return True

    return keep


def name_like(customer: catalog.Customer, query: dict[str, str]) -> bool:
    """`name:like`: a substring of first_name and last_name concatenated (customers v3)."""
    if "name:like" not in query:
        return True
    full = f"{customer.first_name} {customer.last_name}".casefold()
    joined = f"{customer.first_name}{customer.last_name}".casefold()
    return any(part.casefold() in full or part.casefold() in joined
               for part in csv_values(query["name:like"]))


# Customer id -> saved addresses (customers v3 `customerAddress_Full`), in the order BigCommerce
# lists them.
ADDRESSES: dict[int, tuple[dict[str, Any], ...]] = {
    1: ({"id": 11, "first_name": "Jane", "last_name": "Doe", "company": "",
         "address1": "1 Main St", "address2": "Suite 4", "city": "Austin",
         "state_or_province": "Texas", "postal_code": "78701", "country": "United States",
         "country_code": "US", "phone": "+1 512 555 0100", "address_type": "residential"},
        {"id": 12, "first_name": "Jane", "last_name": "Doe", "company": "Doe & Co",
         "address1": "9 Dock Rd", "address2": "", "city": "Houston",
         "state_or_province": "Texas", "postal_code": "77001", "country": "United States",
         "country_code": "US", "phone": "", "address_type": "commercial"}),
    3: ({"id": 31, "first_name": "Alex", "last_name": "Kim", "company": "",
         "address1": "22 Rue de l'Été", "address2": "", "city": "Montréal",
         "state_or_province": "Quebec", "postal_code": "H2X 1Y4", "country": "Canada",
         "country_code": "CA", "phone": "+1 514 555 0123", "address_type": "residential"},),
}


def addresses(customer_ids: set[int] | None) -> list[dict[str, Any]]:
    return [{**address, "customer_id": customer_id}
            for customer_id, saved in ADDRESSES.items()
            if customer_ids is None or customer_id in customer_ids
            for address in saved]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
