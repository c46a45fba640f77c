"""What each outbox job does: post or update the card, create the order, tell the requester."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot.cards import request_card, requester_notice, shipment_reply
from bot.services import Services
from commands.handlers import create_paid_order
from commands.repository import Job, Outbox, StoredRequest
from commands.tracking import mark_posted, refresh_order, unposted_shipments

log = logging.getLogger(__name__)


class CardNotPostedYet(Exception):
    pass


def job_runner(services: Services) -> Callable[[Job], None]:
    actions: dict[str, Callable[[Services, StoredRequest], None]] = {
        Outbox.POST_CARD: post_card,
        Outbox.UPDATE_CARD: update_card,
        Outbox.NOTIFY_REQUESTER: notify_requester,
        Outbox.CREATE_ORDER: create_order,
        Outbox.REFRESH_ORDER: refresh,
        Outbox.POST_SHIPMENTS: post_shipments,
    }

    def run(job: Job) -> None:
        stored = services.repo.get(job.ref)
        if stored is None:
            log.error("outbox job %s refers to unknown request %s", job.id, job.ref)
            return
        actions[job.kind](services, stored)

    return run


def post_card(services: Services, stored: StoredRequest) -> None:
    if stored.card_ts:
        return
    channel = services.settings.paidorder_approval_channel
    text, blocks = request_card(stored, control_panel_url=services.store_info.control_panel_url)
    answer = services.slack.chat_postMessage(channel=channel, text=text, blocks=blocks,
                                             unfurl_links=False)
    services.repo.set_card(stored.ref, answer["channel"], answer["ts"])
    try:
        _tell_requester(services, stored)
    except SlackApiError:
        # The card is up; a lost courtesy note must not post the card a second time.
        log.warning("could not tell %s where request %s is", stored.requester_id, stored.ref)


def update_card(services: Services, stored: StoredRequest) -> None:
    if not (stored.card_channel and stored.card_ts):
        raise CardNotPostedYet(stored.ref)
    text, blocks = request_card(stored, control_panel_url=services.store_info.control_panel_url)
    services.slack.chat_update(channel=stored.card_channel, ts=stored.card_ts, text=text,
                               blocks=blocks)
    services.repo.record_event(stored.ref, "slack", "card_updated", {"state": stored.state})


def notify_requester(services: Services, stored: StoredRequest) -> None:
    _tell_requester(services, stored)


def create_order(services: Services, stored: StoredRequest) -> None:
    services.metrics.order(create_paid_order(
        stored.ref, repo=services.repo, bigcommerce=services.bigcommerce,
        external_source=services.settings.paidorder_external_source))


def refresh(services: Services, stored: StoredRequest) -> None:
    if stored.order_id is not None:
        refresh_order(stored, repo=services.repo, bigcommerce=services.bigcommerce)


def post_shipments(services: Services, stored: StoredRequest) -> None:
    """One reply in the card's thread per shipment not yet shown there."""
    if not (stored.card_channel and stored.card_ts):
        raise CardNotPostedYet(stored.ref)
    for shipment in unposted_shipments(services.repo, stored.ref):
        answer = services.slack.chat_postMessage(
            channel=stored.card_channel, thread_ts=stored.card_ts,
            text=shipment_reply(shipment), unfurl_links=False)
        mark_posted(services.repo, shipment["shipment_id"], str(answer["ts"]))


def _tell_requester(services: Services, stored: StoredRequest) -> None:
    """Ephemeral in the channel they asked from; a direct message when that isn't possible."""
    text = requester_notice(stored, approval_channel=services.settings.paidorder_approval_channel,
                            control_panel_url=services.store_info.control_panel_url)
    if stored.origin_channel:
        try:
            services.slack.chat_postEphemeral(channel=stored.origin_channel,
                                              user=stored.requester_id, text=text)
            return
        except SlackApiError as exc:
            log.info("ephemeral to %s failed (%s); sending a direct message",
                     stored.requester_id, exc.response.get("error"))
    services.slack.chat_postMessage(channel=stored.requester_id, text=text)
