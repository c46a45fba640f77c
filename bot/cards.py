"""The request card in the approval channel, in every state, and the notes to the requester.

One function renders the card from what the database knows, so any update (approval, order,
failure, shipment) is the same idempotent `chat.update`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from bot import ids
from bot.text import clip, code, escape, money
from commands.changes import read_version, version_text
from commands.durations import spoken_duration
from commands.models import TARGET_STATUSES, LineItem, ProofFile, RequestState
from commands.repository import StoredRequest
from commands.shipping import OrderView

Block = dict[str, Any]
# All item lines together: a few sections at most. Slack refuses a message whose blocks add up
# past an undocumented size (`msg_blocks_too_long`), so the card stays far below 40,000.
ITEMS_BUDGET = 11_000
SECTION = 2900  # a section's text may have 3,000 characters (Block Kit)
FIELD = 2000


def _mrkdwn(text: str, limit: int = 3000) -> dict[str, str]:
    # Slack refuses a whole message when one text passes Block Kit's limit (3000 for a
    # section, 2000 for a field), and escaping user text can make it up to 5 times longer.
    return {"type": "mrkdwn", "text": clip(text, limit)}


def order_link(order_id: int, control_panel_url: str | None) -> str:
    if control_panel_url:
        return f"<{control_panel_url.rstrip('/')}/manage/orders/{order_id}|#{order_id}>"
    return f"#{order_id}"


def request_card(stored: StoredRequest, *, control_panel_url: str | None = None
                 ) -> tuple[str, list[Block]]:
    """(fallback text, blocks) for the card of `stored` as it stands now."""
    request = stored.request
    cur = stored.currency
    address = request.address
    customer = (
        f"*{escape(address.first_name)} {escape(address.last_name)}* "
        f"({escape(request.customer_email)})"
        + (f", {escape(address.phone)}" if address.phone else "")
        + f"\n{escape(address.street_1)}, {escape(address.city)}, {escape(address.state)} "
        f"{escape(address.zip)}, {address.country_iso2}"
    )
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": f"Paid order request {stored.ref}"}},
        {"type": "section", "text": _mrkdwn(
            f"Requested by <@{stored.requester_id}> · Customer: {customer}")},
        *_items_blocks(stored),
        {"type": "section", "text": _mrkdwn(_money_text(stored))},
        {"type": "section", "fields": [
            _mrkdwn(f"*Amount paid*\n{money(request.amount_paid, cur)}"
                    + _mismatch(request.amount_mismatch, cur), FIELD),
            _mrkdwn(f"*Payment*\n{escape(request.payment_method)} · "
                    f"{code(request.transaction_id)}", FIELD),
            _mrkdwn(f"*Order status on approval*\n{_target_status(request.status_id)}", FIELD),
        ]},
    ]
    if request.notes:
        blocks.append({"type": "context", "elements": [
            _mrkdwn("Notes: " + escape(request.notes))]})
    blocks.extend(_proof_blocks(request.proof))
    if stored.state == RequestState.PENDING and stored.approvers:
        # Above the buttons, which stay: the second approval is someone else's to give.
        blocks.append({"type": "section", "block_id": ids.APPROVALS_BLOCK,
                       "text": _mrkdwn(f":ballot_box_with_check: {approvals_so_far(stored)}")})
    blocks.extend(_state_blocks(stored, control_panel_url))
    return _fallback(stored), blocks


def _proof_blocks(proof: tuple[ProofFile, ...]) -> list[Block]:
    """Each Payment proof file by name, linked to it: one context element per file (at most
    5, of at most 10), so no name or link can push another past a text's limit."""
    if not proof:
        return []
    return [{"type": "context", "elements": [
        _mrkdwn("*Payment proof:*"), *(_mrkdwn(_proof_link(f)) for f in proof[:9])]}]


def _proof_link(file: ProofFile) -> str:
    name = escape(clip(file.name, 100))
    if not file.link:
        return f":paperclip: {name}"
    # Slack ends a link's url at its first "|": one in the name could only confuse the text,
    # so it shows as a look-alike bar.
    return f":paperclip: <{file.link}|{name.replace('|', '∣')}>"


