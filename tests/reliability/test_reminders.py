"""Reminders in a waiting card's thread: each PAIDORDER_REMIND_AFTER, at most 3, naming the
approvers, each posted exactly once across replicas, restarts and a slow Slack.

The bots run in real time over HTTP; the reminder pass is run as a scheduler would run it at a
chosen moment after the request (`Scheduler(..., now=...)`), since the due times come only from
the stored request time. SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import select

from bot.config import Settings
from bot.runtime import Bot
from bot.scheduler import Scheduler
from commands.reminders import Pass, Timing, follow_through
from commands.repository import Repository, connect
from commands.schema import outbox
from sandbox.slack import SlackStandIn
from tests.conftest import APPROVALS, GOOD_FORM, REQUESTER, open_form
from tests.reliability.conftest import LEASE, player_for, settle, wait_until

NAMED = "<@U0APPROVER> <!subteam^S0FINANCE>"  # the test bots' PAIDORDER_APPROVERS
DEFAULTS = {name: Settings.model_fields[name].default
            for name in ("paidorder_remind_after", "paidorder_expire_after")}


@pytest.fixture
def make_settings(make_settings: Callable[..., Settings]) -> Callable[..., Settings]:
    """Bots with the product's reminder and expiry defaults, which other tests turn off."""
    def make(**overrides: Any) -> Settings:
        return make_settings(**(DEFAULTS | overrides))
    return make


def reminder(ref: str, hours: int) -> str:
    return f":bell: {ref} has waited {hours} h for a decision — {NAMED}"


def pass_at(bot: Bot, moment: datetime, claimer: str = "test-pass") -> Pass | None:
    """One reminder-and-expiry pass of `bot`'s scheduler at `moment`, and its posts done."""
    done = Scheduler(bot.services, claimer=claimer, now=lambda: moment).follow_through()
    settle(bot.services.repo)
    return done


def reminders_in(slack: SlackStandIn, card: dict[str, Any]) -> list[str]:
    return [m.text for m in slack.thread(APPROVALS, card["ts"]) if m.text.startswith(":bell:")]


def new_request(bot: Bot, slack: SlackStandIn, **changes: str) -> tuple[dict[str, Any], datetime]:
    """A request submitted over HTTP, its card posted; returns the card and when it was made."""
    player = player_for(bot, slack)
    before = len(slack.messages(APPROVALS))  # cards only: reminders are thread replies
    response = player.submit(REQUESTER, open_form(player, slack), {**GOOD_FORM, **changes})
    assert response.status_code == 200 and not response.content, response.text
    message = wait_until(lambda: len(slack.messages(APPROVALS)) > before
                         and slack.messages(APPROVALS)[before], "the card")
    ref = next(e["value"] for b in message.blocks if b.get("type") == "actions"
               for e in b["elements"])
    settle(bot.services.repo)
    stored = bot.services.repo.get(ref)
    assert stored is not None
    return {"ts": message.ts, "blocks": message.blocks, "ref": ref}, stored.created_at


def scrape(bot: Bot, name: str) -> float:
    text = requests.get(f"{bot.url}/metrics", timeout=5).text
    return next((float(line.split()[-1]) for line in text.splitlines()
                 if line.startswith(name + " ")), 0.0)


