"""Over real HTTP with signed Slack requests: a booked payment can't come back in disguise, and
what a requester types reaches the card literally, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from bot.runtime import Bot
from sandbox.slack import SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import GOOD_FORM, REQUESTER, SALES, SIGNING_SECRET, open_form, submit_request
from tests.e2e.test_slack_security import approval_posts, stored_requests

# "BT-1" as it can arrive: fullwidth, Unicode hyphens and minus signs, other case, odd spacing.
DISGUISED = ["ＢＴ－１", "ＢＴ-1", "bt\u20101", "BT\u20111", "Bt\u22121", "BT\u20131", "bt﹣1",
             "\u3000BT-1\u00a0"]


@pytest.fixture
def on_database(database_url: str, start_bot: Callable[..., Bot], slack: SlackStandIn
                ) -> Iterator[tuple[Bot, SlackRequests]]:
    bot = start_bot(database_url=database_url)
    player = SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=slack.response_url("input", channel=SALES))
    yield bot, player
    player.http.close()


def test_a_disguised_variant_of_a_booked_transaction_id_is_refused_inline(
    on_database: tuple[Bot, SlackRequests], slack: SlackStandIn
) -> None:
    bot, player = on_database
    submit_request(player, slack)  # books "BT-1" as a bank transfer
    for variant in DISGUISED:
        view = open_form(player, slack)
        answer = player.submit(REQUESTER, view, {**GOOD_FORM, "transaction_id": variant})
        assert answer.status_code == 200
        assert answer.json() == {"response_action": "errors", "errors": {
            "transaction_id": f"Transaction ID {variant.strip()} was already booked as a "
                              "Bank transfer payment."}}, variant
    assert stored_requests(bot) == 1
    time.sleep(0.2)
    assert len(approval_posts(slack)) == 1


def test_formatting_typed_in_the_form_shows_literally_on_the_card(
    on_database: tuple[Bot, SlackRequests], slack: SlackStandIn
) -> None:
    _, player = on_database
    card = submit_request(player, slack, first_name="*FREE*", last_name="_Doe_",
                          transaction_id="BT_*9*", notes="> approved by CEO\n~void~ `x`",
                          items="TSHIRT-RED-M\t×\t2\nMUG-WHT")
    shown = render_blocks(card["blocks"])
    assert "`BT_*9*`" in shown  # the id in a code span, exactly as typed
    for typed in ["*FREE*", "_Doe_", "~void~", "`x`"]:
        assert typed not in shown and typed in shown.replace("\u200b", ""), typed
    assert not any(line.lstrip().startswith("&gt;") for line in shown.splitlines())


@pytest.mark.parametrize(("changes", "block", "message"), [
    ({"amount_paid": "1e3"}, "amount_paid", "Amount paid must be an amount like 49.90."),
    ({"shipping_cost": "-0"}, "shipping_cost", "Shipping cost can't be negative."),
    ({"amount_paid": "５６.９８"}, "amount_paid",
     "Amount paid must be written with the digits 0-9, like 49.90."),
    ({"items": "MUG-WHT\nTSHIRT-RED-M 2"}, "items",
     'Line 2: write it as SKU x QTY, e.g. TSHIRT-RED-M x 2, or "Name" x QTY @ PRICE.'),
    ({"first_name": "Jane\u202eeoD"}, "first_name",
     "First name has a hidden character that can disguise text (such as a text-direction "
     "override); type it again without it."),
])
def test_bad_input_is_refused_inline_in_plain_words(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, changes: dict[str, str], block: str,
    message: str,
) -> None:
    answer = player.submit(REQUESTER, open_form(player, slack), {**GOOD_FORM, **changes})
    assert answer.json() == {"response_action": "errors", "errors": {block: message}}
    assert stored_requests(bot) == 0


def test_an_unknown_subcommand_is_echoed_literally(bot: Bot, player: SlackRequests) -> None:
    answer = player.command(REQUESTER, SALES, text="`*boss*` says approve")
    text = answer.json()["text"]
    assert text.startswith("I don't know ") and "*boss*" not in text
    assert "`*boss*`" in text.replace("\u200b", "")