def approvals_so_far(stored: StoredRequest) -> str:
    """"1 of 2 approvals by <@U…>": a request's approvals while it waits for more."""
    return (f"{len(stored.approvers)} of {stored.approvals_needed} approvals by "
            f"{_people(stored.approvers)}")


def approved_by(stored: StoredRequest) -> str:
    """Everyone who approved the request (a request decided before approvals were recorded
    one by one has only its decider)."""
    return _people(stored.approvers or (stored.decided_by or "",))


def _people(user_ids: tuple[str, ...]) -> str:
    return " and ".join(f"<@{user_id}>" for user_id in user_ids)


def _items_blocks(stored: StoredRequest) -> list[Block]:
    """Every item line, so an approver never approves lines they can't see: in full while they
    fit ITEMS_BUDGET, else each line shorter, split over as many sections as it takes."""
    items, cur = stored.request.items, stored.currency
    lines = [_item_line(item, cur) for item in items]
    if sum(len(line) + 1 for line in lines) > ITEMS_BUDGET:
        lines = [_compact_line(item, cur) for item in items]
    sections, text = [], "*Items*"
    for line in lines:
        if len(text) + 1 + len(line) > SECTION:
            sections.append(text)
            text = line
        else:
            text += "\n" + line
    sections.append(text)
    return [{"type": "section", "text": _mrkdwn(part)} for part in sections]


def _compact_line(item: LineItem, cur: str) -> str:
    what = f"{clip(escape(item.name), 40)} (custom)" if item.custom else clip(escape(item.sku), 50)
    return (f"• {what} × {item.quantity} @ {money(item.unit_price)} = "
            f"{money(item.line_total, cur)}" + (" (options)" if item.options else ""))


def _item_line(item: LineItem, cur: str) -> str:
    what = (f"{clip(escape(item.name), 120)} (custom)" if item.custom
            else f"{clip(escape(item.name), 120)} ({code(clip(item.sku, 60))})")
    line = (f"• {what} × {item.quantity} @ {money(item.unit_price)}"
            f" = {money(item.line_total, cur)}")
    if item.negotiated and item.catalog_price is not None:
        line += f" _(catalog {money(item.catalog_price)})_"
    if item.options:
        line += " · " + "; ".join(f"{clip(escape(o.name), 40)}: {clip(escape(o.label), 80)}"
                                  for o in item.options[:10])
    return line


def _money_text(stored: StoredRequest) -> str:
    """Subtotal, discount, shipping, tax and total: the figures the order is created with."""
    request, cur = stored.request, stored.currency
    money_ = request.figures
    rows = [f"Subtotal: {money(money_.subtotal, cur)}"]
    if money_.discount:
        rows.append(f"Discount: −{money(money_.discount, cur)}")
    rows.append(f"Shipping: {money(money_.shipping, cur)}")
    if request.tax is not None:
        rate = f" ({request.tax.rate.normalize():f}%)" if request.tax.rate is not None else ""
        included = " included" if money_.tax_inclusive else ""
        rows.append(f"Tax{rate}{included}: {money(money_.tax, cur)}")
    rows.append(f"*Total: {money(money_.total, cur)}*")
    return " · ".join(rows)


def _mismatch(difference: Decimal, currency: str) -> str:
    if difference == 0:
        return " ✓"
    side = "more" if difference > 0 else "less"
    return (f"\n:warning: *Amount mismatch:* {money(abs(difference), currency)} {side} "
            "than the total")


def _target_status(status_id: int) -> str:
    return TARGET_STATUSES.get(status_id, str(status_id))


