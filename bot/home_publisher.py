"""Publishing Home tabs: off the ack path, coalesced per user, within Slack's rate limit.

`views.publish` is Tier 4 (about 100 calls a minute per workspace). A burst of decisions would
otherwise publish the same approver's Home once per decision, so each user's publishes are at
least `gap` seconds apart — requests in between become one publish of the newest state — and
the whole workspace stays under `per_minute`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.home_view import home_view
from bot.services import Services
from commands.app_home import affected_by, home_content, home_published, published_hash
from commands.repository import Job, Outbox

log = logging.getLogger(__name__)

GAP = 3.0  # seconds between two publishes of one user's Home
PER_MINUTE = 90  # publishes per minute for the workspace, under Tier 4's ~100
# Jobs that change what a Home shows: a new request to decide, and every change of the card
# (a decision, the order, a failure, an expiry, …) is a change of the request's state.
CHANGES_HOME = frozenset({Outbox.POST_CARD, Outbox.UPDATE_CARD})


class HomePublisher:
    def __init__(self, services: Services, *, gap: float = GAP, per_minute: int = PER_MINUTE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.services = services
        self.gap = gap
        self.per_minute = per_minute
        self.clock = clock
        self._due: dict[str, float] = {}  # user → when their Home is to be published
        self._last: dict[str, float] = {}  # user → when it was last published
        self._sent: deque[float] = deque()  # publish times within the last minute
        self._cond = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def start(self) -> HomePublisher:
        self._thread = threading.Thread(target=self._loop, name="home-publisher", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def refresh(self, users: Iterable[str]) -> None:
        """Publish these users' Homes soon; never blocks, never raises."""
        with self._cond:
            now = self.clock()
            for user in users:
                if user not in self._due:
                    self._due[user] = max(now, self._last.get(user, now - self.gap) + self.gap)
            self._cond.notify_all()

    def pending(self) -> list[str]:
        """Users whose Home is due to be published, soonest first."""
        with self._cond:
            return sorted(self._due, key=self._due.__getitem__)

    def refresh_for(self, ref: str) -> None:
        """Publish the Homes a change of request `ref` changes."""
        try:
            users = affected_by(self.services.repo, ref, self.services.approvers)
        except Exception:
            log.exception("could not find whose Home shows %s", ref)
            return
        self.refresh(users)

    def _loop(self) -> None:
        while True:
            user = self._next_user()
            if user is None:
                return
            try:
                self.publish(user)
            except Exception:
                log.exception("could not publish the Home of %s", user)

    def _next_user(self) -> str | None:
        """Wait until a user's Home is due and the rate limit allows it; None when stopped."""
        with self._cond:
            while not self._stopped:
                now = self.clock()
                while self._sent and self._sent[0] <= now - 60:
                    self._sent.popleft()
                if not self._due:
                    self._cond.wait()
                    continue
                user, due = min(self._due.items(), key=lambda item: item[1])
                if len(self._sent) >= self.per_minute:
                    due = max(due, self._sent[0] + 60)
                if due > now:
                    self._cond.wait(due - now)
                    continue
                del self._due[user]
                self._last[user] = now
                self._sent.append(now)
                return user
        return None

    def publish(self, user: str) -> None:
        """Render `user`'s Home from the database as it is now and publish it.

        The hash of the Home last published goes along: when another replica published in
        between, Slack answers hash_conflict and this publish renders again, so the Home always
        ends with a rendering made after every other one."""
        repo = self.services.repo
        view_hash = published_hash(repo, user)
        try:
            answer = self.services.slack.views_publish(user_id=user, view=self._view(user),
                                                       **({"hash": view_hash} if view_hash
                                                          else {}))
        except SlackApiError as exc:
            if exc.response.get("error") != "hash_conflict":
                raise
            answer = self.services.slack.views_publish(user_id=user, view=self._view(user))
        home_published(repo, user, str((answer.get("view") or {}).get("hash") or "") or None)

    def _view(self, user: str) -> dict[str, Any]:
        settings = self.services.settings
        now = self.services.repo.clock().astimezone(settings.timezone)
        content = home_content(self.services.repo, user, approvers=self.services.approvers,
                               tz=settings.timezone, now=now)
        return home_view(content, now=now)


def refreshing_homes(run: Callable[[Job], None], homes: HomePublisher
                     ) -> Callable[[Job], None]:
    """The outbox's job runner, followed by a refresh of the Homes the job's change shows on
    (even when the job itself fails: the database has changed all the same)."""
    def run_and_refresh(job: Job) -> None:
        try:
            run(job)
        finally:
            if job.kind in CHANGES_HOME:
                homes.refresh_for(job.ref)
    return run_and_refresh
