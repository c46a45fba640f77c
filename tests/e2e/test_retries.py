"""Slack delivering the same click or command again, over real HTTP.

A retry (`X-Slack-Retry-Num`) or a byte-for-byte replay of a signed request repeats its
trigger_id; the bot acknowledges it and does nothing more: no second decision, no second
shipment or summary, and no message to the user about their own first delivery.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot import ids
from bot.runtime import Bot
from commands.models import RequestState
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import (
    APPROVALS,
    APPROVER,
    OUTSIDER,
    REQUESTER,
    SALES,
    SIGNING_SECRET,
    submit_request,
)
from tests.e2e.test_approval_flow import wait_card
from tests.tracking.story import ask, place_order, settle, wait_until

UPS = "1Z999AA10123456784"


def ephemerals_to(slack: SlackStandIn, user: str) -> list[str]:
    return [e.text for e in slack.ephemerals if e.user == user]


def quiet_moment(bot: Bot) -> None:
    """Long enough for a listener that (wrongly) acted on a repeat to reach Slack."""
    time.sleep(0.4)
    settle(bot)


def reject_forms(slack: SlackStandIn) -> int:
    return len([c for c in slack.calls_to("views.open")
                if c.args["view"].get("callback_id") == ids.REJECT_MODAL])


def summaries(slack: SlackStandIn) -> int:
    return len([c for c in slack.calls_to("chat.postMessage")
                if "so far today" in str(c.args.get("text"))])


def test_a_retried_approve_is_acknowledged_quietly(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    first = player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    wait_card(slack, card["ts"], "Status:")

    again = player.retry(first, attempt=1)

    assert again.status_code == 200
    quiet_moment(bot)
    assert ephemerals_to(slack, APPROVER) == []
    audit = [a["action"] for a in bot.services.repo.audit_trail(ref=card["ref"])]
    assert audit.count("approved") == 1 and audit.count("order_created") == 1


def test_a_retried_reject_does_not_say_the_form_failed(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    first = player.click(APPROVER, APPROVALS, card, ids.REJECT, card["ref"])
    slack.wait_for("views.open", where=lambda c: c.args["view"].get("callback_id")
                   == ids.REJECT_MODAL)

    again = player.retry(first, attempt=1)

    assert again.status_code == 200
    quiet_moment(bot)
    assert ephemerals_to(slack, APPROVER) == []
    assert reject_forms(slack) == 1
    assert bot.services.repo.get(card["ref"]).state == RequestState.PENDING  # type: ignore[union-attr]


def test_a_retried_refusal_is_told_once(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    first = player.click(OUTSIDER, APPROVALS, card, ids.APPROVE, card["ref"])
    wait_until(lambda: ephemerals_to(slack, OUTSIDER), "the refusal")

    player.retry(first, attempt=2)

    quiet_moment(bot)
    assert ephemerals_to(slack, OUTSIDER) == [
        "Only approvers can approve or reject paid-order requests."]


def test_the_same_approvers_double_click_says_it_is_already_done(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    wait_card(slack, card["ts"], "Status:")

    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])  # a new click

    wait_until(lambda: ephemerals_to(slack, APPROVER), "an answer to the second click")
    assert ephemerals_to(slack, APPROVER) == [
        f"You already approved {card['ref']}; nothing more to do."]


def test_a_replayed_summary_command_posts_once(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    before = len(slack.ephemerals)
    first = player.command(APPROVER, SALES, "summary")
    wait_until(lambda: len(slack.ephemerals) > before, "the summary's answer")

    replayed = player.replay(first)  # same body, timestamp and signature

    assert replayed.status_code == 200
    quiet_moment(bot)
    assert summaries(slack) == 1
    assert len(slack.ephemerals) == before + 1


def test_a_replayed_ship_command_ships_once(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = place_order(bot, player, slack)
    order_id = card["order_id"]
    before = len(slack.ephemerals)
    first = player.command(APPROVER, SALES, f"ship {order_id} ups {UPS} TSHIRT-RED-M x 1")
    wait_until(lambda: len(slack.ephemerals) > before, "the shipment's answer")

    player.replay(first)
    player.retry(first, attempt=1)

    quiet_moment(bot)
    with store.state.lock:
        assert len(store.state.orders[order_id].shipments) == 1
    assert len(slack.ephemerals) == before + 1
    # A new command (a new trigger_id) is of course carried out.
    assert "*Partially Shipped*" in ask(player, slack, APPROVER,
                                       f"ship {order_id} ups {UPS} TSHIRT-RED-M x 1")


def test_a_replay_to_another_replica_is_ignored_too(
    start_bot: Callable[..., Bot], slack: SlackStandIn
) -> None:
    one, two = start_bot(), start_bot()  # the same database
    response_url = slack.response_url("replicas", channel=SALES)
    to_one = SlackRequests(one.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=response_url)
    to_two = SlackRequests(two.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=response_url)
    first = to_one.command(APPROVER, SALES, "summary")
    wait_until(lambda: summaries(slack) == 1, "the summary")

    to_two.replay(first)

    quiet_moment(two)
    assert summaries(slack) == 1


def test_a_retried_paidorder_does_not_say_the_form_failed(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    before = len(slack.ephemerals)
    first = player.command(REQUESTER, SALES)
    slack.wait_for("views.open", count=1)

    player.retry(first, attempt=1)

    wait_until(lambda: len(slack.calls_to("views.open")) == 2, "the retry's views.open")
    quiet_moment(bot)
    assert len(slack.ephemerals) == before  # the form is open; nothing to apologise for


def test_a_replayed_export_sends_one_file(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    place_order(bot, player, slack)
    before = len(slack.ephemerals)
    first = player.command(APPROVER, SALES, "export")
    wait_until(lambda: len(slack.ephemerals) > before, "the export's answer")

    player.replay(first)

    quiet_moment(bot)
    assert len(slack.calls_to("files.completeUploadExternal")) == 1
    assert len(slack.ephemerals) == before + 1
