"""The Items field: how a line is written, and what each kind of wrong line is told."""

from __future__ import annotations

import pytest

from commands.models import FormField
from tests.unit.test_validation import FakeCatalog, only_error, valid, validate


def test_sku_alone_means_quantity_one() -> None:
    request = valid(items="MUG-WHT", amount_paid="17.00")
    assert [(i.sku, i.quantity) for i in request.items] == [("MUG-WHT", 1)]


@pytest.mark.parametrize("line", [
    "MUG-WHT x 3", "MUG-WHT X 3", "MUG-WHT x3", "MUG-WHT * 3", "MUG-WHT × 3",
    "  MUG-WHT   x   3  ", "MUG-WHT×3", "MUG-WHT ×3", "MUG-WHT× 3", "MUG-WHT\tx\t3",
    "\tMUG-WHT\t×\t3\t", "MUG-WHT\u00a0x\u00a03", "MUG-WHT\u3000x\u20033", "MUG-WHT \t x3",
])
def test_sku_x_qty_spellings(line: str) -> None:
    request = valid(items=line, amount_paid="41.00")
    assert [(i.sku, i.quantity) for i in request.items] == [("MUG-WHT", 3)]


def test_unknown_sku_is_named_with_its_line_number() -> None:
    assert only_error(FormField.ITEMS, items="TSHIRT-RED-M x 2\nHAT-XL x 1") == (
        'Line 2: unknown SKU "HAT-XL".')


def test_blank_lines_keep_the_line_numbers_the_requester_sees() -> None:
    assert only_error(FormField.ITEMS, items="MUG-WHT\n\nHAT-XL") == (
        'Line 3: unknown SKU "HAT-XL".')


def test_sku_match_ignores_case() -> None:
    request = valid(items="mug-wht x 2", amount_paid="29.00")
    assert request.items[0].sku == "MUG-WHT"


def test_purchasing_disabled_is_refused() -> None:
    assert only_error(FormField.ITEMS, items="MUG-WHT\nPOSTER-OLD x 1") == (
        'Line 2: "POSTER-OLD" can\'t be purchased (purchasing is disabled in BigCommerce).')


@pytest.mark.parametrize("qty", ["0", "-1", "1.5", "10001", "two", "٣", "1e3", "1_0", "²", "１",
                                 "+2", "3.0", "¹⁰", "0x10", "𝟐"])
def test_quantity_must_be_a_whole_number_from_1_to_10000(qty: str) -> None:
    assert only_error(FormField.ITEMS, items=f"MUG-WHT x 1\nTSHIRT-RED-M x {qty}") == (
        "Line 2: quantity must be a whole number from 1 to 10,000.")


def test_quantity_10000_is_the_largest_allowed() -> None:
    assert valid(items="MUG-WHT x 10000", amount_paid="120000.00").items[0].quantity == 10_000


def test_duplicate_skus_are_merged() -> None:
    request = valid(items="MUG-WHT x 2\nTSHIRT-RED-M\nmug-wht x 3", amount_paid="79.99")
    assert {(i.sku, i.quantity) for i in request.items} == {("MUG-WHT", 5), ("TSHIRT-RED-M", 1)}


def test_merged_duplicates_still_respect_the_quantity_limit() -> None:
    message = only_error(FormField.ITEMS, items="MUG-WHT x 6000\nMUG-WHT x 5000")
    assert message == '"MUG-WHT": at most 10,000 in one request.'


@pytest.mark.parametrize("items", [None, "", "  \n \n"])
def test_items_are_required(items: str | None) -> None:
    assert only_error(FormField.ITEMS, items=items) == (
        "Add at least one item, one per line: SKU x QTY.")


def test_at_most_100_lines() -> None:
    assert valid(items="\n".join(["MUG-WHT"] * 100), amount_paid="1205.00")
    assert only_error(FormField.ITEMS, items="\n".join(["MUG-WHT"] * 101)) == (
        "Too many lines: at most 100 items per request.")


@pytest.mark.parametrize("line", ["MUG-WHT x 2 please", "Ceramic Mug x 2", "MUG-WHT x",
                                  "MUG-WHT 2", "MUG-WHT x 2 @", "MUG-WHT × × 2", "2 x MUG-WHT",
                                  "MUG-WHT\x00 x 2"])
def test_a_line_that_cannot_be_read_says_how_to_write_it(line: str) -> None:
    assert only_error(FormField.ITEMS, items=f"MUG-WHT\n{line}") == (
        'Line 2: write it as SKU x QTY, e.g. TSHIRT-RED-M x 2, or "Name" x QTY @ PRICE.')


def test_an_x_inside_a_sku_is_part_of_the_sku() -> None:
    catalog = FakeCatalog()
    validate(catalog, items="BOX-XL x 2\nMUGx2")
    assert catalog.asked == [["BOX-XL", "MUGx2"]]


@pytest.mark.parametrize("hidden", ["\u200b", "\u202e", "\u2066", "\u00ad", "\ufeff"])
def test_a_hidden_character_in_a_line_is_named(hidden: str) -> None:
    assert only_error(FormField.ITEMS, items=f"MUG-WHT\nMUG{hidden}-WHT x 2") == (
        "Line 2: has a hidden character that can disguise text; type the line again.")


def test_many_problems_are_summarised() -> None:
    items = "\n".join(f"NOPE-{n}" for n in range(1, 6))
    assert only_error(FormField.ITEMS, items=items) == (
        'Line 1: unknown SKU "NOPE-1". Line 2: unknown SKU "NOPE-2". '
        'Line 3: unknown SKU "NOPE-3". (and 2 more)')


def test_slow_catalog_is_a_message_on_items() -> None:
    catalog = FakeCatalog(unavailable="BigCommerce is slow to answer — try again in a minute.")
    result = validate(catalog)
    assert result == {"items": "BigCommerce is slow to answer — try again in a minute."}
