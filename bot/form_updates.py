"""An open request modal rewritten: a chosen product goes on Items, a chosen customer into the
customer and address inputs. Pure functions from the view Slack sent to the view to send back.

Slack keeps what a user typed across `views.update` only in inputs whose block_id and
action_id stay the same, so every input the bot writes gets a fresh block_id (`items.1`,
`items.2`, …; bot/views.py `block_field` reads them back) and every other block is sent back
exactly as it was.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bot import ids
from bot.views import Block, block_field
from commands.bigcommerce_answers import Address, Customer
from commands.models import FormField
from commands.product_index import Listing

MAX_OPTION_TEXT = 75  # Block Kit: an option's text
NOT_PURCHASABLE = " (can't be purchased)"
ITEMS_LIMIT = 3000  # the Items input's max_length
# What views.update takes of a view; the rest of what Slack sends (id, hash, state) is its own.
_VIEW_FIELDS = ("type", "callback_id", "title", "submit", "close", "private_metadata",
                "blocks", "clear_on_close", "notify_on_close", "external_id")


def product_option(listing: Listing, currency: str) -> dict[str, Any]:
    price = f" · {listing.price.quantize(Decimal('0.01'))} {currency}".rstrip() \
        if listing.price is not None else ""
    tail = f" · {listing.sku}{price}{'' if listing.purchasable else NOT_PURCHASABLE}"
    name = f"{listing.name} ({listing.options})" if listing.options else listing.name
    return _option(_fit(name, tail), listing.key)


def customer_option(customer: Customer) -> dict[str, Any]:
    name = " ".join(p for p in (customer.first_name, customer.last_name) if p) or "(no name)"
    return _option(_fit(name, f" · {customer.email}"), str(customer.id))


def notice(sentence: str) -> dict[str, Any]:
    """A sentence in the options' place; its value names no product or customer."""
    return _option(sentence[:MAX_OPTION_TEXT], "-")


def _fit(head: str, tail: str) -> str:
    """`head` cut so that `tail` (the SKU, price and whether it can be bought) stays whole."""
    if len(tail) >= MAX_OPTION_TEXT - 10:
        return (head + tail)[:MAX_OPTION_TEXT]
    room = MAX_OPTION_TEXT - len(tail)
    return (head if len(head) <= room else head[:room - 1] + "…") + tail


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text or "?", "emoji": False},
            "value": value[:150]}


def with_product_line(view: Mapping[str, Any], sku: str) -> dict[str, Any] | None:
    """The view with `SKU x 1` added to Items as typed so far; None when Items is full."""
    typed = _typed(view, FormField.ITEMS) or ""
    line = f"{sku} x 1"
    text = f"{typed.rstrip()}\n{line}" if typed.strip() else line
    if len(text) > ITEMS_LIMIT:
        return None
    return _rewritten(view, {FormField.ITEMS.value: text}, clear=ids.FIND_PRODUCT)


def with_customer(view: Mapping[str, Any], customer: Customer,
                  address: Address | None) -> dict[str, Any]:
    """The view with the customer's details set; inputs the customer has nothing for keep
    what was typed in them."""
    values = {FormField.EMAIL: customer.email, FormField.FIRST_NAME: customer.first_name,
              FormField.LAST_NAME: customer.last_name,
              FormField.PHONE: customer.phone or (address.phone if address else "")}
    if address is not None:
        values |= {FormField.STREET: address.street, FormField.CITY: address.city,
                   FormField.STATE: address.state, FormField.ZIP: address.zip,
                   FormField.COUNTRY: address.country_code.upper()}
    return _rewritten(view, {f.value: v.strip() for f, v in values.items() if v.strip()},
                      clear=ids.FIND_CUSTOMER)


def _typed(view: Mapping[str, Any], field: FormField) -> str | None:
    values = (view.get("state") or {}).get("values") or {}
    for block in view.get("blocks") or []:
        block_id = str(block.get("block_id"))
        if block.get("type") == "input" and block_field(block_id) == field.value:
            state = (values.get(block_id) or {}).get(ids.VALUE)
            if state is not None:
                return state.get("value")
            return block.get("element", {}).get("initial_value")
    return None


def _rewritten(view: Mapping[str, Any], values: dict[str, str], *, clear: str) -> dict[str, Any]:
    blocks: list[Block] = []
    for block in view.get("blocks") or []:
        field = block_field(str(block.get("block_id")))
        if block.get("type") == "input" and (field in values or field == clear):
            block = copy.deepcopy(block)
            block["block_id"] = renewed(str(block["block_id"]))
            element = block["element"]
            if field in values:  # the typeahead itself is only renewed: it shows empty again
                limit = int(element.get("max_length") or ITEMS_LIMIT)
                element["initial_value"] = values[field][:limit]
        blocks.append(block)
    return {**{k: view[k] for k in _VIEW_FIELDS if k in view}, "blocks": blocks}


def renewed(block_id: str) -> str:
    field, _, count = block_id.partition(".")
    return f"{field}.{int(count) + 1 if count.isdigit() else 1}"
