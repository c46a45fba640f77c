"""The demo's Edit and Cancel step: the requester fixes a pending request, then withdraws it.

Kept beside bot/demo.py, whose players and helpers it uses, so the story stays one file's read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import ids
from bot.runtime import Bot
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests

if TYPE_CHECKING:
    from bot.demo import Demo

# Paid by card terminal for one mug, then found to be two.
TERMINAL_REQUEST = {
    "email": "lee@example.com", "first_name": "Lee", "last_name": "Chen",
    "street": "3 Lake Rd", "city": "Madison", "state": "Wisconsin", "zip": "53703",
    "country": "US", "items": "MUG-WHT x 1", "payment_method": "Card terminal",
    "transaction_id": "POS-5531", "amount_paid": "24.00",
}


def edit_and_cancel(demo: Demo, player: SlackRequests, slack: SlackStandIn, bot: Bot) -> None:
    from bot.demo import APPROVALS, MORGAN, RILEY, DemoFailed

    demo.say("15. Riley records a card-terminal payment of 24.00 for one mug; the customer "
             "bought two, so the card's total is off.")
    card = demo.new_card(player, slack, TERMINAL_REQUEST)
    opened = len(slack.calls_to("views.open"))
    player.click(RILEY, APPROVALS, card, ids.EDIT, card["value"])
    form = slack.wait_for("views.open", count=opened + 1)[-1].args["view"]
    items = next(b["element"].get("initial_value") for b in form["blocks"]
                 if b.get("block_id") == "items")
    demo.say(f"   Riley clicks Edit: the form opens filled in (Items: {items!r}); Riley makes "
             "it 2 and saves.")
    player.submit(RILEY, form, {"items": "MUG-WHT x 2 @ 12.00"})
    text = demo.wait_card(slack, card["ts"], "× 2")
    if "Edited" not in text or "✓" not in text:
        raise DemoFailed(f"the edited card does not show the change: {text}")
    demo.say("   the same card now shows 2 mugs, a total matching the amount paid, and "
             "\"Edited by Riley\".")
    player.click(MORGAN, APPROVALS, card, ids.CANCEL, card["value"])
    demo.say("   Morgan clicks Cancel: " + demo.reply(slack, "can edit or cancel"))
    player.click(RILEY, APPROVALS, card, ids.CANCEL, card["value"])
    demo.wait_card(slack, card["ts"], "*Cancelled*")
    if bot.services.repo.payment_booked("Card terminal", "POS-5531"):
        raise DemoFailed("the cancelled request still holds its transaction id")
    demo.say("   Riley cancels it after all (the customer will pay online): the card reads "
             "Cancelled, its buttons are gone, and POS-5531 is free to record again.")
