"""Expiry: a request nobody decides within PAIDORDER_EXPIRE_AFTER ends as *Expired* (buttons gone,
requester told, transaction id free again), exactly once, and an approval racing it leaves one
outcome. Over real HTTP, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import select

from bot import ids
from bot.runtime import Bot
from bot.scheduler import Scheduler
from commands import migrations
from commands.reminders import expire
from commands.repository import Repository, connect
from commands.schema import requests as requests_table
from commands.summary import daily_summary
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn, render_blocks
from tests.conftest import APPROVALS, APPROVER, REQUESTER
from tests.e2e.test_app_home import settled, wait_home, waiting_refs
from tests.reliability.conftest import orders_in, player_for, settle, wait_until
from tests.reliability.test_reminders import (  # noqa: F401  (make_settings is a fixture)
    make_settings,
    new_request,
    pass_at,
    reminders_in,
    scrape,
)
from tests.tracking.story import FakeClock, order_request

EXPIRED = ":hourglass: *Expired* after 7 d without a decision; the transaction id is free again."


def card_now(slack: SlackStandIn, card: dict[str, Any]) -> str:
    return render_blocks(slack.message(APPROVALS, card["ts"]).blocks)


def has_buttons(slack: SlackStandIn, card: dict[str, Any]) -> bool:
    return any(b.get("type") == "actions" for b in slack.message(APPROVALS, card["ts"]).blocks)


def told(slack: SlackStandIn, user: str, words: str) -> list[str]:
    return [e.text for e in slack.ephemerals if e.user == user and words in e.text]


def orders_for(store: SandboxServer, ref: str) -> list[dict[str, Any]]:
    return [o for o in orders_in(store) if o.get("external_order_id") == ref]


def race(*racers: Callable[[], Any]) -> list[Any]:
    """Run `racers` at the same instant, each on its own thread; their results, in order."""
    start = threading.Barrier(len(racers))
    results: list[Any] = [None] * len(racers)

    def run(index: int) -> None:
        start.wait()
        results[index] = racers[index]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(racers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def after(seconds: float, action: Callable[[], Any]) -> Callable[[], Any]:
    def delayed() -> Any:
        time.sleep(seconds)
        return action()
    return delayed


def test_a_request_expires_after_its_time_and_frees_its_transaction_id(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    bot = start_bot(database_url=database_url)
    card, made = new_request(bot, slack, transaction_id="BT-77")
    ref = card["ref"]

    pass_at(bot, made + timedelta(days=7) - timedelta(seconds=1))
    assert bot.services.repo.get(ref).state == "pending" and has_buttons(slack, card)

    done = pass_at(bot, made + timedelta(days=7, minutes=3))
    assert done is not None and done.expired == [ref]
    assert EXPIRED in card_now(slack, card) and not has_buttons(slack, card)
    wait_until(lambda: told(slack, REQUESTER, "Expired"), "the requester to be told")
    assert told(slack, REQUESTER, ref)
    assert [a["action"] for a in bot.services.repo.audit_trail(ref=ref)].count("expired") == 1
    assert scrape(bot, "paidorder_requests_expired_total") == 1

    # Once, however many passes follow; and no reminder about a request that is gone.
    reminded = reminders_in(slack, card)
    pass_at(bot, made + timedelta(days=8))
    assert scrape(bot, "paidorder_requests_expired_total") == 1
    assert reminders_in(slack, card) == reminded

    # The same payment can be requested again, as after a rejection.
    again, _ = new_request(bot, slack, transaction_id="BT-77")
    assert again["ref"] != ref and bot.services.repo.get(again["ref"]).state == "pending"

    # The summary counts it as expired, not as approved.
    summary = daily_summary(bot.services.repo, (made + timedelta(days=7)).date(),
                            bot.settings.timezone, now=made + timedelta(days=7, hours=1))
    assert (summary.approved, summary.rejected, summary.expired) == (0, 0, 1)


def test_a_click_on_an_expired_request_is_refused_and_creates_no_order(
    start_bot: Callable[..., Bot], slack: SlackStandIn, store: SandboxServer,
    database_url: str
) -> None:
    bot = start_bot(database_url=database_url)
    card, made = new_request(bot, slack)
    pass_at(bot, made + timedelta(days=7))

    player_for(bot, slack).click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    [refusal] = wait_until(lambda: told(slack, APPROVER, card["ref"]), "the refusal")
    assert refusal == (f"{card['ref']} expired without a decision; its transaction id is free "
                       "for a new request.")
    settle(bot.services.repo)
    assert bot.services.repo.get(card["ref"]).state == "expired"
    assert orders_for(store, card["ref"]) == []


def test_an_approved_request_does_not_expire(
    start_bot: Callable[..., Bot], slack: SlackStandIn, store: SandboxServer,
    database_url: str
) -> None:
    bot = start_bot(database_url=database_url)
    card, made = new_request(bot, slack)
    player_for(bot, slack).click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    wait_until(lambda: bot.services.repo.get(card["ref"]).state == "ordered", "the order")
    settle(bot.services.repo)

    done = pass_at(bot, made + timedelta(days=30))
    assert done is not None and done.expired == []
    assert bot.services.repo.get(card["ref"]).state == "ordered"
    assert len(orders_for(store, card["ref"])) == 1 and "Approved" in card_now(slack, card)


def test_an_approval_racing_the_expiry_leaves_one_outcome(
    start_bot: Callable[..., Bot], slack: SlackStandIn, store: SandboxServer,
    database_url: str
) -> None:
    bot = start_bot(database_url=database_url)
    player = player_for(bot, slack)
    for attempt in range(4):
        card, made = new_request(bot, slack, transaction_id=f"RACE-{attempt}")
        expiry = Scheduler(bot.services, claimer="racer",
                           now=lambda made=made: made + timedelta(days=7))
        # The click is recorded after its ack; staggering the pass lets either side win.
        race(lambda card=card: player.click(APPROVER, APPROVALS, card, ids.APPROVE,
                                            card["ref"]),
             after(attempt * 0.015, expiry.follow_through))
        ref = card["ref"]
        state = wait_until(lambda ref=ref: (s := bot.services.repo.get(ref).state) != "pending"
                           and s, "a decision")
        if state == "approved":
            wait_until(lambda ref=ref: bot.services.repo.get(ref).state == "ordered", "the order")
        settle(bot.services.repo)
        state = bot.services.repo.get(ref).state
        actions = [a["action"] for a in bot.services.repo.audit_trail(ref=ref)]
        assert sorted(a for a in actions if a in ("approved", "expired")) in (
            ["approved"], ["expired"])
        if state == "ordered":
            assert len(orders_for(store, ref)) == 1 and "Approved" in card_now(slack, card)
        else:
            assert state == "expired" and orders_for(store, ref) == []
            assert EXPIRED in card_now(slack, card) and not has_buttons(slack, card)


def test_approve_and_expire_at_once_on_the_database_one_wins(repo: Repository) -> None:
    for round_ in range(12):
        stored = repo.add_request(order_request(f"T-{round_}"), requester_id="U0REQ",
                                  origin_channel=None, currency="USD")
        won = dict(zip(("approve", "expire"), race(
            lambda ref=stored.ref: repo.approve(ref, APPROVER),
            lambda ref=stored.ref: expire(repo, ref, deadline=repo.clock())), strict=True))
        winners = [name for name, result in won.items() if result]
        assert len(winners) == 1, won
        state = repo.get(stored.ref).state
        assert state == ("approved" if winners == ["approve"] else "expired")
        creates = [j for j in repo.pending_jobs()
                   if j["ref"] == stored.ref and j["kind"] == "create_order"]
        assert len(creates) == (1 if state == "approved" else 0)


def test_a_request_with_one_of_two_approvals_still_expires_and_says_so(
    start_bot: Callable[..., Bot], slack: SlackStandIn, store: SandboxServer,
    database_url: str
) -> None:
    bot = start_bot(database_url=database_url, paidorder_second_approval_over="50.00")
    card, made = new_request(bot, slack)  # 56.98 paid: two approvals needed
    player_for(bot, slack).click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    wait_until(lambda: bot.services.repo.get(card["ref"]).approvers, "the first approval")
    settle(bot.services.repo)

    pass_at(bot, made + timedelta(hours=4))  # the approver who gave the first is not pinged
    assert reminders_in(slack, card) == [
        f":bell: {card['ref']} has waited 4 h for a decision — <!subteam^S0FINANCE>"]
    pass_at(bot, made + timedelta(days=7))
    assert bot.services.repo.get(card["ref"]).state == "expired"
    assert (":hourglass: *Expired* after 7 d without a decision (1 of 2 approvals by "
            f"<@{APPROVER}>); the transaction id is free again.") in card_now(slack, card)
    assert orders_for(store, card["ref"]) == [] and not has_buttons(slack, card)


def test_an_expired_request_leaves_the_approvers_homes(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    bot = start_bot(database_url=database_url)
    card, made = new_request(bot, slack)
    homes = player_for(bot, slack)
    assert homes.open_home(APPROVER, slack.home(APPROVER)).status_code == 200
    wait_home(slack, APPROVER, card["ref"])
    assert homes.open_home(REQUESTER, slack.home(REQUESTER)).status_code == 200
    wait_home(slack, REQUESTER, f"*{card['ref']}* · Pending")
    settled(bot)

    pass_at(bot, made + timedelta(days=7))
    # Republished without a new open: nothing waits for the approver, the requester sees why.
    assert waiting_refs(wait_home(slack, APPROVER, "Waiting for you", absent=card["ref"])) == []
    wait_home(slack, REQUESTER, f"*{card['ref']}* · Expired")


def test_expire_after_off_keeps_a_request_waiting(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    bot = start_bot(database_url=database_url, paidorder_expire_after="off")
    card, made = new_request(bot, slack)
    for after in (timedelta(hours=4), timedelta(hours=8), timedelta(hours=12),
                  timedelta(days=7), timedelta(days=30), timedelta(days=365)):
        pass_at(bot, made + after)
    assert bot.services.repo.get(card["ref"]).state == "pending" and has_buttons(slack, card)
    assert len(reminders_in(slack, card)) == 3  # reminders still come, and still stop at 3


def test_a_bot_starting_up_catches_up_on_what_fell_due_while_it_was_down(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    clock = FakeClock(datetime.now(UTC) - timedelta(days=8))
    writer = Repository(connect(database_url), clock=clock)
    writer.create_schema()
    overdue = writer.add_request(order_request("T-OVERDUE"), requester_id=REQUESTER,
                                 origin_channel=None, currency="USD")
    clock.at = datetime.now(UTC) - timedelta(hours=5)
    waiting = writer.add_request(order_request("T-WAITING"), requester_id=REQUESTER,
                                 origin_channel=None, currency="USD")
    writer.engine.dispose()

    bot = start_bot(database_url=database_url)  # its scheduler's first pass is at start-up
    wait_until(lambda: bot.services.repo.get(overdue.ref).state == "expired", "the expiry")
    card = wait_until(lambda: bot.services.repo.get(waiting.ref).card_ts, "the card")
    wait_until(lambda: reminders_in(slack, {"ts": card}), "the reminder")
    settle(bot.services.repo)
    assert reminders_in(slack, {"ts": card}) == [
        f":bell: {waiting.ref} has waited 4 h for a decision — <@U0APPROVER> <!subteam^S0FINANCE>"]
    expired_card = {"ts": bot.services.repo.get(overdue.ref).card_ts}
    assert EXPIRED in card_now(slack, expired_card) and not has_buttons(slack, expired_card)


def test_an_expired_request_survives_a_downgrade_as_a_rejected_one(repo: Repository) -> None:
    """The bot before this revision knows no expired state; the freed id stays free."""
    clock = FakeClock(repo.clock())
    writer = Repository(repo.engine, clock=clock)
    old = writer.add_request(order_request("T-OLD"), requester_id="U0REQ", origin_channel=None,
                             currency="USD")
    assert expire(writer, old.ref, deadline=clock.at)
    writer.add_request(order_request("T-OLD"), requester_id="U0REQ", origin_channel=None,
                       currency="USD")

    with repo.engine.begin() as conn:
        command.downgrade(migrations.config(conn), "0008")
    with repo.engine.connect() as conn:
        states = sorted(conn.execute(select(requests_table.c.state)).scalars())
    assert states == ["pending", "rejected"]
    repo.create_schema()
    assert repo.pending_migrations() == []
