"""Over real HTTP with signed Slack requests: Find a product and Find a customer in the request
modal — options as the requester types, and choices written into the form with views.update."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from bot.runtime import Bot
from sandbox.bigcommerce import SandboxServer
from sandbox.bigcommerce.catalog_search import generated_products
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import APPROVALS, GOOD_FORM, REQUESTER, WEBHOOK_SECRET, open_form
from tests.reliability.conftest import wait_until


def ready(bot: Bot) -> Bot:
    wait_until(lambda: bot.services.products.ready, "the product index's first sync")
    return bot


def options(player: SlackRequests, view: dict[str, Any], action_id: str, typed: str
            ) -> list[dict[str, Any]]:
    answer = player.suggest(REQUESTER, view, action_id, typed)
    assert answer.status_code == 200, answer.text
    return answer.json()["options"]


def texts(found: list[dict[str, Any]]) -> list[str]:
    return [o["text"]["text"] for o in found]


def updated_view(slack: SlackStandIn, count: int) -> dict[str, Any]:
    call = slack.wait_for("views.update", count=count)[-1]
    assert call.response["ok"], call.response
    return slack.open_view(call.response["view"]["id"])


def block_id(view: dict[str, Any], field: str) -> str:
    return next(b["block_id"] for b in view["blocks"]
                if b["block_id"].split(".")[0] == field)


def typed_values(view: dict[str, Any]) -> dict[str, Any]:
    return {bid.split(".")[0]: next(iter(state.values())).get("value")
            for bid, state in view["state"]["values"].items()}


@pytest.fixture
def opened(bot: Bot, player: SlackRequests, slack: SlackStandIn) -> dict[str, Any]:
    ready(bot)
    view = open_form(player, slack)
    return slack.open_view(slack.views[-1]["id"]) | {"blocks": view["blocks"]}


def test_options_rank_sku_then_prefix_then_name_words_ignoring_case_and_accents(
    store: SandboxServer, start_bot: Callable[..., Bot], slack: SlackStandIn,
) -> None:
    store.state.add_products(generated_products(400))
    bot = ready(start_bot())
    player = SlackRequests(bot.url, "test-signing-secret", team_id=slack.team_id)
    view = open_form(player, slack)

    shirts = texts(options(player, view, "find_product", "tshirt-red-m"))
    assert shirts[0] == "Classic T-Shirt (Color Red, Size M) · TSHIRT-RED-M · 19.99 USD"
    assert texts(options(player, view, "find_product", "TSHIRT"))[:3] == [  # SKU prefix
        "Classic T-Shirt (Color Blue, Size M) · TSHIRT-BLUE-M · 21.99 USD",
        "Classic T-Shirt (Color Red, Size L) · TSHIRT-RED-L · 19.99 USD",
        "Classic T-Shirt (Color Red, Size M) · TSHIRT-RED-M · 19.99 USD"]
    # "creme" finds "Crème …" products; upper or lower case is the same search.
    creme = texts(options(player, view, "find_product", "CREME"))
    assert creme and all(t.startswith("Crème ") for t in creme)
    many = options(player, view, "find_product", "gen")
    assert len(many) == 100  # Slack shows at most 100
    assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in many)
    # An exact SKU beats a product whose name merely has the word.
    assert texts(options(player, view, "find_product", "mug-wht"))[0].startswith("Ceramic Mug")


def test_a_product_that_cant_be_purchased_is_marked_and_never_offered_first(
    bot: Bot, player: SlackRequests, opened: dict[str, Any]
) -> None:
    found = texts(options(player, opened, "find_product", "poster-old"))
    assert found == ["Vintage Poster · POSTER-OLD · 30.00 USD (can't be purchased)"]
    # "o" words: the purchasable products come before the poster, whatever the order of names.
    mixed = texts(options(player, opened, "find_product", "vintage"))
    assert mixed[-1].endswith("(can't be purchased)")


def test_choosing_a_product_adds_a_line_and_keeps_what_was_typed(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, opened: dict[str, Any]
) -> None:
    slack.type_into(opened["id"], {"first_name": "Riley", "items": "MUG-WHT x 2",
                                   "notes": "paid at the fair"})
    view = slack.open_view(opened["id"])
    chosen = options(player, view, "find_product", "BEANIE-NVY")[0]
    assert player.choose(REQUESTER, view, "find_product", chosen).status_code == 200
    after = updated_view(slack, 1)
    typed = typed_values(after)
    assert typed["items"] == "MUG-WHT x 2\nBEANIE-NVY x 1"
    assert (typed["first_name"], typed["notes"]) == ("Riley", "paid at the fair")
    assert block_id(after, "items") == "items.1" and after["hash"] != view["hash"]

    # A second choice goes on the next line of the updated block.
    chosen = options(player, after, "find_product", "TOTE")[0]
    player.choose(REQUESTER, after, "find_product", chosen)
    again = updated_view(slack, 2)
    assert typed_values(again)["items"] == "MUG-WHT x 2\nBEANIE-NVY x 1\nTOTE-NAT x 1"
    assert block_id(again, "items") == "items.2"


def test_an_error_after_an_update_lands_on_the_updated_items_block(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, opened: dict[str, Any]
) -> None:
    answers = {k: v for k, v in GOOD_FORM.items() if v is not None} | {"items": "HAT-XL x 1"}
    slack.type_into(opened["id"], answers)
    view = slack.open_view(opened["id"])
    player.choose(REQUESTER, view, "find_product",
                  options(player, view, "find_product", "MUG-WHT")[0])
    after = updated_view(slack, 1)
    answer = player.submit_view(REQUESTER, after)
    assert answer.json() == {"response_action": "errors",
                             "errors": {"items.1": 'Line 1: unknown SKU "HAT-XL".'}}


def test_a_stale_hash_is_refused_and_the_update_dropped(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, opened: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.listeners.find")
    view = slack.open_view(opened["id"])
    first = options(player, view, "find_product", "TOTE-NAT")[0]
    second = options(player, view, "find_product", "MUG-WHT")[0]
    player.choose(REQUESTER, view, "find_product", first)
    updated_view(slack, 1)
    player.choose(REQUESTER, view, "find_product", second)  # sent with the old hash
    refused = slack.wait_for("views.update", count=2)[-1]
    assert refused.response == {"ok": False, "error": "hash_conflict"}
    assert typed_values(slack.open_view(opened["id"]))["items"] == "TOTE-NAT x 1"
    wait_until(lambda: any("update was dropped" in r.getMessage() for r in caplog.records),
               "the bot to drop the stale update")


def test_a_valid_form_after_choices_is_submitted_with_what_was_chosen(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, opened: dict[str, Any]
) -> None:
    answers = {k: v for k, v in GOOD_FORM.items() if v is not None} | {
        "items": "TSHIRT-RED-M x 2", "amount_paid": "51.98"}
    slack.type_into(opened["id"], answers)
    view = slack.open_view(opened["id"])
    player.choose(REQUESTER, view, "find_product",
                  options(player, view, "find_product", "MUG-WHT")[0])
    answer = player.submit_view(REQUESTER, updated_view(slack, 1))
    assert answer.status_code == 200 and not answer.content, answer.text
    card = wait_until(lambda: slack.messages(APPROVALS), "the request card")[-1]
    assert "MUG-WHT" in json.dumps(card.blocks)


def test_find_a_customer_by_name_or_email_fills_contact_and_first_address(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, opened: dict[str, Any]
) -> None:
    assert texts(options(player, opened, "find_customer", "jane")) == [
        "Jane Doe · jane@example.com"]
    assert texts(options(player, opened, "find_customer", "SAM@example.com")) == [
        "Sam Lee · sam@example.com"]
    slack.type_into(opened["id"], {"items": "MUG-WHT", "phone": "typed"})
    view = slack.open_view(opened["id"])
    player.choose(REQUESTER, view, "find_customer",
                  options(player, view, "find_customer", "Doe")[0])
    typed = typed_values(updated_view(slack, 1))
    assert {k: typed[k] for k in ("email", "first_name", "last_name", "phone", "street",
                                  "city", "state", "zip", "country", "items")} == {
        "email": "jane@example.com", "first_name": "Jane", "last_name": "Doe",
        "phone": "+1 512 555 0100", "street": "1 Main St, Suite 4", "city": "Austin",
        "state": "Texas", "zip": "78701", "country": "US", "items": "MUG-WHT"}


def test_a_customer_without_saved_addresses_leaves_the_address_as_typed(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, opened: dict[str, Any]
) -> None:
    slack.type_into(opened["id"], {"street": "5 Typed Rd"})
    view = slack.open_view(opened["id"])
    player.choose(REQUESTER, view, "find_customer",
                  options(player, view, "find_customer", "Lee")[0])
    typed = typed_values(updated_view(slack, 1))
    assert (typed["email"], typed["street"]) == ("sam@example.com", "5 Typed Rd")


def test_the_poll_and_product_webhooks_pick_up_changed_products(
    bot: Bot, player: SlackRequests, store: SandboxServer, opened: dict[str, Any]
) -> None:
    store.state.update_product(112, name="Canvas Tote Bag Deluxe")
    assert texts(options(player, opened, "find_product", "deluxe")) == []  # not yet seen
    bot.services.products.refresh()  # what the scheduler's poll runs
    assert texts(options(player, opened, "find_product", "deluxe")) == [
        "Canvas Tote Bag Deluxe · TOTE-NAT · 14.50 USD"]

    # A product webhook: the delivery is answered at once and the index re-reads the change.
    store.state.update_product(113, name="Ceramic Mug Large")
    body = json.dumps({"scope": "store/product/updated", "store_id": "1000001",
                       "data": {"type": "product", "id": 113}, "hash": "h1",
                       "created_at": int(time.time()), "producer": "stores/sandbox"})
    answer = requests.post(f"{bot.url}/bigcommerce/webhooks", data=body, timeout=5,
                           headers={"X-Paidorder-Secret": WEBHOOK_SECRET,
                                    "Content-Type": "application/json"})
    assert answer.status_code == 202
    wait_until(lambda: texts(options(player, opened, "find_product", "large")),
               "the webhook's refresh")
    store.state.delete_product(114)
    answer = requests.post(f"{bot.url}/bigcommerce/webhooks", timeout=5, data=json.dumps(
        {"scope": "store/product/deleted", "data": {"type": "product", "id": 114},
         "hash": "h2"}), headers={"X-Paidorder-Secret": WEBHOOK_SECRET})
    assert answer.status_code == 202
    wait_until(lambda: not options(player, opened, "find_product", "BEANIE"), "the deletion")


def test_searching_never_asks_bigcommerce(
    bot: Bot, player: SlackRequests, store: SandboxServer, opened: dict[str, Any]
) -> None:
    health = requests.get(f"{bot.url}/healthz", timeout=5).json()["product_search"]
    assert (health["ready"], health["skus"]) == (True, 9)
    before = len(store.requests)
    for typed in ("ts", "tsh", "tshi", "tshirt", "mug", "beanie nvy"):
        assert options(player, opened, "find_product", typed)
    assert len(store.requests) == before


def test_a_slow_customer_search_answers_nothing_then_the_late_answer_serves_the_next_ask(
    bot: Bot, player: SlackRequests, store: SandboxServer, opened: dict[str, Any]
) -> None:
    store.inject("GET", r".*/v3/customers", "delay_after", delay=2.5)
    assert texts(options(player, opened, "find_customer", "Kim")) == [  # within Slack's 3 s
        "BigCommerce is slow to answer; type the customer in for now."]
    wait_until(lambda: texts(options(player, opened, "find_customer", "Kim")) == [
        "Alex Kim · ops@example.com"], "the late answer to be kept")


def test_hostile_typing_and_choices_get_a_plain_answer_and_change_nothing(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, opened: dict[str, Any]
) -> None:
    assert options(player, opened, "find_product", "\u0301" * 5000 + "ü" * 5000) == []
    assert options(player, opened, "find_customer", "%" * 3000) == []
    for action_id, value in (("find_product", "999:999"), ("find_customer", "abc"),
                             ("find_customer", "424242")):
        answer = player.choose(REQUESTER, opened, action_id,
                               {"text": {"type": "plain_text", "text": "?"}, "value": value})
        assert answer.status_code == 200
    time.sleep(0.3)
    assert slack.calls_to("views.update") == []


def test_before_the_first_sync_find_a_product_says_so(
    store: SandboxServer, start_bot: Callable[..., Bot], slack: SlackStandIn
) -> None:
    store.inject("GET", r".*/v3/catalog/products", "500_before", times=1000)
    bot = start_bot()
    player = SlackRequests(bot.url, "test-signing-secret", team_id=slack.team_id)
    view = open_form(player, slack)
    found = options(player, view, "find_product", "mug")
    assert texts(found) == ["The catalog is still loading; type SKUs in Items for now."]
    player.choose(REQUESTER, view, "find_product", found[0])
    time.sleep(0.3)
    assert slack.calls_to("views.update") == []
