"""Reading one answer: what counts as an id, a count, money and text, without any HTTP."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from commands import bigcommerce_answers as answers
from commands.bigcommerce import UnusableAnswer

GOOD = {"id": 100, "status_id": 11, "status": "Awaiting Fulfillment", "total_inc_tax": "56.9800",
        "currency_code": "USD", "items_total": 2, "items_shipped": 0}


def order(**changes: Any) -> answers.Order:
    return answers.order({**GOOD, **changes}, "GET", "/v2/orders/100")


def test_a_good_order_reads_into_typed_values() -> None:
    assert order() == answers.Order(100, 11, "Awaiting Fulfillment", Decimal("56.9800"), "USD",
                                    2, 0)
    # V2 sometimes sends numbers as strings and money as numbers; both mean the same.
    assert order(id="100", status_id="11", total_inc_tax=56.98).total_inc_tax == Decimal("56.98")


@pytest.mark.parametrize(("changes", "field"), [
    ({"total_inc_tax": "56,98"}, "total_inc_tax"),
    ({"total_inc_tax": "NaN"}, "total_inc_tax"),
    ({"total_inc_tax": "Infinity"}, "total_inc_tax"),
    ({"total_inc_tax": -1.8e308}, "total_inc_tax"),
    ({"total_inc_tax": json.loads("1e999")}, "total_inc_tax"),
    ({"total_inc_tax": "1" * 41}, "total_inc_tax"),
    ({"total_inc_tax": True}, "total_inc_tax"),
    ({"total_inc_tax": {"value": 1}}, "total_inc_tax"),
    ({"status_id": None}, "status_id"),
    ({"status_id": True}, "status_id"),
    ({"status_id": 11.5}, "status_id"),
    ({"status_id": -1}, "status_id"),
    ({"id": 0}, "id"),
    ({"id": 2**31}, "id"),
    ({"id": "12abc"}, "id"),
    ({"items_shipped": "lots"}, "items_shipped"),
    ({"currency_code": "DOLLARS"}, "currency_code"),
    ({"status": ["Shipped"]}, "status"),
])
def test_an_odd_field_is_named(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(UnusableAnswer) as caught:
        order(**changes)
    assert caught.value.field.startswith(field + " of ")
    assert "(GET /v2/orders/100)" in str(caught.value)


def test_text_is_clipped_to_what_the_bot_stores() -> None:
    assert len(order(status="S" * 5000).status) == 64


@pytest.mark.parametrize("raw", [None, [], "order", 100])
def test_an_answer_that_is_not_an_object_is_unusable(raw: Any) -> None:
    with pytest.raises(UnusableAnswer, match="the answer is not an object"):
        answers.order(raw, "GET", "/v2/orders/100")
