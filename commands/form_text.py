"""What counts as ordinary text in the request form, for every field alike.

Invisible characters are refused rather than silently removed: the requester sees exactly what
is wrong, and what is stored is what they typed. Only ZWNJ and ZWJ are let through, because
Persian and Indic names (and emoji) need them to be spelled right.
"""

from __future__ import annotations

import unicodedata

HIDDEN, CONTROL = "hidden", "control"

# Every other format character (Cf) is invisible and can disguise text: bidi embeddings,
# overrides and isolates (U+202A–U+202E, U+2066–U+2069), direction marks, zero-width spaces,
# word joiners, soft hyphens, byte-order marks, tag characters.
_JOINERS = frozenset("\u200c\u200d")
# Letters that draw nothing: a known way to make a name look blank or like someone else's.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")


def odd_character(value: str, allowed: str = "") -> str | None:
    """HIDDEN for an invisible character that can disguise text, CONTROL for a control,
    unassigned or line-breaking character (unless it is in `allowed`), else None."""
    for ch in value:
        if ch in allowed:
            continue
        category = unicodedata.category(ch)
        if ch in _BLANK_LETTERS or (category == "Cf" and ch not in _JOINERS):
            return HIDDEN
        if category in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp"):
            return CONTROL
    return None


def hidden_message(label: str) -> str:
    return (f"{label} has a hidden character that can disguise text (such as a text-direction "
            "override); type it again without it.")


def single_line_problem(value: str, label: str) -> str | None:
    """Why `value` is not one line of ordinary text, in plain words; None when it is."""
    odd = odd_character(value)
    if odd == HIDDEN:
        return hidden_message(label)
    if odd == CONTROL:
        return f"{label} must be a single line of ordinary text."
    return None


def multiline_problem(value: str, label: str) -> str | None:
    """Like `single_line_problem`, for text that may have lines and tabs (notes, a reason)."""
    odd = odd_character(value, allowed="\n\r\t")
    if odd == HIDDEN:
        return hidden_message(label)
    if odd == CONTROL:
        return f"{label} must be ordinary text: letters, digits, punctuation."
    return None
