"""What each outbox job does: post or update the card, create the order, tell the requester."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot import ids
from bot.cards import request_card, requester_notice, shipment_reply, superseded_card
from bot.proof_copies import copy_proof
from bot.reminder_view import reminder_text
from bot.services import Services
from bot.slack_posts import (
    CardNotPostedYet,
    card_tag,
    message_link,
    posted_copies,
    reminder_tag,
    shipment_tag,
    tries,
)
from commands.handlers import create_paid_order
from commands.models import RequestState
from commands.reminders import open_reminders, reminder_dropped, reminder_posted
from commands.repository import Job, Outbox, StoredRequest
from commands.tracking import mark_posted, refresh_order, unposted_shipments

log = logging.getLogger(__name__)


def job_runner(services: Services) -> Callable[[Job], None]:
    actions: dict[str, Callable[[Services, StoredRequest], None]] = {
        Outbox.POST_CARD: post_card,
        Outbox.UPDATE_CARD: update_card,
        Outbox.NOTIFY_REQUESTER: notify_requester,
        Outbox.CREATE_ORDER: create_order,
        Outbox.REFRESH_ORDER: refresh,
        Outbox.POST_SHIPMENTS: post_shipments,
        Outbox.CHECK_CARD_COPIES: check_card_copies,
        Outbox.POST_REMINDER: post_reminder,
        Outbox.COPY_PROOF: copy_proof,
    }

    def run(job: Job) -> None:
        stored = services.repo.get(job.ref)
        if stored is None:
            log.error("outbox job %s refers to unknown request %s", job.id, job.ref)
            return
        actions[job.kind](services, stored)

    return run


CARD_TRIED = "card_post_attempted"
SHIPMENT_TRIED = "shipment_reply_attempted"
REMINDER_TRIED = "reminder_post_attempted"
# A post Slack was still working on when the bot gave up on it lands within a few timeouts; the
# look for such late extra copies waits that long.
LATE_COPY_TIMEOUTS = 6


def post_card(services: Services, stored: StoredRequest) -> None:
    """Post the request's card once: an earlier try's card, if Slack has it, is the card."""
    if stored.card_ts:
        return
    channel = services.settings.paidorder_approval_channel
    tried = tries(services.repo, stored.ref, CARD_TRIED)
    if tried:
        copies = posted_copies(services.slack, channel, card_tag(stored.ref), since=tried[0])
        if copies:
            _keep_card(services, stored, channel, str(copies[0]["ts"]), adopted=True,
                       retried=True)
            if len(copies) > 1:
                check_card_copies(services, services.repo.get(stored.ref) or stored)
            return
    services.repo.record_event(stored.ref, "slack", CARD_TRIED, {"channel": channel})
    text, blocks = request_card(stored, control_panel_url=services.store_info.control_panel_url)
    answer = services.slack.chat_postMessage(channel=channel, text=text, blocks=blocks,
                                             unfurl_links=False,
                                             metadata=card_tag(stored.ref).metadata)
    _keep_card(services, stored, str(answer["channel"]), str(answer["ts"]), adopted=False,
               retried=bool(tried))


def _keep_card(services: Services, stored: StoredRequest, channel: str, ts: str, *,
               adopted: bool, retried: bool) -> None:
    if not services.repo.set_card(stored.ref, channel, ts, adopted=adopted):
        # Another try recorded its card first; this one must not stay live beside it.
        check_card_copies(services, services.repo.get(stored.ref) or stored)
        return
    if retried:
        # An earlier try may still land after this one: look again once it would have.
        delay = timedelta(seconds=services.slack_timeout * LATE_COPY_TIMEOUTS)
        services.repo.enqueue_now(stored.ref, Outbox.CHECK_CARD_COPIES, delay=delay)
    try:
        _tell_requester(services, stored)
    except SlackApiError:
        # The card is up; a lost courtesy note must not post the card a second time.
        log.warning("could not tell %s where request %s is", stored.requester_id, stored.ref)


def check_card_copies(services: Services, stored: StoredRequest) -> None:
    """Make every copy of the card but the recorded one inert, pointing at the live card."""
    if not (stored.card_channel and stored.card_ts):
        raise CardNotPostedYet(stored.ref)
    since = next(iter(tries(services.repo, stored.ref, CARD_TRIED)), stored.created_at)
    copies = posted_copies(services.slack, stored.card_channel, card_tag(stored.ref),
                           since=since) or []
    link = message_link(services.workspace_url, stored.card_channel, stored.card_ts)
    text, blocks = superseded_card(stored, link)
    for copy in copies:
        if copy["ts"] == stored.card_ts or _inert(copy):
            continue
        services.slack.chat_update(channel=stored.card_channel, ts=copy["ts"], text=text,
                                   blocks=blocks)
        services.repo.record_event(stored.ref, "slack", "card_superseded",
                                   {"ts": copy["ts"], "live_ts": stored.card_ts})


def _inert(message: dict) -> bool:
    return any(b.get("block_id") == ids.SUPERSEDED_BLOCK for b in message.get("blocks") or [])


def update_card(services: Services, stored: StoredRequest) -> None:
    if not (stored.card_channel and stored.card_ts):
        raise CardNotPostedYet(stored.ref)
    text, blocks = request_card(stored, control_panel_url=services.store_info.control_panel_url)
    # The tag goes along so the card stays findable whatever Slack does with an update's
    # missing metadata.
    services.slack.chat_update(channel=stored.card_channel, ts=stored.card_ts, text=text,
                               blocks=blocks, metadata=card_tag(stored.ref).metadata)
    services.repo.record_event(stored.ref, "slack", "card_updated", {"state": stored.state})


def notify_requester(services: Services, stored: StoredRequest) -> None:
    _tell_requester(services, stored)


def create_order(services: Services, stored: StoredRequest) -> None:
    services.metrics.order(create_paid_order(
        stored.ref, repo=services.repo, bigcommerce=services.bigcommerce,
        external_source=services.settings.paidorder_external_source,
        timezone=services.settings.timezone))


def refresh(services: Services, stored: StoredRequest) -> None:
    if stored.order_id is not None:
        refresh_order(stored, repo=services.repo, bigcommerce=services.bigcommerce)


def post_shipments(services: Services, stored: StoredRequest) -> None:
    """One reply in the card's thread per shipment not yet shown there."""
    if not (stored.card_channel and stored.card_ts):
        raise CardNotPostedYet(stored.ref)
    for shipment in unposted_shipments(services.repo, stored.ref):
        shipment_id = int(shipment["shipment_id"])
        tag = shipment_tag(stored.ref, shipment_id)
        tried = tries(services.repo, stored.ref, SHIPMENT_TRIED, shipment_id=shipment_id)
        copies = tried and posted_copies(services.slack, stored.card_channel, tag,
                                         since=tried[0], thread_ts=stored.card_ts)
        if copies:  # an earlier try's reply made it after all
            mark_posted(services.repo, shipment_id, str(copies[0]["ts"]))
            continue
        services.repo.record_event(stored.ref, "slack", SHIPMENT_TRIED,
                                   {"shipment_id": shipment_id})
        answer = services.slack.chat_postMessage(
            channel=stored.card_channel, thread_ts=stored.card_ts,
            text=shipment_reply(shipment), unfurl_links=False, metadata=tag.metadata)
        mark_posted(services.repo, shipment_id, str(answer["ts"]))