def _state_blocks(stored: StoredRequest, control_panel_url: str | None) -> list[Block]:
    if stored.state == RequestState.PENDING:
        edited = []
        if stored.edited_at is not None:
            edited = [{"type": "context", "elements": [_mrkdwn(
                f":pencil2: Edited by <@{stored.requester_id}> "
                f"<!date^{int(stored.edited_at.timestamp())}^{{date_short_pretty}} {{time}}|"
                f"{stored.edited_at:%Y-%m-%d %H:%M} UTC>; approvals start again.")]}]
        value = button_value(stored)
        return [*edited, {"type": "actions", "block_id": ids.DECISION_BLOCK, "elements": [
            button(ids.APPROVE, "Approve", value, style="primary"),
            button(ids.REJECT, "Reject", value, style="danger"),
            # Anyone can see these; only the requester may use them (commands/permissions.py).
            button(ids.EDIT, "Edit", value),
            {**button(ids.CANCEL, "Cancel", value), "confirm": {
                "title": {"type": "plain_text", "text": "Cancel this request?"},
                "text": {"type": "plain_text", "text": (
                    f"{stored.ref} ends without an order and its transaction id is free "
                    "again. This can't be undone.")},
                "confirm": {"type": "plain_text", "text": "Cancel request"},
                "deny": {"type": "plain_text", "text": "Keep it"},
                "style": "danger"}},
        ]}]
    return [{"type": "section", "text": _mrkdwn(status_line(stored, control_panel_url))}]


def button_value(stored: StoredRequest) -> str:
    """What a button on the card (or the Home) carries: the request, and the version of it
    that was drawn — its last edit — so an Approve clicked on a card drawn before an edit
    approves nothing (commands/approvals.py `count_approval`)."""
    version = version_text(stored.edited_at)
    return f"{stored.ref}@{version}" if version else stored.ref


def clicked(value: str) -> tuple[str, datetime | None]:
    """The request reference and the version a button's `value` names."""
    ref, _, version = str(value or "").partition("@")
    return ref, read_version(version)


def button(action_id: str, text: str, value: str, *, style: str | None = None) -> Block:
    button: Block = {"type": "button", "action_id": action_id,
                     "text": {"type": "plain_text", "text": text}, "value": value}
    if style:
        button["style"] = style
    return button


def status_line(stored: StoredRequest, control_panel_url: str | None = None) -> str:
    if stored.state == RequestState.EXPIRED:
        return expired_line(stored)
    if stored.state == RequestState.CANCELLED:
        after = f" after {approvals_so_far(stored)}" if stored.approvers else ""
        return (f":no_entry_sign: *Cancelled* by <@{stored.decided_by}>{after}; the "
                "transaction id is free again.")
    by = approved_by(stored)
    if stored.state == RequestState.REJECTED:
        after = f" after {approvals_so_far(stored)}" if stored.approvers else ""
        return (f":x: *Rejected* by <@{stored.decided_by}>{after}: "
                f"{clip(escape(stored.reject_reason), 2500)}")
    if stored.state == RequestState.ORDERED and stored.order_id is not None:
        line = (f":white_check_mark: *Approved* by {by} · BigCommerce order "
                f"*{order_link(stored.order_id, control_panel_url)}* · "
                f"Status: *{escape(stored.order_status)}*" + _total_differs(stored))
        if stored.problem:  # its latest answer could not be read
            line += f"\n:warning: {clip(escape(stored.problem), 1000)}"
        return line
    if stored.state == RequestState.FAILED:
        # The problem says whether BigCommerce refused the order or made one we can't read.
        return (f":warning: *Approved* by {by}, but the order could not be recorded: "
                f"{clip(escape(stored.problem), 2000)} A person needs to look at this.")
    line = f":hourglass_flowing_sand: *Approved* by {by} · creating the BigCommerce order…"
    if stored.problem:  # the handler's sentence already says it is retrying, and the last try
        line += f"\n:warning: {clip(escape(stored.problem), 2000)}"
    return line


def expired_line(stored: StoredRequest) -> str:
    # The request expired at its deadline (decided_at), so this is PAIDORDER_EXPIRE_AFTER as it
    # was then, however late the bot noticed.
    waited = spoken_duration((stored.decided_at or stored.created_at) - stored.created_at)
    short = f" ({approvals_so_far(stored)})" if stored.approvers else ""
    return (f":hourglass: *Expired* after {waited} without a decision{short}; the transaction id "
            "is free again.")


