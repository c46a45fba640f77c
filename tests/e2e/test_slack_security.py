"""Nobody where they don't belong, over real HTTP: signatures, who may decide, bad input."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot import ids
from bot.config import load_settings
from bot.runtime import Bot
from commands.models import RequestState
from commands.schema import requests as requests_table
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn, render_blocks
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
    open_form,
    submit_request,
)
from tests.e2e.test_approval_flow import wait_card


def orders(bot: Bot) -> list[dict[str, Any]]:
    return list(bot.services.bigcommerce.get_many("/v2/orders"))


def stored_requests(bot: Bot) -> int:
    with bot.services.repo.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(requests_table)).scalar_one())


def approval_posts(slack: SlackStandIn) -> list[Any]:
    return [c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == APPROVALS]


def ephemeral_to(slack: SlackStandIn, user: str, count: int = 1, timeout: float = 5.0,
                 containing: str = "") -> list[str]:
    """Ephemeral texts to `user` that contain `containing`, once there are `count` of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [e.text for e in slack.ephemerals if e.user == user and containing in e.text]
        if len(found) >= count:
            return found
        time.sleep(0.02)
    raise AssertionError(f"no ephemeral to {user}; ephemerals: {slack.ephemerals}")


def command_body(player: SlackRequests, user: str = REQUESTER) -> str:
    return urlencode({
        "token": "x", "team_id": player.team_id, "channel_id": SALES, "user_id": user,
        "command": "/paidorder", "text": "", "response_url": player.response_url,
        "trigger_id": f"{int(time.time())}.1.trigger",
    })


# -- signatures ------------------------------------------------------------------------------
# Refused requests store nothing, so these share one bot (starting and stopping one costs ~1 s).

Shared = tuple[Bot, SlackRequests, SlackStandIn]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    store = SandboxServer(quota=0).start()
    slack = SlackStandIn(bot_token=BOT_TOKEN, channels={SALES: "sales", APPROVALS: "approvals"},
                         users={REQUESTER: "Riley", APPROVER: "Avery"}).start()
    settings = load_settings(
        _env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url, bigcommerce_store_hash=store.store_hash,
        bigcommerce_access_token=store.access_token, bigcommerce_api_url=store.url,
        database_url=f"sqlite:///{tmp_path_factory.mktemp('shared') / 'bot.db'}",
        paidorder_approval_channel=APPROVALS,
        paidorder_approvers=f"{APPROVER},{APPROVER_GROUP}")
    bot = Bot(settings, host="127.0.0.1", port=0).start()
    player = SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=slack.response_url("shared", channel=SALES))
    yield bot, player, slack
    player.http.close()
    bot.stop()
    slack.stop()
    store.stop()


def assert_no_view_opened(slack: SlackStandIn, before: int) -> None:
    time.sleep(0.3)  # long enough for a listener that was (wrongly) run to reach Slack
    assert len(slack.calls_to("views.open")) == before