def post_reminder(services: Services, stored: StoredRequest) -> None:
    """The latest claimed reminder, once, in the card's thread; older unposted ones lapse."""
    waiting = open_reminders(services.repo, stored.ref)
    if not waiting:
        return
    if stored.state != RequestState.PENDING:
        for reminder in waiting:  # decided since the claim: nobody needs a nudge now
            reminder_dropped(services.repo, reminder, f"request {stored.state.value}")
        return
    if not (stored.card_channel and stored.card_ts):
        raise CardNotPostedYet(stored.ref)
    *superseded, latest = waiting
    for reminder in superseded:
        reminder_dropped(services.repo, reminder, f"reminder {latest.number} is due too")
    tag = reminder_tag(stored.ref, latest.number)
    tried = tries(services.repo, stored.ref, REMINDER_TRIED, number=latest.number)
    copies = tried and posted_copies(services.slack, stored.card_channel, tag, since=tried[0],
                                     thread_ts=stored.card_ts)
    if copies:  # an earlier try's reply made it after all
        reminder_posted(services.repo, latest, str(copies[0]["ts"]))
        return
    services.repo.record_event(stored.ref, "slack", REMINDER_TRIED, {"number": latest.number})
    answer = services.slack.chat_postMessage(
        channel=stored.card_channel, thread_ts=stored.card_ts,
        # Someone who gave the first of two approvals can't give the second: no need to ping.
        text=reminder_text(stored.ref, latest.waited, [
            who for who in services.settings.approvers if who not in stored.approvers]),
        metadata=tag.metadata)
    reminder_posted(services.repo, latest, str(answer["ts"]))
    services.metrics.reminder_sent()


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