def test_a_reminder_each_interval_at_most_three_naming_users_and_groups(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    bot = start_bot(database_url=database_url)
    card, made = new_request(bot, slack)
    ref = card["ref"]

    seen = []
    for after in (timedelta(hours=3, minutes=59), timedelta(hours=4), timedelta(hours=7),
                  timedelta(hours=8, seconds=30), timedelta(hours=12), timedelta(hours=16),
                  timedelta(days=3)):
        pass_at(bot, made + after)
        seen.append(len(reminders_in(slack, card)))
    assert seen == [0, 1, 1, 2, 3, 3, 3]
    assert reminders_in(slack, card) == [reminder(ref, 4), reminder(ref, 8), reminder(ref, 12)]

    trail = [(a["action"], a["detail"].get("number"))
             for a in bot.services.repo.audit_trail(ref=ref) if "reminder" in a["action"]]
    assert [t for t in trail if t[0] in ("reminder_due", "reminder_posted")] == [
        ("reminder_due", 1), ("reminder_posted", 1), ("reminder_due", 2), ("reminder_posted", 2),
        ("reminder_due", 3), ("reminder_posted", 3)]
    assert scrape(bot, "paidorder_reminders_total") == 3
    assert bot.services.repo.get(ref).state == "pending"  # a reminder decides nothing


def test_a_bot_that_was_down_through_several_reminders_posts_only_the_latest(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    bot = start_bot(database_url=database_url)
    card, made = new_request(bot, slack)

    pass_at(bot, made + timedelta(hours=9))  # reminders 1 and 2 were due meanwhile
    pass_at(bot, made + timedelta(hours=11))
    assert reminders_in(slack, card) == [reminder(card["ref"], 8)]
    pass_at(bot, made + timedelta(hours=12))
    assert reminders_in(slack, card) == [reminder(card["ref"], 8), reminder(card["ref"], 12)]


def test_replicas_due_to_send_the_same_reminder_send_one(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    bots = [start_bot(database_url=database_url) for _ in range(2)]
    card, made = new_request(bots[0], slack)
    moment = made + timedelta(hours=4, minutes=1)
    schedulers = [Scheduler(bot.services, claimer=f"replica-{n}-{k}", now=lambda: moment)
                  for n, bot in enumerate(bots) for k in range(2)]
    barrier = threading.Barrier(len(schedulers))
    passes: list[Pass | None] = []

    def fire(scheduler: Scheduler) -> None:
        barrier.wait()
        passes.append(scheduler.follow_through())

    threads = [threading.Thread(target=fire, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for bot in bots:
        settle(bot.services.repo)

    assert sorted(len(p.reminders) for p in passes if p) == [0, 0, 0, 1]
    assert reminders_in(slack, card) == [reminder(card["ref"], 4)]
    posts = [c for c in slack.calls_to("chat.postMessage") if c.args.get("thread_ts")]
    assert len(posts) == 1


def test_a_restart_neither_loses_nor_repeats_a_reminder(
    make_settings: Callable[..., Settings], slack: SlackStandIn, database_url: str
) -> None:
    def started() -> Bot:
        return Bot(make_settings(database_url=database_url), host="127.0.0.1", port=0,
                   lease=LEASE).start()

    first = started()
    try:
        card, made = new_request(first, slack)
        pass_at(first, made + timedelta(hours=4))
    finally:
        first.stop()
    assert reminders_in(slack, card) == [reminder(card["ref"], 4)]

    second = started()
    try:
        pass_at(second, made + timedelta(hours=5))  # reminder 1 is already out
        assert len(reminders_in(slack, card)) == 1
        pass_at(second, made + timedelta(hours=8))
        assert len(reminders_in(slack, card)) == 2
    finally:
        second.stop()

    # A pass that claims reminder 3 while no bot is running: the claim and its outbox job are
    # in the database, and whichever bot starts next posts it.
    offline = Repository(connect(database_url))
    try:
        claimed = follow_through(offline, Timing(timedelta(hours=4), timedelta(days=7)),
                                 now=made + timedelta(hours=12), claimer="stopped-replica")
    finally:
        offline.engine.dispose()
    assert claimed.reminders == [(card["ref"], 3)]
    assert len(reminders_in(slack, card)) == 2

    third = started()
    try:
        wait_until(lambda: len(reminders_in(slack, card)) == 3, "the claimed reminder")
        settle(third.services.repo)
        pass_at(third, made + timedelta(hours=13))
    finally:
        third.stop()
    assert reminders_in(slack, card) == [reminder(card["ref"], h) for h in (4, 8, 12)]


def test_a_reminder_slack_answers_too_late_for_is_posted_once(
    make_settings: Callable[..., Settings], slack: SlackStandIn, database_url: str
) -> None:
    bot = Bot(make_settings(database_url=database_url), host="127.0.0.1", port=0, lease=LEASE,
              slack_timeout=0.5).start()
    try:
        card, made = new_request(bot, slack)
        slack.answer_slowly("chat.postMessage", 1.5)  # posts, but after the bot gave up
        pass_at(bot, made + timedelta(hours=4))
        assert reminders_in(slack, card) == [reminder(card["ref"], 4)]
        actions = [a["action"] for a in bot.services.repo.audit_trail(ref=card["ref"])]
        assert actions.count("reminder_post_attempted") == 1
        assert actions.count("reminder_posted") == 1
        with bot.services.repo.engine.connect() as conn:
            tries = conn.execute(select(outbox.c.attempts).where(
                outbox.c.ref == card["ref"], outbox.c.kind == "post_reminder")).scalar_one()
        assert tries == 2  # the first try timed out; the second found its reply in the thread
    finally:
        bot.stop()


def test_a_request_decided_before_its_reminder_gets_none(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    bot = start_bot(database_url=database_url)
    card, made = new_request(bot, slack)
    assert bot.services.repo.reject(card["ref"], "U0APPROVER", "Duplicate") is not None
    settle(bot.services.repo)
    pass_at(bot, made + timedelta(hours=4))
    assert reminders_in(slack, card) == []


def test_remind_after_off_sends_no_reminders(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    bot = start_bot(database_url=database_url, paidorder_remind_after="off",
                    paidorder_expire_after="off")
    card, made = new_request(bot, slack)
    for days in (1, 7, 30):
        pass_at(bot, made + timedelta(days=days))
    assert reminders_in(slack, card) == []
    assert bot.services.repo.get(card["ref"]).state == "pending"


def test_reminders_stop_before_the_expiry(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    """With expiry after 8 h, a reminder due at 8 h would remind about a request that is gone."""
    bot = start_bot(database_url=database_url, paidorder_expire_after="8h")
    card, made = new_request(bot, slack)
    pass_at(bot, made + timedelta(hours=4))
    pass_at(bot, made + timedelta(hours=8))
    assert reminders_in(slack, card) == [reminder(card["ref"], 4)]
    assert bot.services.repo.get(card["ref"]).state == "expired"