def test_an_unsigned_request_is_refused(shared: Shared) -> None:
    _, player, slack = shared
    before = len(slack.calls_to("views.open"))
    answer = player.http.post(player.events_url, data=command_body(player).encode(), timeout=10,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 401
    assert_no_view_opened(slack, before)


def test_a_request_signed_with_the_wrong_secret_is_refused(shared: Shared) -> None:
    _, player, slack = shared
    before = len(slack.calls_to("views.open"))
    assert player.command(REQUESTER, SALES, secret="not-the-secret").status_code == 401
    assert_no_view_opened(slack, before)


def test_a_forged_signature_header_is_refused(shared: Shared) -> None:
    _, player, slack = shared
    before = len(slack.calls_to("views.open"))
    answer = player.command(REQUESTER, SALES, headers={"X-Slack-Signature": "v0=" + "0" * 64})
    assert answer.status_code == 401
    assert_no_view_opened(slack, before)


def test_a_replayed_request_older_than_five_minutes_is_refused(shared: Shared) -> None:
    _, player, slack = shared
    before = len(slack.calls_to("views.open"))
    answer = player.command(REQUESTER, SALES, timestamp=int(time.time()) - 301)
    assert answer.status_code == 401
    assert_no_view_opened(slack, before)


def test_a_request_from_the_future_is_refused(shared: Shared) -> None:
    _, player, slack = shared
    answer = player.command(REQUESTER, SALES, timestamp=int(time.time()) + 400)
    assert answer.status_code == 401


def test_a_request_a_little_under_five_minutes_old_is_accepted(shared: Shared) -> None:
    _, player, slack = shared
    before = len(slack.calls_to("views.open"))
    answer = player.command(REQUESTER, SALES, timestamp=int(time.time()) - 290)
    assert answer.status_code == 200
    slack.wait_for("views.open", count=before + 1)


def test_a_tampered_body_is_refused(shared: Shared) -> None:
    from sandbox.slack_requests import signed_headers

    _, player, slack = shared
    headers = signed_headers(SIGNING_SECRET, command_body(player))
    tampered = command_body(player, user=OUTSIDER)
    answer = player.http.post(player.events_url, data=tampered.encode(), headers=headers,
                              timeout=10)
    assert answer.status_code == 401


def test_an_unsigned_button_click_changes_nothing(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    answer = player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"],
                          secret="not-the-secret")
    assert answer.status_code == 401
    time.sleep(0.3)
    assert bot.services.repo.get(card["ref"]).state == RequestState.PENDING  # type: ignore[union-attr]
    assert orders(bot) == []


# -- who may decide -----------------------------------------------------------------------


def test_the_requester_cannot_approve_their_own_request(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    assert player.click(REQUESTER, APPROVALS, card, ids.APPROVE, card["ref"]).status_code == 200
    assert ephemeral_to(slack, REQUESTER, containing="own request") == [
        "You can't approve or reject your own request; another approver must."]
    assert slack.message(APPROVALS, card["ts"]).blocks == card["blocks"]
    assert bot.services.repo.get(card["ref"]).state == RequestState.PENDING  # type: ignore[union-attr]
    assert orders(bot) == []


def test_an_outsider_cannot_approve(bot: Bot, player: SlackRequests,
                                    slack: SlackStandIn) -> None:
    card = submit_request(player, slack)
    player.click(OUTSIDER, APPROVALS, card, ids.APPROVE, card["ref"])
    [message] = ephemeral_to(slack, OUTSIDER)
    assert message == "Only approvers can approve or reject paid-order requests."
    assert slack.message(APPROVALS, card["ts"]).blocks == card["blocks"]
    assert orders(bot) == []


def test_an_outsider_cannot_open_the_reject_form(bot: Bot, player: SlackRequests,
                                                 slack: SlackStandIn) -> None:
    card = submit_request(player, slack)
    opened = len(slack.calls_to("views.open"))
    player.click(OUTSIDER, APPROVALS, card, ids.REJECT, card["ref"])
    assert ephemeral_to(slack, OUTSIDER) == [
        "Only approvers can approve or reject paid-order requests."]
    assert len(slack.calls_to("views.open")) == opened


def test_a_user_group_member_can_approve(bot: Bot, player: SlackRequests,
                                         slack: SlackStandIn, store: SandboxServer) -> None:
    card = submit_request(player, slack)
    player.click(GROUP_APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    text = wait_card(slack, card["ts"], "Status:")
    [order] = orders(bot)
    assert order["external_order_id"] == card["ref"]
    assert f"<@{GROUP_APPROVER}>" in text or "Gus" in text
    assert slack.calls_to("usergroups.users.list")


def test_concurrent_clicks_create_exactly_one_order(
    bot: Bot, slack: SlackStandIn, player: SlackRequests
) -> None:
    card = submit_request(player, slack)
    clickers = [APPROVER, GROUP_APPROVER] * 4
    players = [SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                             response_url=player.response_url) for _ in clickers]
    start = threading.Barrier(len(clickers))
    statuses: list[int] = []

    def click(who: str, signer: SlackRequests) -> None:
        start.wait()
        statuses.append(signer.click(who, APPROVALS, card, ids.APPROVE, card["ref"]).status_code)

    threads = [threading.Thread(target=click, args=pair) for pair in zip(clickers, players,
                                                                          strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert statuses == [200] * len(clickers)

    wait_card(slack, card["ts"], "Status:")
    refusals = [e.text for e in slack.ephemerals if e.user in (APPROVER, GROUP_APPROVER)]
    deadline = time.monotonic() + 5
    while len(refusals) < len(clickers) - 1 and time.monotonic() < deadline:
        time.sleep(0.05)
        refusals = [e.text for e in slack.ephemerals if e.user in (APPROVER, GROUP_APPROVER)]
    assert len(refusals) == len(clickers) - 1
    assert all("already approved" in text for text in refusals), refusals
    assert len(orders(bot)) == 1
    audit = [a["action"] for a in bot.services.repo.audit_trail(ref=card["ref"])]
    assert audit.count("approved") == 1 and audit.count("order_created") == 1


def test_a_double_click_after_the_order_exists_is_refused(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    wait_card(slack, card["ts"], "Status:")
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    assert "already approved" in ephemeral_to(slack, APPROVER)[0]
    assert len(orders(bot)) == 1


# -- rejecting -----------------------------------------------------------------------------


def _open_reject_form(player: SlackRequests, slack: SlackStandIn, card: dict[str, Any]
                      ) -> dict[str, Any]:
    player.click(APPROVER, APPROVALS, card, ids.REJECT, card["ref"])
    call = slack.wait_for("views.open", where=lambda c: c.args["view"].get("callback_id")
                          == ids.REJECT_MODAL)[-1]
    return call.args["view"]


def test_reject_asks_for_a_reason_and_the_card_shows_who_and_why(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    card = submit_request(player, slack)
    view = _open_reject_form(player, slack, card)
    assert card["ref"] in render_blocks(view["blocks"])

    empty = player.submit(APPROVER, view, {ids.REASON_BLOCK: "   "})
    assert empty.status_code == 200
    assert empty.json() == {"response_action": "errors",
                            "errors": {ids.REASON_BLOCK: "Say why the request is rejected."}}
    assert bot.services.repo.get(card["ref"]).state == RequestState.PENDING  # type: ignore[union-attr]

    done = player.submit(APPROVER, view, {ids.REASON_BLOCK: "Amount is <!channel> wrong"})
    assert done.status_code == 200 and not done.content
    text = wait_card(slack, card["ts"], "Rejected")
    assert "Amount is &lt;!channel&gt; wrong" in text or "Amount is <!channel> wrong" in text
    blocks = slack.message(APPROVALS, card["ts"]).blocks
    assert "<!channel>" not in json.dumps(blocks)
    assert f"<@{APPROVER}>" in json.dumps(blocks)
    assert not any(b["type"] == "actions" for b in blocks)
    time.sleep(0.3)
    assert orders(bot) == []


def test_approve_after_reject_is_refused(bot: Bot, player: SlackRequests,
                                         slack: SlackStandIn) -> None:
    card = submit_request(player, slack)
    view = _open_reject_form(player, slack, card)
    player.submit(APPROVER, view, {ids.REASON_BLOCK: "duplicate"})
    wait_card(slack, card["ts"], "Rejected")
    player.click(GROUP_APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    assert "already rejected" in ephemeral_to(slack, GROUP_APPROVER)[0]
    assert orders(bot) == []


# -- bad form input ----------------------------------------------------------------------

BAD_INPUT = [
    ({"email": "jane.example.com"}, "email",
     "Enter a valid email address, like jane@example.com."),
    ({"items": "TSHIRT-RED-M x 2\nHAT-XL x 1"}, "items", 'Line 2: unknown SKU "HAT-XL".'),
    ({"country": "USA"}, "country",
     '"USA" is not a two-letter country code (ISO 3166), such as US or GB.'),
    ({"amount_paid": "56.985"}, "amount_paid", "Amount paid can have at most 2 decimal places."),
    ({"items": "MUG-WHT x 0"}, "items",
     "Line 1: quantity must be a whole number from 1 to 10,000."),
    ({"items": "POSTER-OLD"}, "items",
     "Line 1: \"POSTER-OLD\" can't be purchased (purchasing is disabled in BigCommerce)."),
    ({"first_name": None}, "first_name", "First name is required."),
]


@pytest.mark.parametrize(("changes", "block", "message"), BAD_INPUT,
                         ids=[b for _, b, _ in BAD_INPUT[:4]] + ["qty", "disabled", "name"])
def test_bad_input_answers_inline_and_posts_nothing(
    shared: Shared, changes: dict[str, str | None], block: str, message: str,
) -> None:
    bot, player, slack = shared
    view = open_form(player, slack)
    answer = player.submit(REQUESTER, view, {**GOOD_FORM, **changes})
    assert answer.status_code == 200
    assert answer.json() == {"response_action": "errors", "errors": {block: message}}
    assert block in {b.get("block_id") for b in view["blocks"]}
    assert stored_requests(bot) == 0
    assert bot.services.repo.pending_jobs() == []
    time.sleep(0.2)
    assert approval_posts(slack) == []


def test_a_duplicate_transaction_id_is_refused_inline(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    submit_request(player, slack)
    view = open_form(player, slack)
    answer = player.submit(REQUESTER, view, {**GOOD_FORM, "transaction_id": "bt-1"})
    assert answer.json() == {"response_action": "errors", "errors": {
        "transaction_id": "Transaction ID bt-1 was already booked as a Bank transfer payment."}}
    assert stored_requests(bot) == 1
    time.sleep(0.2)
    assert len(approval_posts(slack)) == 1


def test_a_slack_retry_of_a_submission_does_not_store_it_twice(
    bot: Bot, player: SlackRequests, slack: SlackStandIn
) -> None:
    view = open_form(player, slack)
    first = player.submit(REQUESTER, view, GOOD_FORM)
    again = player.submit(REQUESTER, view, GOOD_FORM,
                          headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"})
    assert first.status_code == 200 and not first.content
    assert again.status_code == 200
    assert stored_requests(bot) == 1


NASTY = ["<!channel>", "<http://evil|click>", "&amp; & <>", "x" * 20_000, "\x00", "<@U0APPROVER>",
         "' OR 1=1 --", "\u202e\u200b", "𝕌𝕊"]


def test_nasty_strings_never_crash_the_form(bot: Bot, player: SlackRequests,
                                            slack: SlackStandIn) -> None:
    view = open_form(player, slack)
    fields = ["email", "first_name", "street", "country", "items", "transaction_id",
              "amount_paid", "shipping_cost", "notes", "zip"]
    for n, nasty in enumerate(NASTY):
        answers = {**GOOD_FORM, "transaction_id": f"NASTY-{n}"}
        answers.update({field: nasty for field in fields[n % 3::3]})
        answer = player.submit(REQUESTER, view, answers)
        assert answer.status_code == 200, (nasty[:40], answer.status_code, answer.text[:200])
        if answer.content:
            body = answer.json()
            assert body["response_action"] == "errors"
            assert all(isinstance(v, str) and v for v in body["errors"].values())
    for message in slack.messages(APPROVALS):
        shown = json.dumps(message.blocks) + message.text
        assert "<!channel>" not in shown and "<http://evil|click>" not in shown
