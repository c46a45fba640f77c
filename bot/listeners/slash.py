"""`/paidorder` and its subcommands."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import ids
from bot.services import Services
from bot.views import request_modal

log = logging.getLogger(__name__)

USAGE = """*/paidorder* — record an order that was paid outside BigCommerce.
• `/paidorder` — open the form; approvers get a card with *Approve* / *Reject*.
• `/paidorder status <order id>` — the order's status and shipments.
• `/paidorder ship <order id> <carrier> <tracking number> [SKU x QTY …]` — add a shipment.
• `/paidorder summary` — post the summary now.
• `/paidorder help` — this message."""


def register(app: App, services: Services) -> None:
    def paidorder(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = (command.get("text") or "").strip()
        word = text.split(maxsplit=1)[0].lower() if text else ""
        if word == "help":
            ack(text=USAGE, response_type="ephemeral")
            return
        if word:
            ack(text=f"`{word}` is not something I can do yet.\n\n{USAGE}",
                response_type="ephemeral")
            return
        ack()
        # After the ack: a user-group lookup may need a Slack API call.
        if not services.requesters.includes(command["user_id"]):
            _say(respond, "You're not on the list of people who may record paid orders. "
                          "Ask your admin to add you to PAIDORDER_REQUESTERS.")
            return
        _open_form(client, command, respond)

    app.command(ids.COMMAND)(paidorder)


def _open_form(client: WebClient, command: dict[str, Any], respond: Respond) -> None:
    # The trigger id lives 3 seconds: open the modal before anything else.
    try:
        client.views_open(trigger_id=command["trigger_id"],
                          view=request_modal(origin_channel=command.get("channel_id")))
    except Exception:
        log.exception("could not open the request form for %s", command.get("user_id"))
        _say(respond, "Sorry, I couldn't open the form. Please run `/paidorder` again.")


def _say(respond: Respond, text: str) -> None:
    try:
        respond(text=text, response_type="ephemeral")
    except Exception:
        log.exception("could not answer the user")
