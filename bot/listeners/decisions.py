"""Approve and Reject: buttons anyone in the channel can see, so every click is re-checked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient

from bot import ids
from bot.cards import clicked
from bot.listeners.budget import ACK_BUDGET
from bot.listeners.deliveries import handled_before, retry_attempt, trigger_spent
from bot.services import Services
from bot.views import metadata, reject_modal
from commands.database import DatabaseUnavailable, within
from commands.handlers import Invalid, approve_request, reject_request
from commands.permissions import Refused, may_decide

log = logging.getLogger(__name__)


def register(app: App, services: Services, wake_worker: Callable[[], None]) -> None:
    def approve(ack: Ack, body: dict[str, Any], client: WebClient, request: BoltRequest) -> None:
        ack()
        services.later(lambda: _approve(body, client, retry_attempt(request)))

    def _approve(body: dict[str, Any], client: WebClient, attempt: int) -> None:
        user = body["user"]["id"]
        ref, seen = clicked(body["actions"][0]["value"])
        try:
            if handled_before(services, body, kind="approve", user_id=user,
                              attempt=attempt):
                return
            result = approve_request(ref, user_id=user, repo=services.repo,
                                     approvers=services.approvers, seen=seen)
        except Exception:
            log.exception("approval of %s by %s failed", ref, user)
            refuse(services, client, body, "Something went wrong recording your approval; "
                                  "nothing was changed. Please try again.")
            return
        services.metrics.request(result)
        if isinstance(result, Refused):
            # A retry that finds the user's own approval done has nothing to tell them.
            if not (attempt and result.repeat):
                refuse(services, client, body, result.message)
            return
        log.info("request %s approved by %s", ref, user)
        wake_worker()

    def reject(ack: Ack, body: dict[str, Any], client: WebClient, request: BoltRequest) -> None:
        ack()
        user = body["user"]["id"]
        ref, _ = clicked(body["actions"][0]["value"])  # a rejection stands whatever was shown
        attempt = retry_attempt(request)
        try:
            # The form must open within the trigger's 3 seconds: bound the database work.
            with within(ACK_BUDGET):
                if handled_before(services, body, kind="reject", user_id=user,
                                  attempt=attempt):
                    return
                refusal = may_decide(user, services.repo.get(ref), services.approvers,
                                     approving=False)
            if refusal:
                services.metrics.request(refusal)
                if not (attempt and refusal.repeat):
                    refuse(services, client, body, refusal.message)
                return
            client.views_open(trigger_id=body["trigger_id"], view=reject_modal(ref))
        except Exception as exc:
            if trigger_spent(exc):
                # An earlier delivery of this click already opened the form.
                log.info("the reject form for %s was already opened", ref)
                return
            log.exception("could not open the reject form for %s", ref)
            refuse(services, client, body, "I couldn't open the reject form; please try again.")

    def reason_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        ref = str(metadata(view).get("ref", ""))
        reason = (view["state"]["values"].get(ids.REASON_BLOCK, {}).get(ids.VALUE, {})
                  .get("value") or "")
        try:
            with within(ACK_BUDGET):
                result = reject_request(ref, user_id=user, reason=reason, repo=services.repo,
                                        approvers=services.approvers)
        except DatabaseUnavailable as exc:
            log.warning("a rejection of %s was not stored: the database is %s", ref, exc.reason)
            ack(response_action="errors", errors={ids.REASON_BLOCK: str(exc)})
            return
        services.metrics.request(result)
        if isinstance(result, Invalid):
            ack(response_action="errors", errors={ids.REASON_BLOCK: result.errors["reason"]})
        elif isinstance(result, Refused):
            ack(response_action="errors", errors={ids.REASON_BLOCK: result.message})
        else:
            ack()
            log.info("request %s rejected by %s", ref, user)
            wake_worker()

    app.action(ids.APPROVE)(approve)
    app.action(ids.REJECT)(reject)
    app.view(ids.REJECT_MODAL)(reason_submitted)


def refuse(services: Services, client: WebClient, body: dict[str, Any], message: str) -> None:
    """An answer to the clicker only; the card stays as it is.

    A click on the card gets an ephemeral in its channel. A click on the Home tab has no
    channel: it gets a direct message, which works however long after the click the answer
    comes (a modal would need the click's trigger_id, dead after 3 seconds), and the clicker's
    Home is published again, since what they clicked on was out of date."""
    user = body["user"]["id"]
    container = body.get("container") or {}
    try:
        if container.get("type") == "view":
            services.refresh_home([user])
            client.chat_postMessage(channel=user, text=message)
            return
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        client.chat_postEphemeral(channel=channel, user=user, text=message)
    except Exception:
        log.exception("could not tell %s: %s", user, message)
