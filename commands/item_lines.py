"""One line of the form's Items field: `SKU x QTY` or `SKU`.

`parse_item_line` is the whole grammar, so a new spelling (a price, a custom name, options) is
one more group in `_LINE` and one more field on `ItemLine`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from commands.form_text import HIDDEN, odd_character

MAX_SKU = 255
MAX_QUANTITY = 10_000

# An "x" (or "*") needs a space before it, so SKUs that contain an "x" stay whole; "×" is never
# part of a SKU, so "MUG×2" reads as two mugs. Lines reach this with single spaces only.
_LINE = re.compile(r"(?P<sku>[^ ×]+?)(?:(?: [xX*]| ?×) ?(?P<qty>[^ ]+))?")
HOW_TO_WRITE_A_LINE = "write it as SKU x QTY, e.g. TSHIRT-RED-M x 2."


@dataclass(frozen=True)
class ItemLine:
    number: int
    sku: str
    quantity: int


def parse_item_line(number: int, text: str) -> ItemLine | str:
    """Line `number` of Items as an `ItemLine`, or what is wrong with it ("Line N: …").

    Any run of spaces, tabs or other Unicode spacing counts as one space.
    """
    odd = odd_character(text, allowed="\t")
    if odd == HIDDEN:
        return (f"Line {number}: has a hidden character that can disguise text; "
                "type the line again.")
    match = _LINE.fullmatch(" ".join(text.split())) if odd is None else None
    if match is None or len(match["sku"]) > MAX_SKU:
        return f"Line {number}: {HOW_TO_WRITE_A_LINE}"
    quantity = _quantity(match["qty"])
    if quantity is None and match["sku"].isdigit():  # "2 x MUG-WHT": written the other way round
        return f"Line {number}: {HOW_TO_WRITE_A_LINE}"
    if quantity is None:
        return f"Line {number}: quantity must be a whole number from 1 to {MAX_QUANTITY:,}."
    return ItemLine(number, match["sku"], quantity)


def _quantity(raw: str | None) -> int | None:
    """ASCII digits only: int() would also take "1_0", "٣" and "１"; "²" passes isdigit()."""
    if raw is None:
        return 1
    if not (raw.isascii() and raw.isdigit()):
        return None
    quantity = int(raw)
    return quantity if 1 <= quantity <= MAX_QUANTITY else None
