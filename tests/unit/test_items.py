"""The Items grammar and option matching (product.md "Items")."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from commands.items import Choice, ChosenOption, ItemLine, LineError, match_options, parse_items


def price(text: str) -> Decimal | None:
    """A stand-in for the form's amount rule: plain decimals with at most two places."""
    return Decimal(text) if re.fullmatch(r"\d+(\.\d{1,2})?", text) else None


def one(text: str) -> ItemLine:
    lines, problems = parse_items(text, price)
    assert not problems, problems
    [line] = lines
    return line


@pytest.mark.parametrize("text, sku, quantity", [
    ("TSHIRT-RED-M", "TSHIRT-RED-M", 1),
    ("TSHIRT-RED-M x 2", "TSHIRT-RED-M", 2),
    ("TSHIRT-RED-M X2", "TSHIRT-RED-M", 2),
    ("TSHIRT-RED-M × 2", "TSHIRT-RED-M", 2),
    ("TSHIRT-RED-M×2", "TSHIRT-RED-M", 2),
    ("TSHIRT-RED-M\tx\t2", "TSHIRT-RED-M", 2),
    ("  BOX-XL   x   3  ", "BOX-XL", 3),
    ("MAX-2X * 4", "MAX-2X", 4),
])
def test_catalog_lines(text: str, sku: str, quantity: int) -> None:
    line = one(text)
    assert (line.sku, line.quantity, line.price, line.options) == (sku, quantity, None, ())


def test_a_unit_price_as_charged() -> None:
    line = one("TSHIRT-RED-M x 3 @ 17.50")
    assert (line.sku, line.quantity, line.price) == ("TSHIRT-RED-M", 3, Decimal("17.50"))
    assert one("MUG-WHT @9").price == Decimal("9")


def test_a_custom_line() -> None:
    line = one('"Gift wrapping service" x 2 @ 4.50')
    assert line.is_custom and (line.name, line.quantity, line.price) == (
        "Gift wrapping service", 2, Decimal("4.50"))
    assert one("“Setup fee” @ 25").name == "Setup fee"  # curly quotes from a phone keyboard


def test_options_before_or_after_the_price() -> None:
    a = one("BOTTLE-ENG x 1 {Engraving: For Sam; Gift wrap: Yes} @ 22.00")
    b = one("BOTTLE-ENG x 1 @ 22.00 {Engraving: For Sam; Gift wrap: Yes}")
    assert a == b
    assert a.options == (("Engraving", "For Sam"), ("Gift wrap", "Yes"))
    assert one("BOTTLE-ENG {Engraving: a: b}").options == (("Engraving", "a: b"),)


def test_blank_lines_are_ignored_and_lines_keep_their_numbers() -> None:
    lines, problems = parse_items("\nTSHIRT-RED-M x 2\n\n   \nMUG-WHT\n", price)
    assert not problems and [(line.number, line.sku) for line in lines] == [
        (2, "TSHIRT-RED-M"), (5, "MUG-WHT")]


@pytest.mark.parametrize("text, message", [
    ("TSHIRT-RED-M x two", "Line 1: quantity must be a whole number from 1 to 10,000."),
    ("TSHIRT-RED-M x 0", "Line 1: quantity must be a whole number from 1 to 10,000."),
    ("TSHIRT-RED-M x ٣", "Line 1: quantity must be a whole number from 1 to 10,000."),
    ("TSHIRT-RED-M x 2 @ 1e3", 'Line 1: "1e3" is not a price like 19.99.'),
    ("TSHIRT-RED-M x 2 @ 9.999", 'Line 1: "9.999" is not a price like 19.99.'),
    ('"Setup fee" x 1', 'Line 1: a custom line needs its price: "Setup fee" x 1 @ 9.99.'),
    ('"" x 1 @ 5', "Line 1: a custom line's name is 1 to 250 characters."),
    ('"Fee" @ 5 {Colour: red}', "Line 1: a custom line has no options; put them in its name."),
    ("BOTTLE-ENG {Engraving}", "Line 1: write options as {Option: value; Other option: value},"
                               ' not "Engraving".'),
    ("BOTTLE-ENG {}", "Line 1: the braces are empty; write {Option: value} or leave them out."),
    ("BOTTLE-ENG {A: 1; a: 2}", 'Line 1: "a" is given twice.'),
    ("TWO SKUS x 2", 'Line 1: write it as SKU x QTY, e.g. TSHIRT-RED-M x 2, or "Name" x QTY @ '
                     "PRICE."),
    ("@ 5", 'Line 1: write it as SKU x QTY, e.g. TSHIRT-RED-M x 2, or "Name" x QTY @ PRICE.'),
])
def test_a_line_that_cannot_be_read_says_how_to_write_it(text: str, message: str) -> None:
    lines, problems = parse_items(text, price)
    assert (lines, problems) == ([], [message])


def test_every_bad_line_is_named() -> None:
    lines, problems = parse_items("MUG-WHT\nA x 0\nB @ x\nMUG-WHT x 2", price)
    assert [line.number for line in lines] == [1, 4]
    assert [p.split(":")[0] for p in problems] == ["Line 2", "Line 3"]


def test_empty_and_too_many() -> None:
    assert parse_items(" \n ", price) == ([], ["Add at least one item, one per line: SKU x QTY."])
    assert parse_items("A\n" * 101, price)[1] == ["Too many lines: at most 100 items per request."]


ENGRAVING = Choice(301, "Engraving", required=True, is_text=True)
GIFT_WRAP = Choice(302, "Gift wrap", required=False, values=(("Yes", 3021), ("No", 3022)))


def test_options_match_by_name_and_label_whatever_the_case() -> None:
    line = one("BOTTLE-ENG {engraving: For Sam; GIFT WRAP: yes}")
    assert match_options(line, (ENGRAVING, GIFT_WRAP)) == (
        ChosenOption(301, "For Sam", "Engraving", "For Sam"),
        ChosenOption(302, "3021", "Gift wrap", "Yes"),
    )


def test_a_required_modifier_left_out_is_named() -> None:
    with pytest.raises(LineError, match=r"BOTTLE-ENG needs Engraving: add \{Engraving: …\}\."):
        match_options(one("BOTTLE-ENG {Gift wrap: No}"), (ENGRAVING, GIFT_WRAP))


def test_unknown_options_and_values_are_named() -> None:
    with pytest.raises(LineError, match=r'"Maybe" is not a Gift wrap of MUG-WHT; choose one of '
                                        r"Yes, No\."):
        match_options(one("MUG-WHT {Gift wrap: Maybe}"), (GIFT_WRAP,))
    with pytest.raises(LineError, match=r'MUG-WHT has no option "Colour" \(its options: Gift '
                                        r"wrap\)\."):
        match_options(one("MUG-WHT {Colour: red}"), (GIFT_WRAP,))
    with pytest.raises(LineError, match=r"\(its options: none\)"):
        match_options(one("TOTE-NAT {Colour: red}"), ())
