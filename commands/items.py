"""The Items field's grammar (product.md "Items"), one line each:

    SKU                      a catalog product or variant, once, at its catalog price
    SKU x QTY                … QTY times
    SKU x QTY @ PRICE        … at the unit price actually charged
    "Name" x QTY @ PRICE     a line that is not in the catalog (a custom product)
    SKU x QTY {Option: value; Other option: value}
                             values for the product's options and modifiers

`x`, `X`, `×` or `*` separate the quantity (`x`, `X` and `*` with a space before them, so SKUs
that contain them stay whole); the options may stand before or after the price. Parsing knows
nothing of the catalog: matching options to a product's modifiers is `match_options`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from commands.form_text import HIDDEN, odd_character

MAX_LINES = 100
MAX_QUANTITY = 10_000
MAX_SKU = 255
MAX_CUSTOM_NAME = 250  # orders v2 spec: a custom product's name is 1–250 characters
MAX_OPTION_TEXT = 250
EXAMPLE = 'write it as SKU x QTY, e.g. TSHIRT-RED-M x 2, or "Name" x QTY @ PRICE'

_QUOTES = {"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'}
_HEAD = re.compile(r'^(?:"(?P<name>[^"]*)"|(?P<sku>[^\s"{@×]+))')
_QTY = re.compile(r"^\s+[xX×*]\s*(?P<qty>[^\s{@]+)|^\s*×\s*(?P<qty2>[^\s{@]+)")
_PRICE = re.compile(r"^\s*@\s*(?P<price>[^\s{]+)")
_OPTIONS = re.compile(r"^\s*\{(?P<options>[^{}]*)\}")


@dataclass(frozen=True)
class ItemLine:
    """One parsed line: a catalog line has a `sku`, a custom line a `name` and a `price`."""

    number: int
    quantity: int
    sku: str | None = None
    name: str | None = None
    price: Decimal | None = None
    options: tuple[tuple[str, str], ...] = ()

    @property
    def is_custom(self) -> bool:
        return self.name is not None


class LineError(ValueError):
    """A line that cannot be read; the message says how to write it."""


PriceParser = Callable[[str], Decimal | None]


def parse_items(raw: str, price: PriceParser) -> tuple[list[ItemLine], list[str]]:
    """The lines that could be read, and a plain sentence for each that could not.

    `price` turns a unit price's text into an amount with at most two decimals, or None: the
    same rule as every other amount on the form.
    """
    numbered = [(n, text.strip()) for n, text in enumerate(raw.splitlines(), 1) if text.strip()]
    if not numbered:
        return [], ["Add at least one item, one per line: SKU x QTY."]
    if len(numbered) > MAX_LINES:
        return [], [f"Too many lines: at most {MAX_LINES} items per request."]
    lines, problems = [], []
    for number, text in numbered:
        try:
            lines.append(parse_line(number, text, price))
        except LineError as exc:
            problems.append(f"Line {number}: {exc}")
    return lines, problems


def parse_line(number: int, text: str, price: PriceParser) -> ItemLine:
    """Any run of spaces, tabs or other Unicode spacing counts as one space."""
    odd = odd_character(text, allowed="\t")
    if odd == HIDDEN:
        raise LineError("has a hidden character that can disguise text; type the line again.")
    if odd is not None:
        raise LineError(EXAMPLE + ".")
    text = "".join(_QUOTES.get(ch, ch) for ch in " ".join(text.split()))
    head = _HEAD.match(text)
    if head is None:
        raise LineError(EXAMPLE + ".")
    rest = text[head.end():]
    quantity_text, rest = _take(_QTY, rest, "qty", "qty2")
    price_text, rest = _take(_PRICE, rest, "price")
    options_text, rest = _take(_OPTIONS, rest, "options")
    if price_text is None:
        price_text, rest = _take(_PRICE, rest, "price")
    if rest.strip():
        raise LineError(EXAMPLE + ".")

    if (head["sku"] and head["sku"].isdigit() and quantity_text is not None
            and not quantity_text.isdigit()):
        raise LineError(EXAMPLE + ".")  # "2 x MUG-WHT": written the other way round
    quantity = _quantity(quantity_text)
    unit_price = None
    if price_text is not None:
        unit_price = price(price_text)
        if unit_price is None:
            raise LineError(f'"{price_text[:20]}" is not a price like 19.99.')
    options = _options(options_text) if options_text is not None else ()

    if head["name"] is not None:
        name = head["name"].strip()
        if not 1 <= len(name) <= MAX_CUSTOM_NAME:
            raise LineError(f"a custom line's name is 1 to {MAX_CUSTOM_NAME} characters.")
        if unit_price is None:
            raise LineError(f'a custom line needs its price: "{name[:40]}" x {quantity} @ 9.99.')
        if options:
            raise LineError("a custom line has no options; put them in its name.")
        return ItemLine(number, quantity, name=name, price=unit_price)
    sku = head["sku"]
    if len(sku) > MAX_SKU:
        raise LineError(f"a SKU is at most {MAX_SKU} characters.")
    return ItemLine(number, quantity, sku=sku, price=unit_price, options=options)


def _take(pattern: re.Pattern[str], text: str, *groups: str) -> tuple[str | None, str]:
    match = pattern.match(text)
    if match is None:
        return None, text
    value = next(match[g] for g in groups if match[g] is not None)
    return value, text[match.end():]


def _quantity(text: str | None) -> int:
    if text is None:
        return 1
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_QUANTITY:
        return int(text)
    raise LineError(f"quantity must be a whole number from 1 to {MAX_QUANTITY:,}.")


def _options(text: str) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        name, colon, value = part.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not name or not value:
            raise LineError(f'write options as {{Option: value; Other option: value}}, not '
                            f'"{part[:30]}".')
        if len(value) > MAX_OPTION_TEXT:
            raise LineError(f'"{name[:30]}" can be at most {MAX_OPTION_TEXT} characters.')
        if any(_same(name, seen) for seen, _ in pairs):
            raise LineError(f'"{name[:30]}" is given twice.')
        pairs.append((name, value))
    if not pairs:
        raise LineError("the braces are empty; write {Option: value} or leave them out.")
    return tuple(pairs)


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


# ---- options and modifiers of a catalog product --------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One option or modifier of a product, as the line's `{Name: value}` refers to it.

    `values` maps a choice's labels to their value ids; a text modifier has none.
    """

    id: int
    name: str
    required: bool
    values: tuple[tuple[str, int], ...] = ()
    is_text: bool = False


