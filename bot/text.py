"""Making text safe and tidy for Slack messages."""

from __future__ import annotations

import re
from decimal import Decimal

# Slack's mrkdwn has no escape for its formatting characters (only &, < and > have entities),
# so user text like "*free*", "_x_", "~x~", "`code`" or a leading ">" would format the card.
# A ZERO WIDTH SPACE on both sides of such a character keeps it from pairing up with another
# one, and shows nothing. It is added only where the character could open or close formatting:
# between two letters or digits ("jane_doe@example.com", "INV_2024_01") it cannot, and stays
# untouched, so most values copy out of Slack exactly as typed. Why not the alternatives:
# plain_text objects are literal, but notices, thread replies, status answers and the card's
# fields are mrkdwn strings, and one rule for every message is easier to trust; lookalike
# characters (∗, ˜) change what is shown and copied; the date-token fallback trick relies on
# undocumented behaviour. Values people copy (transaction ids, SKUs) go in `code()` instead.
_ZWSP = "\u200b"
_MARK = re.compile(r"(?<![^\W_])[*_~]|[*_~](?![^\W_])|`")
_QUOTE = re.compile(r"^([ \t]*)(?=&gt;)", re.MULTILINE)


def escape(text: str | None) -> str:
    """User text as literal mrkdwn: no <!channel>, no forged links, no formatting, no quotes."""
    if not text:
        return ""
    text = _entities(text)
    text = _MARK.sub(lambda m: _ZWSP + m.group() + _ZWSP, text)
    return _QUOTE.sub(lambda m: m.group(1) + _ZWSP, text)


def code(text: str | None) -> str:
    """`text` as inline code, which Slack shows verbatim, so it copies out exactly as typed.

    A backtick would end the code span early, so such text is escaped as prose instead.
    """
    if not text:
        return ""
    if "`" in text:
        return escape(text)
    return f"`{_entities(text)}`"


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def money(amount: Decimal | None, currency: str = "") -> str:
    if amount is None:
        return "—"
    text = f"{amount:,.2f}"
    return f"{text} {currency}" if currency else text


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
