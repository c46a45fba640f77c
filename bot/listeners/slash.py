"""`/paidorder` and its subcommands."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import ids
from bot.cards import order_status_text
from bot.export import export
from bot.listeners.deliveries import handled_before, retry_attempt, trigger_spent
from bot.scheduler import post_summary
from bot.services import Services
from bot.text import code, escape
from bot.views import request_modal
from commands.bigcommerce import BigCommerceError
from commands.permissions import may_post_summary, may_request, may_see_order, may_ship
from commands.repository import Outbox
from commands.shipping import ShipRefused, parse_order_id, parse_ship, read_order, ship_order

log = logging.getLogger(__name__)

USAGE = """*/paidorder* — record an order that was paid outside BigCommerce.
• `/paidorder` — open the form; approvers get a card with *Approve* / *Reject*.
• `/paidorder status <order id>` — the order's status and shipments.
• `/paidorder ship <order id> <carrier> <tracking number> [SKU x QTY …]` — add a shipment.
• `/paidorder summary` — post the summary now.
• `/paidorder export [FROM [TO]]` — the orders recorded in a date range (YYYY-MM-DD; \
default this month) as a CSV file, by direct message.
• `/paidorder help` — this message."""


def register(app: App, services: Services) -> None:
    def paidorder(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond,
                  request: BoltRequest) -> None:
        text = (command.get("text") or "").strip()
        word = text.split(maxsplit=1)[0].lower() if text else ""
        if word == "help":
            ack(text=USAGE, response_type="ephemeral")
            return
        rest = text.split(maxsplit=1)[1] if " " in text else ""
        if word in SUBCOMMANDS:
            ack()
            action = SUBCOMMANDS[word]
            services.later(lambda: _run_after_ack(word, action, services, command, rest,
                                                  respond, request))
            return
        if word:
            ack(text=f"I don't know {code(word[:30])}.\n\n{USAGE}",
                response_type="ephemeral")
            return
        ack()
        # After the ack: a user-group lookup may need a Slack API call.
        refusal = may_request(command["user_id"], services.requesters)
        if refusal:
            services.metrics.refused()
            _say(respond, refusal.message)
            return
        _open_form(client, command, respond, services)

    app.command(ids.COMMAND)(paidorder)


def _open_form(client: WebClient, command: dict[str, Any], respond: Respond,
               services: Services) -> None:
    # The trigger id lives 3 seconds: open the modal before anything else.
    try:
        client.views_open(trigger_id=command["trigger_id"], view=request_modal(
            origin_channel=command.get("channel_id"),
            payment_methods=services.settings.payment_methods,
            storefronts=services.store_info.storefronts,
            require_proof=services.settings.paidorder_require_proof))
    except Exception as exc:
        if trigger_spent(exc):
            # A retry or replay of a command whose form is already open: nothing to say.
            log.info("the form for this /paidorder was already opened")
            return
        log.exception("could not open the request form for %s", command.get("user_id"))
        _say(respond, "Sorry, I couldn't open the form. Please run `/paidorder` again.")


def _run_after_ack(word: str, action: Subcommand, services: Services, command: dict[str, Any],
                   rest: str, respond: Respond, request: BoltRequest) -> None:
    """Slow work after the ack; any failure is told to the user, never raised."""
    try:
        if word in ONCE and handled_before(services, command, kind=word,
                                           user_id=command["user_id"],
                                           attempt=retry_attempt(request)):
            return
        _say(respond, action(services, command, rest))
    except ShipRefused as exc:
        _say(respond, str(exc))
    except BigCommerceError as exc:
        log.warning("%s failed: %s", command.get("text"), exc)
        _say(respond, f"BigCommerce answered with an error: {exc}")
    except SQLAlchemyError as exc:
        # A database write-locked past the background wait, full or unreachable: say so.
        log.warning("%s failed on the database: %s", command.get("text"), exc)
        _say(respond, "The bot's database is busy or unavailable right now; nothing was "
                      "changed. Try again in a minute.")
    except Exception:
        log.exception("%s failed", command.get("text"))
        _say(respond, "Something went wrong; please try again in a minute.")


def status(services: Services, command: dict[str, Any], rest: str) -> str:
    order_id = parse_order_id(rest.split()[0] if rest.split() else "")
    stored = services.repo.by_order_id(order_id)
    # Decided before BigCommerce is asked anything: other orders are none of the bot's business.
    refusal = may_see_order(command["user_id"], order_id, stored,
                            requesters=services.requesters, approvers=services.approvers)
    if refusal:
        return refusal.message
    assert stored is not None  # may_see_order refuses the orders the bot didn't record
    view = read_order(services.bigcommerce, order_id)
    return order_status_text(view, stored,
                             control_panel_url=services.store_info.control_panel_url)


def ship(services: Services, command: dict[str, Any], rest: str) -> str:
    order = parse_ship(rest)
    stored = services.repo.by_order_id(order.order_id)
    refusal = may_ship(command["user_id"], order.order_id, stored,
                       approvers=services.approvers)
    if refusal:
        return refusal.message
    assert stored is not None  # may_ship refuses the orders the bot didn't record
    shipment = ship_order(order, bigcommerce=services.bigcommerce)
    services.repo.enqueue_now(stored.ref, Outbox.REFRESH_ORDER)
    services.wake_worker()
    after = services.bigcommerce.get_order(order.order_id)
    return (f"Shipment {shipment.id} added to order #{order.order_id} "
            f"({escape(order.carrier)} {escape(order.tracking_number)}). "
            f"The order is now *{escape(after.status)}*.")


def summary(services: Services, command: dict[str, Any], rest: str) -> str:
    refusal = may_post_summary(command["user_id"], services.approvers)
    if refusal:
        return refusal.message
    today = datetime.now(services.settings.timezone).date()
    post_summary(services, today, title=f"Paid orders so far today · {today:%a %d %b}")
    return f"Posted the summary to <#{services.settings.summary_channel}>."


Subcommand = Callable[[Services, dict[str, Any], str], str]
SUBCOMMANDS: dict[str, Subcommand] = {"status": status, "ship": ship, "summary": summary,
                                      "export": export}
# Subcommands that change something or post somewhere: a retry or a replay of one (the same
# trigger_id) is answered quietly instead of doing it again.
ONCE = frozenset({"ship", "summary", "export"})


def _say(respond: Respond, text: str) -> None:
    try:
        respond(text=text, response_type="ephemeral")
    except Exception:
        log.exception("could not answer the user")