@dataclass(frozen=True)
class ChosenOption:
    """A matched `{Name: value}`: what `product_options` sends and what the card shows."""

    id: int
    value: str  # the value id as a string, or the text of a text modifier
    name: str
    label: str


def match_options(line: ItemLine, choices: tuple[Choice, ...]) -> tuple[ChosenOption, ...]:
    """The line's options matched by display name (values by label, text as typed).

    A required modifier the line leaves out, an unknown option name or value, and a value for
    a product without such an option are LineErrors that name them.
    """
    given = list(line.options)
    chosen: list[ChosenOption] = []
    for choice in choices:
        value = next((v for n, v in given if _same(n, choice.name)), None)
        if value is None:
            continue
        given = [(n, v) for n, v in given if not _same(n, choice.name)]
        if choice.is_text:
            chosen.append(ChosenOption(choice.id, value, choice.name, value))
            continue
        match = next(((label, vid) for label, vid in choice.values if _same(label, value)),
                     None)
        if match is None:
            labels = ", ".join(label for label, _ in choice.values[:10])
            raise LineError(f'"{value[:30]}" is not a {choice.name} of {line.sku}; '
                            f"choose one of {labels}.")
        chosen.append(ChosenOption(choice.id, str(match[1]), choice.name, match[0]))
    if given:
        names = ", ".join(f'"{n[:30]}"' for n, _ in given)
        known = ", ".join(c.name for c in choices) or "none"
        raise LineError(f"{line.sku} has no option {names} (its options: {known}).")
    missing = [c.name for c in choices if c.required and all(o.id != c.id for o in chosen)]
    if missing:
        example = "; ".join(f"{name}: …" for name in missing)
        raise LineError(f"{line.sku} needs {', '.join(missing)}: add {{{example}}}.")
    return tuple(chosen)
