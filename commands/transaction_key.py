"""When two transaction ids are the same payment: the key the duplicate check compares.

The id itself is kept as the requester typed it (trimmed): it is what the bank statement or the
terminal receipt says, and staff reconcile against it in BigCommerce. Only the key is folded.
"""

from __future__ import annotations

import re
import unicodedata

# The column the key is stored in (commands/schema.py `requests.transaction_key`).
KEY_LENGTH = 128

# Minus signs and hyphen lookalikes that are not Unicode dash punctuation (category Pd), which
# is folded as a whole: U+2212 minus sign, U+2796 heavy minus sign, U+02D7 modifier letter minus
# sign, U+2043 hyphen bullet. NFKC already maps the small and fullwidth hyphen-minus to "-".
_MINUS_SIGNS = frozenset("\u2212\u2796\u02d7\u2043")
_SPACES = re.compile(r"\s+")
# Cyrillic and Greek letters drawn like Latin ones (after casefold), from Unicode's confusables
# list: "ВТ-1001" typed on a Cyrillic keyboard layout is the bank's "BT-1001". Only letters
# that look the same; ids are references, never words, so nothing meaningful is merged.
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "һ": "h", "н": "h", "і": "i", "ј": "j", "к": "k", "м": "m",
    "о": "o", "р": "p", "с": "c", "ѕ": "s", "т": "t", "у": "y", "х": "x", "ԁ": "d", "ԛ": "q",
    "ԝ": "w", "ѵ": "v",
    "α": "a", "β": "b", "ε": "e", "ζ": "z", "η": "h", "ι": "i", "κ": "k", "μ": "m", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j",
})


def transaction_key(transaction_id: str) -> str:
    """`transaction_id` folded so that variants of one payment reference compare equal.

    NFKC turns fullwidth and other compatibility forms into their plain letters and digits;
    every dash, hyphen and minus sign becomes "-"; casefold ignores case (also "ß" = "ss");
    invisible format characters are dropped; Cyrillic and Greek look-alikes of Latin letters
    become those letters; runs of any whitespace become one space and surrounding whitespace
    goes. "ＴＸＮ‐１", "txn−1", " TXN-1 " and "ТХN-1" (Cyrillic Т and Х) are all "txn-1".
    """
    text = unicodedata.normalize("NFKC", transaction_id)
    text = "".join(_fold(ch) for ch in text)
    # casefold can produce text that NFKC would write differently; normalise once more.
    text = unicodedata.normalize("NFKC", text.casefold()).translate(_LOOKALIKES)
    return _SPACES.sub(" ", text).strip()


def _fold(ch: str) -> str:
    category = unicodedata.category(ch)
    if category == "Pd" or ch in _MINUS_SIGNS:
        return "-"
    if category == "Cf":
        return ""
    return ch
