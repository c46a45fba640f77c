"""The daily summary is posted exactly once per day, even with several replicas on one database,
a replica that died after claiming it, or a bot that was down at the scheduled time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import requests
import time_machine
from sqlalchemy import insert, select

from bot.runtime import Bot
from bot.scheduler import Scheduler, summary_day
from commands.repository import Repository, connect
from commands.schema import summary_runs
from commands.summary import SUMMARY_LEASE, claim_day, mark_summary_posted
from sandbox.slack import SlackStandIn
from tests.conftest import APPROVALS
from tests.tracking.story import FakeClock, order_request

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # the 09:00 UTC summary has fired today


def summaries(slack: SlackStandIn) -> list[str]:
    """Headers of the summary messages in the summary channel (the approval channel here)."""
    return [m.blocks[0]["text"]["text"] for m in slack.messages(APPROVALS)
            if m.blocks and m.blocks[0].get("type") == "header"
            and m.blocks[0]["text"]["text"].startswith("Paid orders ·")]


def runs(repo: Repository) -> list[dict]:
    with repo.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(summary_runs)).mappings()]


def test_replicas_firing_at_the_same_moment_post_once(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    bots = [start_bot(database_url=database_url) for _ in range(2)]
    schedulers = [Scheduler(bot.services, claimer=f"replica-{n}-{k}")
                  for n, bot in enumerate(bots) for k in range(2)]
    barrier = threading.Barrier(len(schedulers))
    results: list[bool] = []

    def fire(scheduler: Scheduler) -> None:
        barrier.wait()
        results.append(scheduler.daily_summary())

    threads = [threading.Thread(target=fire, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(results) == [False, False, False, True]
    day = summary_day(schedulers[0].last_fire_time())
    assert summaries(slack) == [f"Paid orders · {day:%a %d %b}"]
    [run] = runs(bots[0].services.repo)
    assert run["day"] == day and run["posted_at"] is not None
    assert run["slack_ts"] == slack.messages(APPROVALS)[-1].ts
    # Firing again the same day (a restart, a late replica) posts nothing more.
    assert not bots[1].scheduler.daily_summary()
    assert len(summaries(slack)) == 1


def test_a_claim_is_taken_over_only_after_its_lease(repo: Repository) -> None:
    clock = FakeClock(NOW)
    fake = Repository(repo.engine, clock=clock)
    day = date(2026, 3, 9)

    assert claim_day(fake, day, "first")
    clock.at = NOW + timedelta(minutes=1)
    assert not claim_day(fake, day, "second")  # the first may still be posting
    clock.at = NOW + SUMMARY_LEASE + timedelta(seconds=1)
    assert claim_day(fake, day, "second")  # the first died
    assert not claim_day(fake, day, "third")
    mark_summary_posted(fake, day, "123.456")
    clock.at = NOW + 10 * SUMMARY_LEASE
    assert not claim_day(fake, day, "fourth")  # posted: never again
    [run] = runs(fake)
    assert run["claimed_by"] == "second" and run["slack_ts"] == "123.456"


def test_a_replica_that_died_after_claiming_is_replaced(
    bot: Bot, slack: SlackStandIn
) -> None:
    day = summary_day(bot.scheduler.last_fire_time())
    with bot.services.repo.transaction() as conn:
        conn.execute(insert(summary_runs).values(
            day=day, claimed_by="dead-replica",
            claimed_at=datetime.now(UTC) - SUMMARY_LEASE - timedelta(minutes=1)))

    assert bot.scheduler.daily_summary()

    assert summaries(slack) == [f"Paid orders · {day:%a %d %b}"]
    [run] = runs(bot.services.repo)
    assert run["claimed_by"] == bot.scheduler.claimer and run["posted_at"] is not None


def test_a_live_claim_is_left_alone(bot: Bot, slack: SlackStandIn) -> None:
    day = summary_day(bot.scheduler.last_fire_time())
    with bot.services.repo.transaction() as conn:
        conn.execute(insert(summary_runs).values(
            day=day, claimed_by="busy-replica", claimed_at=datetime.now(UTC)))

    assert not bot.scheduler.daily_summary()
    assert summaries(slack) == []


def test_catch_up_posts_what_was_missed_while_down(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    bot = start_bot(database_url=database_url)
    clock = FakeClock(datetime(2026, 3, 9, 15, tzinfo=UTC))
    writer = Repository(connect(database_url), clock=clock)
    writer.add_request(order_request("T-CATCHUP"), requester_id="U0REQ", origin_channel=None,
                       currency="USD")
    writer.engine.dispose()

    restarted = Scheduler(bot.services, claimer="restarted", now=lambda: NOW)
    try:
        restarted.start()
    finally:
        restarted.stop()

    assert summaries(slack) == ["Paid orders · Mon 09 Mar"]
    [run] = runs(bot.services.repo)
    assert run["day"] == date(2026, 3, 9) and run["posted_at"] is not None
    restarted.catch_up()
    assert len(summaries(slack)) == 1


def test_no_catch_up_on_a_brand_new_installation(
    bot: Bot, slack: SlackStandIn
) -> None:
    fresh = Scheduler(bot.services, claimer="fresh", now=lambda: NOW)
    fresh.catch_up()
    assert summaries(slack) == [] and runs(bot.services.repo) == []

    # A request that arrived after the missed time is not "something to report by then".
    clock = FakeClock(NOW - timedelta(minutes=30))
    Repository(bot.services.repo.engine, clock=clock).add_request(
        order_request("T-AFTER"), requester_id="U0REQ", origin_channel=None, currency="USD")
    fresh.catch_up()
    assert summaries(slack) == [] and runs(bot.services.repo) == []


def test_a_summary_in_the_repeated_hour_is_posted_once(
    start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str
) -> None:
    """New York, 30 1 * * *: 01:30 happens twice on 1 November 2026 (05:30 and 06:30 UTC)."""
    bot = start_bot(database_url=database_url, paidorder_timezone="America/New_York",
                    paidorder_summary_cron="30 1 * * *")
    clock = FakeClock(datetime(2026, 10, 31, 15, tzinfo=UTC))
    writer = Repository(connect(database_url), clock=clock)
    writer.add_request(order_request("T-FALLBACK"), requester_id="U0REQ", origin_channel=None,
                       currency="USD")
    writer.engine.dispose()

    # Started at 07:00 UTC, after both: catch-up finds the summary of the 31st and posts it.
    late = Scheduler(bot.services, claimer="started-late",
                     now=lambda: datetime(2026, 11, 1, 7, tzinfo=UTC))
    try:
        late.start()
    finally:
        late.stop()
    # A replica firing at each occurrence of 01:30 names the same day, so it posts nothing.
    for at in (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 6, 30, tzinfo=UTC)):
        assert not Scheduler(bot.services, claimer=f"fired-{at:%H%M}", now=lambda at=at: at
                             ).daily_summary()

    assert summaries(slack) == ["Paid orders · Sat 31 Oct"]
    [run] = runs(bot.services.repo)
    assert run["day"] == date(2026, 10, 31) and run["claimed_by"] == "started-late"


def test_a_bot_started_after_a_fall_back_answers_its_health_check(
    start_bot: Callable[..., Bot]
) -> None:
    """The reported case: New York, 30 1 * * *, started at 07:00 UTC on 1 November 2026."""
    started: list[Bot] = []

    def start() -> None:
        started.append(start_bot(paidorder_timezone="America/New_York",
                                 paidorder_summary_cron="30 1 * * *"))

    with time_machine.travel(datetime(2026, 11, 1, 7, tzinfo=UTC), tick=True):
        starting = threading.Thread(target=start, daemon=True)
        starting.start()
        starting.join(60)  # only so that a regression fails instead of hanging the suite
        assert started, "the bot never finished starting"
        answer = requests.get(f"{started[0].url}/healthz", timeout=10)
    assert answer.status_code == 200 and answer.json()["scheduler"] == "running"
