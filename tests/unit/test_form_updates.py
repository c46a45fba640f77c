"""The request modal rewritten by a choice: fresh block ids where the bot writes, nothing else
touched, and every option within Block Kit's limits whatever the catalog holds."""

from __future__ import annotations

from decimal import Decimal

from bot import ids
from bot.form_updates import customer_option, product_option, with_customer, with_product_line
from bot.views import errors_on_blocks, form_from_view, request_modal
from commands.bigcommerce_answers import Address, Customer
from commands.product_index import Listing


def opened(**typed: str) -> dict:
    view = request_modal(origin_channel="C1") | {"id": "V1", "hash": "h1"}
    view["state"] = {"values": {field: {ids.VALUE: {"type": "plain_text_input", "value": v}}
                                for field, v in typed.items()}}
    return view


def ids_of(view: dict) -> list[str]:
    return [b["block_id"] for b in view["blocks"]]


def test_a_product_line_renews_only_items_and_the_typeahead() -> None:
    view = opened(items="MUG-WHT x 2", notes="typed")
    updated = with_product_line(view, "TOTE-NAT")
    assert updated is not None
    changed = [new for old, new in zip(ids_of(view), ids_of(updated), strict=True) if old != new]
    assert changed == ["find_product.1", "items.1"]
    items = next(b for b in updated["blocks"] if b["block_id"] == "items.1")
    assert items["element"]["initial_value"] == "MUG-WHT x 2\nTOTE-NAT x 1"
    assert set(updated) <= {"type", "callback_id", "title", "submit", "close",
                            "private_metadata", "blocks"}  # no id, hash or state sent back
    again = with_product_line(updated | {"state": {"values": {}}}, "MUG-WHT")
    assert again is not None and "items.2" in ids_of(again)


def test_a_full_items_input_is_left_alone() -> None:
    assert with_product_line(opened(items="X" * 2995), "TOTE-NAT") is None


def test_a_customer_fills_within_each_inputs_length() -> None:
    customer = Customer(7, "a@example.com", "Ana", "Lo" * 200, "")
    address = Address(7, "1 Rue", "Lyon", "Rhône", "69001-00000000000000000", "fr", "+33 1")
    updated = with_customer(opened(), customer, address)
    values = {b["block_id"]: b["element"].get("initial_value") for b in updated["blocks"]
              if b["type"] == "input"}
    assert values["last_name.1"] == ("Lo" * 200)[:255]
    assert values["zip.1"] == "69001-00000000000000"[:20]
    assert (values["country.1"], values["phone.1"]) == ("FR", "+33 1")


def test_errors_and_answers_follow_the_renewed_block_ids() -> None:
    updated = with_product_line(opened(), "TOTE-NAT")
    assert updated is not None
    assert errors_on_blocks(updated, {"items": "bad", "email": "worse"}) == {
        "items.1": "bad", "email": "worse"}
    updated["state"] = {"values": {"items.1": {ids.VALUE: {"value": "TOTE-NAT x 1"}}}}
    assert form_from_view(updated).items == "TOTE-NAT x 1"


def test_options_stay_within_block_kit_limits_for_hostile_names() -> None:
    listing = Listing(1, 2, "S" * 255, "N" * 500, "Size " + "L" * 300, Decimal("9.5"), False)
    option = product_option(listing, "USD")
    assert len(option["text"]["text"]) <= 75 and len(option["value"]) <= 150
    short = product_option(Listing(1, 2, "MUG", "Mug " * 40, "", Decimal("9.5"), False), "USD")
    assert short["text"]["text"].endswith("· MUG · 9.50 USD (can't be purchased)")
    assert len(short["text"]["text"]) == 75
    person = customer_option(Customer(3, "x" * 300 + "@example.com", "", ""))
    assert len(person["text"]["text"]) <= 75 and person["value"] == "3"
