"""The modal's typeaheads: options as the requester types, and what a choice writes into the
form (`views.update`, with the view's hash so a stale update can't overwrite a newer view)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.form_updates import (
    customer_option,
    notice,
    product_option,
    with_customer,
    with_product_line,
)
from bot.services import Services
from commands.bigcommerce import BigCommerceError

log = logging.getLogger(__name__)

# Shown as the only option when there is nothing to search yet; choosing it changes nothing.
CATALOG_LOADING = "The catalog is still loading; type SKUs in Items for now."
CUSTOMERS_SLOW = "BigCommerce is slow to answer; type the customer in for now."


def register(app: App, services: Services) -> None:
    def product_options(ack: Ack, body: dict[str, Any]) -> None:
        if not services.products.ready:
            ack(options=[notice(CATALOG_LOADING)])
            return
        found = services.products.search(str(body.get("value") or ""))
        currency = services.store_info.currency
        ack(options=[product_option(listing, currency) for listing in found])

    def customer_options(ack: Ack, body: dict[str, Any]) -> None:
        found = services.customers.search(str(body.get("value") or ""))
        if found is None:
            ack(options=[notice(CUSTOMERS_SLOW)])
            return
        ack(options=[customer_option(customer) for customer in found])

    def product_chosen(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        view = body.get("view") or {}
        listing = services.products.listing(_chosen(body))
        if listing is None:
            log.info("a chosen product is no longer in the search; nothing added")
            return
        updated = with_product_line(view, listing.sku)
        if updated is None:
            log.info("Items is full; %s was not added", listing.sku)
            return
        services.later(lambda: update_view(services, view, updated))

    def customer_chosen(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        view = body.get("view") or {}
        chosen = _chosen(body)
        if not chosen.isdigit():
            return

        def fill() -> None:
            try:
                customer = services.customers.customer(int(chosen))
                if customer is None:
                    log.info("chosen customer %s no longer exists; nothing filled", chosen)
                    return
                address = services.customers.first_address(customer.id)
            except BigCommerceError as exc:
                log.warning("could not read customer %s to fill the form: %s", chosen, exc)
                return
            update_view(services, view, with_customer(view, customer, address))

        services.later(fill)

    app.options(ids.FIND_PRODUCT)(product_options)
    app.options(ids.FIND_CUSTOMER)(customer_options)
    app.action(ids.FIND_PRODUCT)(product_chosen)
    app.action(ids.FIND_CUSTOMER)(customer_chosen)


def _chosen(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str((actions[0].get("selected_option") or {}).get("value") or "")


def update_view(services: Services, view: dict[str, Any], updated: dict[str, Any]) -> None:
    """Send the rewritten view; one the user changed since (a newer hash) wins."""
    try:
        services.slack.views_update(view_id=view.get("id"), hash=view.get("hash"), view=updated)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "hash_conflict":
            log.info("the form changed before it could be updated; the update was dropped")
        else:
            log.warning("could not update the request form: %s", error)
