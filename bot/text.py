"""Making text safe and tidy for Slack messages."""

from __future__ import annotations

from decimal import Decimal


def escape(text: str | None) -> str:
    """Neutralise Slack's control characters in user text (no <!channel>, no forged links)."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def money(amount: Decimal | None, currency: str = "") -> str:
    if amount is None:
        return "—"
    text = f"{amount:,.2f}"
    return f"{text} {currency}" if currency else text


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
