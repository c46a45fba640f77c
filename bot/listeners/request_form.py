"""The request modal's submission: validate inline, store, and let the worker post the card."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack, App

from bot import ids
from bot.listeners.budget import ACK_BUDGET, STORE_RESERVE
from bot.services import Services
from bot.views import errors_on_blocks, form_from_view, metadata, seen_edit
from commands.catalog import SLOW
from commands.database import DatabaseUnavailable, time_left, within
from commands.handlers import Invalid, edit_request, submit_request
from commands.models import FormField
from commands.permissions import Refused, may_request
from commands.validation import CatalogEntry, FormTerms

log = logging.getLogger(__name__)

# The store's tax mode and currency are read once at start-up; a first submission before that
# read finishes waits this long for it, out of the acknowledgement's budget.
STORE_FACTS_BUDGET = 0.5


def register(app: App, services: Services, wake_worker: Callable[[], None]) -> None:
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        refusal = may_request(user, services.requesters)
        if refusal:
            services.metrics.refused()
            ack(response_action="errors",
                errors=errors_on_blocks(view, {FormField.ITEMS: refusal.message}))
            return
        # Validation has to finish inside the acknowledgement: that is the only way Slack
        # shows errors on the form. The store's facts, the catalog and customer lookups and the
        # database share one budget: the request is stored in time or not at all.
        def lookup(skus: list[str]) -> Mapping[str, CatalogEntry]:
            return services.catalog.lookup(skus, budget=(time_left() or 0) - STORE_RESERVE)

        asked = metadata(view)
        editing = str(asked["edit"]) if asked.get("edit") else None
        form = form_from_view(view)
        customer = services.catalog.start_customer_lookup(form.email or "")
        try:
            with within(ACK_BUDGET):
                if services.store_info.load_within(STORE_FACTS_BUDGET) is None:
                    ack(response_action="errors",
                        errors=errors_on_blocks(view, {FormField.ITEMS: SLOW}))
                    return
                terms = FormTerms(
                    payment_methods=services.settings.payment_methods,
                    tax_inclusive=services.store_info.tax_inclusive,
                    # Only when the form showed the select: it was opened from what was known.
                    storefronts=(services.store_info.storefronts if asked.get("storefronts")
                                 else ()),
                    require_proof=services.settings.paidorder_require_proof,
                )
                def customer_id(email: str) -> int:
                    return customer(email, budget=(time_left() or 0) - STORE_RESERVE)

                over = services.settings.paidorder_second_approval_over
                if editing:
                    result = edit_request(
                        editing, form, user_id=user, repo=services.repo,
                        requesters=services.requesters, lookup=lookup, terms=terms,
                        customer=customer_id, second_approval_over=over,
                        seen=seen_edit(asked))
                else:
                    result = submit_request(
                        form, requester_id=user, origin_channel=asked.get("channel"),
                        repo=services.repo, lookup=lookup,
                        currency=services.store_info.currency, terms=terms,
                        second_approval_over=over, customer=customer_id)
        except DatabaseUnavailable as exc:
            log.warning("a request by %s was not stored: the database is %s", user, exc.reason)
            ack(response_action="errors",
                errors=errors_on_blocks(view, {FormField.ITEMS: str(exc)}))
            return
        services.metrics.request(result)
        if isinstance(result, Refused):  # an edit of a request decided since the form opened
            ack(response_action="errors",
                errors=errors_on_blocks(view, {FormField.ITEMS: result.message}))
            return
        if isinstance(result, Invalid):
            ack(response_action="errors", errors=errors_on_blocks(view, result.errors))
            return
        ack()
        log.info("request %s %s by %s", result.stored.ref,
                 "edited" if editing else "submitted", user)
        wake_worker()

    app.view(ids.REQUEST_MODAL)(submitted)
