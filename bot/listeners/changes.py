"""Edit and Cancel on a pending card: the requester's own buttons, re-checked on every click.

Edit opens the form filled in with the request (within the click's 3-second trigger, so the
database work before it is bounded); its submission is bot/listeners/request_form.py's, which
sees the reference in the form's metadata. Cancel is acknowledged at once and done after.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient

from bot import ids
from bot.cards import clicked
from bot.listeners.budget import ACK_BUDGET
from bot.listeners.decisions import refuse
from bot.listeners.deliveries import handled_before, retry_attempt, trigger_spent
from bot.services import Services
from bot.views import overlong_input, request_modal
from commands.database import within
from commands.handlers import cancel_request
from commands.permissions import Refused, may_change
from commands.prefill import form_of

log = logging.getLogger(__name__)

def register(app: App, services: Services, wake_worker: Callable[[], None]) -> None:
    def edit(ack: Ack, body: dict[str, Any], client: WebClient, request: BoltRequest) -> None:
        ack()
        user = body["user"]["id"]
        ref, _ = clicked(str(body["actions"][0].get("value") or ""))
        attempt = retry_attempt(request)
        try:
            with within(ACK_BUDGET):
                if handled_before(services, body, kind="edit", user_id=user, attempt=attempt):
                    return
                stored = services.repo.get(ref)
                refusal = may_change(user, stored, services.requesters, editing=True)
            if refusal or stored is None:
                _refused(refusal, attempt, body, client)
                return
            form = request_modal(
                origin_channel=stored.origin_channel,
                payment_methods=services.settings.payment_methods,
                storefronts=services.store_info.storefronts, editing=ref,
                answers=form_of(stored.request), edited_at=stored.edited_at)
            if (label := overlong_input(form)) is not None:
                refuse(services, client, body, f"{ref}'s {label} is longer than the form can "
                       "show; cancel it and submit a new request instead.")
                return
            client.views_open(trigger_id=body["trigger_id"], view=form)
        except Exception as exc:
            if trigger_spent(exc):
                log.info("the edit form for %s was already opened", ref)
                return
            log.exception("could not open the edit form for %s", ref)
            refuse(services, client, body, "I couldn't open the form; please click Edit again.")

    def cancel(ack: Ack, body: dict[str, Any], client: WebClient, request: BoltRequest) -> None:
        ack()
        services.later(lambda: _cancel(body, client, retry_attempt(request)))

    def _cancel(body: dict[str, Any], client: WebClient, attempt: int) -> None:
        user = body["user"]["id"]
        ref, _ = clicked(str(body["actions"][0].get("value") or ""))
        try:
            if handled_before(services, body, kind="cancel", user_id=user, attempt=attempt):
                return
            result = cancel_request(ref, user_id=user, repo=services.repo,
                                    requesters=services.requesters)
        except Exception:
            log.exception("cancelling %s for %s failed", ref, user)
            refuse(services, client, body, f"Something went wrong cancelling {ref}; nothing "
                   "was changed. Please try again.")
            return
        if isinstance(result, Refused):
            _refused(result, attempt, body, client)
            return
        services.metrics.request(result)
        log.info("request %s cancelled by %s", ref, user)
        wake_worker()

    def _refused(refusal: Refused | None, attempt: int, body: dict[str, Any],
                 client: WebClient) -> None:
        if refusal is None:
            return
        services.metrics.request(refusal)
        if not (attempt and refusal.repeat):
            refuse(services, client, body, refusal.message)

    app.action(ids.EDIT)(edit)
    app.action(ids.CANCEL)(cancel)