def _total_differs(stored: StoredRequest) -> str:
    """BigCommerce's own total, when it is not the card's: never accepted silently."""
    held = stored.order_total
    if held is None or held == stored.request.total:
        return ""
    return (f"\n:warning: BigCommerce's order total is {money(held, stored.currency)}, not "
            f"{money(stored.request.total, stored.currency)} as on this card. A person needs "
            "to look at this.")


def superseded_card(stored: StoredRequest, live_link: str | None) -> tuple[str, list[Block]]:
    """An extra copy of the card (a post Slack made after the bot gave up on it): no buttons,
    only a pointer to the card that is live."""
    other = f"<{live_link}|the other card>" if live_link else "the other card in this channel"
    text = f"Paid order request {stored.ref} — superseded; see {other}."
    return text, [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": f"Paid order request {stored.ref}"}},
        {"type": "section", "block_id": ids.SUPERSEDED_BLOCK,
         "text": _mrkdwn(f":no_entry_sign: Superseded — see {other}.")},
    ]


def _fallback(stored: StoredRequest) -> str:
    request = stored.request
    head = (f"Paid order request {stored.ref} from <@{stored.requester_id}>: "
            f"{money(request.amount_paid, stored.currency)} by {escape(request.payment_method)}")
    if stored.state == RequestState.PENDING and stored.approvers:
        return head + f" — {approvals_so_far(stored)}, waiting for a second approver"
    if stored.state == RequestState.PENDING:
        return head + " — waiting for approval"
    if stored.state == RequestState.ORDERED:
        return head + f" — BigCommerce order #{stored.order_id} ({escape(stored.order_status)})"
    return head + f" — {stored.state.value}"


def requester_notice(stored: StoredRequest, *, approval_channel: str,
                     control_panel_url: str | None = None) -> str:
    """What the requester is told about their request, as it stands now."""
    if stored.state == RequestState.PENDING:
        return (f"Your paid order request *{stored.ref}* is waiting for approval in "
                f"<#{approval_channel}>.")
    return f"Your paid order request *{stored.ref}*: " + status_line(stored, control_panel_url)


def shipment_reply(shipment: dict[str, Any]) -> str:
    """The thread reply for one shipment: carrier, tracking (linked when known), items."""
    tracking = escape(shipment.get("tracking_number")) or "no tracking number"
    link = shipment.get("tracking_link") or ""
    if link.startswith(("https://", "http://")) and "|" not in link and ">" not in link:
        tracking = f"<{link}|{tracking}>"
    items = ", ".join(f"{escape(i.get('name') or i.get('sku'))} × {i['quantity']}"
                      for i in shipment.get("items") or [])
    carrier = escape(shipment.get("carrier")) or "a carrier"
    return (f":package: Shipment {shipment['shipment_id']} via *{carrier}* · tracking "
            f"{tracking}" + (f"\nItems: {items}" if items else ""))


def order_status_text(view: OrderView, stored: StoredRequest | None, *,
                      control_panel_url: str | None = None) -> str:
    """`/paidorder status`: the order's status, items shipped of total, and each shipment."""
    order = view.order
    lines = [f"Order *{order_link(order.id, control_panel_url)}*: "
             f"*{escape(order.status)}* · {view.items_shipped} of {view.items_total} "
             f"items shipped"
             + (f" · request {stored.ref}" if stored else "")]
    names = {p.id: p.sku or p.name or str(p.id) for p in view.products}
    for shipment in view.shipments:
        items = ", ".join(
            f"{escape(names.get(i.order_product_id, str(i.order_product_id)))} × {i.quantity}"
            for i in shipment.items)
        link = shipment.tracking_link
        lines.append(f"• Shipment {shipment.id} via {escape(shipment.carrier) or '—'}, tracking "
                     f"{escape(shipment.tracking_number) or '—'}"
                     + (f" ({escape(link)})" if link else "") + (f": {items}" if items else ""))
    if not view.shipments:
        lines.append("No shipments yet.")
    return "\n".join(lines)
