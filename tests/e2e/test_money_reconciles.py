"""The order in BigCommerce equals what was paid, to the cent, over real HTTP: a request typed
into the form, approved with a click, created in the sandbox store, whose price lists,
modifiers, storefronts and tax mode behave like BigCommerce's."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from bot import ids
from bot.runtime import Bot
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import APPROVALS, APPROVER, GOOD_FORM, REQUESTER, open_form, submit_request
from tests.e2e.test_approval_flow import wait_card
from tests.integration.test_openapi_contract import SPEC_DIR, validate_recorded
from tests.tracking.story import ask, settle

D = Decimal
WHOLESALE = "buyer@wholesale.example.com"  # the sandbox's customer with a price list


@pytest.fixture(params=[{}], ids=["one-storefront"])
def store(request: pytest.FixtureRequest) -> Iterator[SandboxServer]:
    server = SandboxServer(quota=0, **request.param).start()
    yield server
    server.stop()


def approve(bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer,
            **changes: str | None) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Submit, approve, wait for the order; (card, BigCommerce's order, the card's text)."""
    card = submit_request(player, slack, **changes)
    store.reset_requests()
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    text = wait_card(slack, card["ts"], "Status:")
    [order] = [o for o in bot.services.bigcommerce.get_many("/v2/orders")
               if o["external_order_id"] == card["ref"]]
    return card, order, text


def lines_of(bot: Bot, order: dict[str, Any]) -> list[dict[str, Any]]:
    return list(bot.services.bigcommerce.get_many(f"/v2/orders/{order['id']}/products"))


NEGOTIATED = {
    "email": WHOLESALE,
    "items": 'TSHIRT-RED-M x 2 @ 17.50\n"Gift wrapping" x 1 @ 3.00\n'
             "BOTTLE-ENG {Engraving: For Sam}\nMUG-WHT x 2 {Gift wrap: Yes}",
    "shipping_cost": "6.95", "discount": "5.00", "tax": "8.25%",
    "amount_paid": "98.86",
}
# items 35.00 + 3.00 + 25.00 + 24.00 = 87.00; base 87.00 − 5.00 + 6.95 = 88.95;
# tax round_half_up(88.95 × 8.25 %) = 7.34 (7.338375); total 96.29.


