"""Who may do what, over real HTTP: each role runs `/paidorder`, status, ship, summary and
export as signed slash commands.

One bot for the module (PAIDORDER_REQUESTERS set, so outsiders exist): REQUESTER's request became
an order, OTHER_REQUESTER has a request of their own. Allowed shipments each take one item, so
the tests do not depend on their order.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.runtime import Bot
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import (
    APPROVALS,
    APPROVER,
    APPROVER_GROUP,
    BOT_TOKEN,
    GOOD_FORM,
    GROUP_APPROVER,
    OUTSIDER,
    REQUESTER,
    SALES,
    SIGNING_SECRET,
    order_body,
    settings_for,
)
from tests.tracking.story import ask, place_order, settle, wait_until

OTHER_REQUESTER = "U0REQ2"
UPS = "1Z999AA10123456784"


@dataclass
class World:
    bot: Bot
    player: SlackRequests
    slack: SlackStandIn
    store: SandboxServer
    order_id: int  # REQUESTER's order, recorded by the bot
    foreign_id: int  # an order made in the store by someone else


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    store = SandboxServer(quota=0).start()
    slack = SlackStandIn(
        bot_token=BOT_TOKEN, channels={SALES: "sales", APPROVALS: "approvals"},
        users={REQUESTER: "Riley", OTHER_REQUESTER: "Robin", APPROVER: "Avery",
               OUTSIDER: "Olly", GROUP_APPROVER: "Gus"},
        usergroups={APPROVER_GROUP: [GROUP_APPROVER]},
    ).start()
    database: Path = tmp_path_factory.mktemp("permissions") / "bot.db"
    settings = load_settings(**settings_for(
        store, slack, database, paidorder_requesters=f"{REQUESTER},{OTHER_REQUESTER}"))
    bot = Bot(settings, host="127.0.0.1", port=0).start()
    player = SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=slack.response_url("permissions", channel=SALES))
    try:
        card = place_order(bot, player, slack)
        view = _open_form(player, slack, OTHER_REQUESTER)
        player.submit(OTHER_REQUESTER, view, {**GOOD_FORM, "transaction_id": "BT-2"})
        wait_until(lambda: len(slack.messages(APPROVALS)) >= 2, "the second request's card")
        foreign = bot.services.bigcommerce.create_order(order_body("NOT-OURS"))
        yield World(bot, player, slack, store, card["order_id"], foreign.id)
    finally:
        player.http.close()
        bot.stop()
        slack.stop()
        store.stop()


def _open_form(player: SlackRequests, slack: SlackStandIn, user: str) -> dict:
    before = len(slack.calls_to("views.open"))
    player.command(user, SALES)
    return slack.wait_for("views.open", count=before + 1)[-1].args["view"]


def store_calls_about(world: World, order_id: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in world.store.requests
            if f"/orders/{order_id}" in r.path]


def shipment_posts(world: World) -> int:
    return len([r for r in world.store.requests
                if r.method == "POST" and r.path.endswith(f"/orders/{world.order_id}/shipments")])


def summaries(world: World) -> int:
    return len([c for c in world.slack.calls_to("chat.postMessage")
                if "so far today" in str(c.args.get("text"))])


# -- /paidorder: the requesters ---------------------------------------------------------------

@pytest.mark.parametrize("user", [REQUESTER, OTHER_REQUESTER])
def test_requesters_may_open_the_form(world: World, user: str) -> None:
    view = _open_form(world.player, world.slack, user)
    assert view["callback_id"] == "paidorder_request"


@pytest.mark.parametrize("user", [APPROVER, GROUP_APPROVER, OUTSIDER])
def test_anyone_else_is_refused_the_form(world: World, user: str) -> None:
    opened = len(world.slack.calls_to("views.open"))
    answer = ask(world.player, world.slack, user, "")
    assert answer == ("You're not on the list of people who may record paid orders. "
                      "Ask your admin to add you to PAIDORDER_REQUESTERS.")
    assert len(world.slack.calls_to("views.open")) == opened


# -- status: the requesters (and the approvers, who may ship) ---------------------------------

@pytest.mark.parametrize("user", [REQUESTER, OTHER_REQUESTER, APPROVER, GROUP_APPROVER])
def test_status_of_a_recorded_order(world: World, user: str) -> None:
    answer = ask(world.player, world.slack, user, f"status {world.order_id}")
    assert f"#{world.order_id}" in answer and "items shipped" in answer


def test_an_outsider_is_refused_status_without_asking_bigcommerce(world: World) -> None:
    settle(world.bot)
    before = store_calls_about(world, world.order_id)
    answer = ask(world.player, world.slack, OUTSIDER, f"status {world.order_id}")
    assert answer == ("Only the people who may record paid orders, and approvers, "
                      "may look up orders.")
    assert store_calls_about(world, world.order_id) == before


# -- ship: the approvers and the requester of that order's request ----------------------------

@pytest.mark.parametrize(("user", "item"), [(REQUESTER, "TSHIRT-RED-M x 1"),
                                            (APPROVER, "TSHIRT-RED-M x 1"),
                                            (GROUP_APPROVER, "MUG-WHT x 1")])
def test_the_requester_of_the_order_and_approvers_may_ship(world: World, user: str,
                                                           item: str) -> None:
    before = shipment_posts(world)
    answer = ask(world.player, world.slack, user, f"ship {world.order_id} ups {UPS} {item}")
    assert f"added to order #{world.order_id}" in answer
    assert shipment_posts(world) == before + 1


@pytest.mark.parametrize("user", [OTHER_REQUESTER, OUTSIDER])
def test_anyone_else_is_refused_ship(world: World, user: str) -> None:
    before = shipment_posts(world)
    answer = ask(world.player, world.slack, user, f"ship {world.order_id} ups {UPS}")
    assert answer == (f"Only approvers and the person who requested order #{world.order_id} "
                      "may ship it.")
    assert shipment_posts(world) == before


# -- orders the bot never recorded: refused before any BigCommerce call ---------------------

@pytest.mark.parametrize("command", ["status {id}", "ship {id} ups " + UPS])
@pytest.mark.parametrize("user", [APPROVER, REQUESTER])
def test_an_order_the_bot_never_recorded_is_refused_untouched(world: World, command: str,
                                                             user: str) -> None:
    answer = ask(world.player, world.slack, user, command.format(id=world.foreign_id))
    assert answer == (f"Order #{world.foreign_id} wasn't recorded with /paidorder, "
                      "so I can't look it up or ship it.")
    assert store_calls_about(world, world.foreign_id) == []  # no read, no write
    assert world.store.state.orders[world.foreign_id].shipments == []


# -- summary: the approvers -------------------------------------------------------------------

@pytest.mark.parametrize("user", [APPROVER, GROUP_APPROVER])
def test_approvers_may_post_the_summary(world: World, user: str) -> None:
    before = summaries(world)
    answer = ask(world.player, world.slack, user, "summary")
    assert answer == f"Posted the summary to <#{APPROVALS}>."
    assert summaries(world) == before + 1


@pytest.mark.parametrize("user", [REQUESTER, OTHER_REQUESTER, OUTSIDER])
def test_anyone_else_is_refused_the_summary(world: World, user: str) -> None:
    before = summaries(world)
    answer = ask(world.player, world.slack, user, "summary")
    assert answer == "Only approvers may post the summary."
    time.sleep(0.2)
    assert summaries(world) == before


# -- export: the approvers --------------------------------------------------------------------

@pytest.mark.parametrize("user", [APPROVER, GROUP_APPROVER])
def test_approvers_may_export(world: World, user: str) -> None:
    answer = ask(world.player, world.slack, user, "export")
    assert "as a CSV file in a direct message" in answer


@pytest.mark.parametrize("user", [REQUESTER, OTHER_REQUESTER, OUTSIDER])
def test_anyone_else_is_refused_the_export(world: World, user: str) -> None:
    uploads = len(_exports(world.slack))
    answer = ask(world.player, world.slack, user, "export")
    assert answer == "Only approvers may export orders."
    assert len(_exports(world.slack)) == uploads


def _exports(slack: SlackStandIn) -> list:
    # Files sent by direct message: a summary posted by an earlier test may still be uploading
    # its chart to the summary channel.
    return [call for call in slack.calls_to("files.completeUploadExternal")
            if call.args.get("channel_id") != APPROVALS]
