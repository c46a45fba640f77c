"""The request modal's submission: validate inline, store, and let the worker post the card."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack, App

from bot import ids
from bot.listeners.budget import ACK_BUDGET, STORE_RESERVE
from bot.services import Services
from bot.views import form_from_view, metadata
from commands.database import DatabaseUnavailable, time_left, within
from commands.handlers import Invalid, submit_request
from commands.models import FormField
from commands.validation import CatalogEntry

log = logging.getLogger(__name__)


def register(app: App, services: Services, wake_worker: Callable[[], None]) -> None:
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        if not services.requesters.includes(user):
            services.metrics.refused()
            ack(response_action="errors", errors={
                "items": "You're not on the list of people who may record paid orders."})
            return
        # Validation has to finish inside the acknowledgement: that is the only way Slack
        # shows errors on the form. The catalog lookup and the database share one budget: the
        # request is stored in time or not at all.
        def lookup(skus: list[str]) -> Mapping[str, CatalogEntry]:
            return services.catalog.lookup(skus, budget=(time_left() or 0) - STORE_RESERVE)

        try:
            with within(ACK_BUDGET):
                result = submit_request(
                    form_from_view(view), requester_id=user,
                    origin_channel=metadata(view).get("channel"), repo=services.repo,
                    lookup=lookup, currency=services.store_info.currency,
                )
        except DatabaseUnavailable as exc:
            log.warning("a request by %s was not stored: the database is %s", user, exc.reason)
            ack(response_action="errors", errors={FormField.ITEMS: str(exc)})
            return
        services.metrics.request(result)
        if isinstance(result, Invalid):
            ack(response_action="errors", errors=result.errors)
            return
        ack()
        log.info("request %s submitted by %s", result.stored.ref, user)
        wake_worker()

    app.view(ids.REQUEST_MODAL)(submitted)