def test_a_negotiated_custom_discounted_taxed_order_lands_as_the_card_says(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card, order, text = approve(bot, player, slack, store, **NEGOTIATED)

    posted = render_blocks(card["blocks"])
    for shown in ("Subtotal: 87.00 USD", "Discount: −5.00 USD", "Shipping: 6.95 USD",
                  "Tax (8.25%): 7.34 USD", "Total: 96.29 USD", "(custom)", "(catalog 19.99)",
                  "Engraving: For Sam", "Gift wrap: Yes"):
        assert shown in posted, shown
    assert "2.57 USD more than the total" in posted  # 98.86 paid
    # BigCommerce holds the card's figures, not the wholesale price list's or its own tax.
    assert (D(order["subtotal_ex_tax"]), D(order["discount_amount"]),
            D(order["shipping_cost_ex_tax"])) == (D("87.00"), D("5.00"), D("6.95"))
    assert (D(order["total_tax"]), D(order["total_inc_tax"])) == (D("7.34"), D("96.29"))
    assert order["customer_id"] == 4
    assert "BigCommerce's order total is" not in text
    lines = {line["name"]: line for line in lines_of(bot, order)}
    assert D(lines["Classic T-Shirt"]["price_ex_tax"]) == D("17.50")
    assert lines["Gift wrapping"]["product_id"] == 0
    assert [o["display_value"] for o in lines["Engraved Water Bottle"]["product_options"]] == [
        "For Sam"]
    assert [o["display_value"] for o in lines["Ceramic Mug"]["product_options"]] == ["Yes"]
    # Approving asked BigCommerce twice: the external id look-up and the create.
    assert [(r.method, r.path.split("/v2/")[-1]) for r in store.requests
            if "/v2/orders" in r.path and r.path.count("/") <= 4][:2] == [
        ("GET", "orders"), ("POST", "orders")]
    calls_before_card = [r for r in store.requests if r.method == "POST" or "customers" in r.path
                         or "catalog" in r.path]
    assert [r.method for r in calls_before_card] == ["POST"]


@pytest.mark.skipif(not SPEC_DIR.is_dir(), reason="BigCommerce OpenAPI files not found")
def test_the_order_body_with_every_new_field_matches_the_spec(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    approve(bot, player, slack, store, **NEGOTIATED)
    [create] = [r for r in store.requests if r.method == "POST" and r.path.endswith("/orders")]
    validate_recorded(create)


@pytest.mark.parametrize("store", [{"tax_inclusive": True}], indirect=True,
                         ids=["tax-inclusive"])
def test_a_tax_inclusive_store_takes_the_tax_out_of_the_prices(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    _card, order, text = approve(bot, player, slack, store, tax="20%", amount_paid="56.98")
    # 51.98 + 5.00 = 56.98 with the tax in it: 56.98 − 56.98 / 1.2 = 9.496… → 9.50.
    assert (D(order["total_inc_tax"]), D(order["total_tax"])) == (D("56.98"), D("9.50"))
    assert D(order["total_ex_tax"]) == D("47.48")
    assert "Tax (20%) included: 9.50 USD" in text


@pytest.mark.parametrize("store", [{"storefronts": 2}], indirect=True, ids=["two-storefronts"])
def test_several_storefronts_ask_which_and_the_order_gets_its_channel(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    bot.services.store_info.load()
    view = open_form(player, slack)
    [select] = [b for b in view["blocks"] if b["block_id"] == "storefront"]
    assert [o["value"] for o in select["element"]["options"]] == ["1", "2"]
    refused = player.submit(REQUESTER, view, GOOD_FORM).json()
    assert refused["errors"] == {"storefront": "Choose the storefront the order belongs to."}

    _card, order, _text = approve(bot, player, slack, store, storefront="2")
    assert order["channel_id"] == 2


def test_one_storefront_shows_no_select(bot: Bot, player: SlackRequests,
                                        slack: SlackStandIn) -> None:
    bot.services.store_info.load()
    view = open_form(player, slack)
    assert "storefront" not in [b.get("block_id") for b in view["blocks"]]
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert {"Discount", "Tax"} <= set(labels)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"items": "BOTTLE-ENG"}, "items", "Line 1: BOTTLE-ENG needs Engraving: add "
                                       "{Engraving: …}."),
    ({"items": "MUG-WHT {Gift wrap: Maybe}"}, "items",
     'Line 1: "Maybe" is not a Gift wrap of MUG-WHT; choose one of Yes, No.'),
    ({"items": '"Setup" x 1'}, "items",
     'Line 1: a custom line needs its price: "Setup" x 1 @ 9.99.'),
    ({"items": "MUG-WHT @ 1.999"}, "items", 'Line 1: "1.999" is not a price like 19.99.'),
    ({"discount": "100.00"}, "discount",
     "The discount can't be more than the items plus shipping."),
    ({"tax": "150%"}, "tax", "A tax rate is from 0% to 100%."),
])
def test_money_errors_are_inline_and_nothing_is_stored(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer,
    changes: dict[str, str], field: str, message: str,
) -> None:
    view = open_form(player, slack)
    answer = player.submit(REQUESTER, view, {**GOOD_FORM, **changes}).json()
    assert answer == {"response_action": "errors", "errors": {field: message}}
    assert slack.messages(APPROVALS) == []
    assert not [r for r in store.requests if r.method == "POST"]


def test_a_bigcommerce_total_unlike_the_card_is_shown_and_needs_a_person(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    """BigCommerce keeping another total (an app repricing the order, a gateway rounding) is
    never accepted silently: the card says so and the day's summary lists it."""
    store.answer_oddly("POST", r"/stores/sandbox/v2/orders", changes={"total_inc_tax": "50.0000"})
    card, _order, text = approve(bot, player, slack, store)
    assert "BigCommerce's order total is 50.00 USD, not 56.98 USD as on this card." in text
    trail = [a["action"] for a in bot.services.repo.audit_trail(ref=card["ref"])]
    assert "order_total_differs" in trail

    settle(bot)  # the requester's notice is an ephemeral too: let it go out first
    answer = ask(player, slack, APPROVER, "summary")
    assert "Posted the summary" in answer
    summary = render_blocks(slack.messages(APPROVALS)[-1].blocks)
    assert (f"{card['ref']}: BigCommerce's order total is 50.00 USD, the card's 56.98 USD"
            in summary)
