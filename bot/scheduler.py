"""Timed work: the daily summary (exactly once per day across replicas), order polling, and
reminders and expiry for requests nobody decides (commands/reminders.py).

Every replica runs its own APScheduler 3.11 with in-memory jobs (APScheduler 3 forbids sharing
a job store between schedulers); the database claim decides which replica posts the summary.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.services import Services
from bot.slack_posts import posted_copies, summary_tag
from bot.summary_chart import post_summary_chart
from bot.summary_schedule import SummarySchedule
from bot.summary_view import summary_message
from commands.reminders import Pass, Timing, follow_through
from commands.summary import claim_day, daily_summary, mark_summary_posted
from commands.tracking import poll_changes

log = logging.getLogger(__name__)

FOLLOW_THROUGH_SECONDS = 60


def summary_day(fired_at: datetime) -> date:
    """The scheduled summary reports the last full day before the one it fires on.

    `fired_at` is local time; both occurrences of a repeated hour have the same date."""
    return fired_at.date() - timedelta(days=1)


def post_summary(services: Services, day: date, *, title: str,
                 once_since: datetime | None = None) -> str:
    """Build and post the summary for `day`; returns the message ts.

    With `once_since` (the scheduled summary, first tried no earlier than that) a summary of
    `day` that an earlier try posted after all is used instead of posting another.
    """
    channel = services.settings.summary_channel
    tag = summary_tag(day.isoformat())
    if once_since is not None:
        copies = posted_copies(services.slack, channel, tag, since=once_since)
        if copies:
            # The earlier try gave up waiting for the text, so it never got to the chart.
            services.later(lambda: post_summary_chart(services, day))
            return str(copies[0]["ts"])
    summary = daily_summary(services.repo, day, services.settings.timezone)
    text, blocks = summary_message(summary, title=title)
    answer = services.slack.chat_postMessage(
        channel=channel, text=text, blocks=blocks,
        metadata=tag.metadata if once_since is not None else None)
    # After the text, on the after-ack pool: drawing and uploading take a second or more, and
    # the caller must be able to mark the day posted at once (a claim left unmarked is taken
    # over and posted again). A chart that fails is recorded for the next summary.
    services.later(lambda: post_summary_chart(services, day))
    return str(answer["ts"])


class Scheduler:
    def __init__(self, services: Services, claimer: str,
                 now: Callable[[], datetime] | None = None) -> None:
        self.services = services
        self.claimer = claimer
        self.tz = services.settings.timezone
        self._now = now or (lambda: datetime.now(self.tz))
        self.trigger = SummarySchedule(services.settings.paidorder_summary_cron, self.tz)
        self._scheduler = BackgroundScheduler(timezone=self.tz)

    def start(self) -> Scheduler:
        self._scheduler.add_job(self.daily_summary, self.trigger, id="daily_summary",
                                coalesce=True, max_instances=1, misfire_grace_time=3600)
        self._scheduler.add_job(self.poll, "interval",
                                seconds=self.services.settings.paidorder_poll_seconds,
                                id="poll", coalesce=True, max_instances=1,
                                # In UTC: five seconds after 01:59:58 on the first pass of a
                                # repeated hour is not 02:00:03 local, an hour later.
                                next_run_time=self._now().astimezone(UTC) + timedelta(seconds=5))
        # The product search's index: what changed since the last look (a full sync first).
        self._scheduler.add_job(self.services.products.refresh, "interval",
                                seconds=self.services.settings.paidorder_poll_seconds,
                                id="product_index", coalesce=True, max_instances=1,
                                next_run_time=self._now().astimezone(UTC))
        # BigCommerce deactivates failing or idle hooks; turn ours back on at start-up and daily.
        self._scheduler.add_job(self.services.hooks.run, "interval", days=1, id="webhook_upkeep",
                                coalesce=True, max_instances=1, misfire_grace_time=None,
                                next_run_time=self._now().astimezone(UTC))
        if not self.timing.off:
            # Due times come from stored request times, so a pass after a restart (or on
            # another replica) finds exactly what is still owed.
            self._scheduler.add_job(self.follow_through, "interval",
                                    seconds=FOLLOW_THROUGH_SECONDS, id="follow_through",
                                    coalesce=True, max_instances=1, misfire_grace_time=None,
                                    next_run_time=self._now().astimezone(UTC))
        self._scheduler.start()
        self.catch_up()
        return self

    @property
    def timing(self) -> Timing:
        return Timing(self.services.settings.remind_after, self.services.settings.expire_after)

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def daily_summary(self) -> bool:
        """Post the summary of the day before the last scheduled time, unless posted already."""
        fired = self.last_fire_time()
        if fired is None:
            self.services.metrics.summary_run("skipped")
            return False
        day = summary_day(fired)
        if not claim_day(self.services.repo, day, self.claimer):
            self.services.metrics.summary_run("skipped")
            return False
        try:
            ts = post_summary(self.services, day, title=f"Paid orders · {day:%a %d %b}",
                              once_since=fired)
        except Exception:
            # The claim stays unposted; another replica (or this one) takes it over after the
            # lease runs out.
            log.exception("could not post the daily summary for %s", day)
            self.services.metrics.summary_run("failed")
            return False
        mark_summary_posted(self.services.repo, day, ts)
        log.info("posted the daily summary for %s", day)
        self.services.metrics.summary_run("posted")
        return True

    def catch_up(self) -> None:
        """If the bot was down at the last scheduled time, post what was missed.

        Only when there was something to report by then: a brand-new installation does not
        greet its channel with an empty summary of the day before it existed.
        """
        try:
            fired = self.last_fire_time()
            if fired is not None and self.services.repo.any_request_before(fired):
                self.daily_summary()
        except Exception:
            log.exception("daily summary catch-up failed")

    def last_fire_time(self) -> datetime | None:
        """The latest scheduled time at or before now (within the last 8 days), local time."""
        return self.trigger.last_fire_at_or_before(self._now())

    def follow_through(self) -> Pass | None:
        """Remind about and expire requests nobody decided; what this replica claimed."""
        try:
            done = follow_through(self.services.repo, self.timing,
                                  now=self._now().astimezone(UTC), claimer=self.claimer)
        except Exception:
            log.exception("reminders and expiry failed; will try again next minute")
            return None
        for ref in done.expired:
            log.info("request %s expired without a decision", ref)
            self.services.metrics.request_expired()
        if done.reminders or done.expired:
            self.services.wake_worker()
        return done

    def poll(self) -> None:
        try:
            changed = poll_changes(repo=self.services.repo,
                                   bigcommerce=self.services.bigcommerce)
            if changed:
                log.info("poll: %d of the bot's orders changed", changed)
        except Exception:
            log.exception("polling BigCommerce failed; will try again next cycle")
