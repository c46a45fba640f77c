"""The bot's Home tab as Block Kit: Waiting for you, Your requests, Today.

A Home view holds at most 100 blocks and a section's text 3000 characters, whatever is
pending and however long the names typed into the form: the oldest WAITING_SHOWN requests are
shown with their buttons, and the rest as "and N more".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import ids
from bot.cards import button, button_value
from bot.text import clip, escape, money
from commands.app_home import HomeContent
from commands.repository import StoredRequest

Block = dict[str, Any]
WAITING_SHOWN = 20  # two blocks each: well inside the 100 blocks of a Home view
SECTION = 3000


def home_view(content: HomeContent, *, now: datetime) -> dict[str, Any]:
    blocks: list[Block] = [
        _header("Waiting for you"),
        *_waiting(content, now),
        {"type": "divider"},
        _header("Your requests"),
        *_yours(content),
        {"type": "divider"},
        _header(f"Today · {content.day:%a %d %b}"),
        *_today(content),
        _context(f"Updated {now:%H:%M} ({now.tzname()})"),
    ]
    return {"type": "home", "blocks": blocks}


def _waiting(content: HomeContent, now: datetime) -> list[Block]:
    if not content.waiting:
        return [_context("Nothing is waiting for your decision.")]
    blocks: list[Block] = []
    for stored in content.waiting[:WAITING_SHOWN]:
        blocks += [_section(_request_line(stored, now)), _decision_buttons(stored)]
    more = len(content.waiting) - WAITING_SHOWN
    if more > 0:
        blocks.append(_context(f"… and {more} more, oldest first; decide these to see the rest, "
                               "or find them in the approval channel."))
    return blocks


def _request_line(stored: StoredRequest, now: datetime) -> str:
    request = stored.request
    address = request.address
    customer = clip(f"{escape(address.first_name)} {escape(address.last_name)}", 400)
    return (f"*{stored.ref}* · {customer} · "
            f"{money(request.amount_paid, stored.currency)} by "
            f"{clip(escape(request.payment_method), 200)}\n"
            f"Requested by <@{stored.requester_id}> on "
            f"{stored.created_at.astimezone(now.tzinfo):%a %d %b %H:%M}")


def _decision_buttons(stored: StoredRequest) -> Block:
    # The card's action ids, so a click here runs the card's own handlers; the block id only
    # has to be unique within the view.
    return {"type": "actions", "block_id": f"{ids.HOME_DECISION_BLOCK}:{stored.ref}",
            "elements": [
                button(ids.APPROVE, "Approve", button_value(stored), style="primary"),
                button(ids.REJECT, "Reject", button_value(stored), style="danger"),
            ]}


def _yours(content: HomeContent) -> list[Block]:
    if not content.yours:
        return [_context("You have not recorded any paid orders yet. Run /paidorder to "
                         "start one.")]
    lines = [f"*{stored.ref}* · {_state(stored)}"
             + (f" · order #{stored.order_id}" if stored.order_id is not None else "")
             for stored in content.yours]
    return [_section("\n".join(lines))]


def _state(stored: StoredRequest) -> str:
    if stored.order_status:
        return f"Ordered, {clip(escape(stored.order_status), 64)}"
    return str(stored.state.value).replace("_", " ").capitalize()


def _today(content: HomeContent) -> list[Block]:
    if not content.orders_today:
        return [_context("No orders recorded today yet.")]
    orders = "1 order" if content.orders_today == 1 else f"{content.orders_today} orders"
    lines = [f"*{orders} recorded*"] + [
        f"• {clip(escape(method), 200)}: {money(total, currency)}"
        for (method, currency), total in sorted(content.totals_today.items())]
    return [_section("\n".join(lines))]


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150)}}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION)}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION)}]}
