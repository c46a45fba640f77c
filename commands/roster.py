"""Who may do what: one place that decides who approves and who requests."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)

GroupMembers = Callable[[str], Iterable[str]]


class Roster:
    """A set of Slack users given as user ids (`U…`/`W…`) and user-group ids (`S…`).

    Group membership is looked up through `members_of` and cached for `ttl` seconds, because
    Slack's `usergroups.users.list` is a Tier 2 method and a click must be answered fast.
    """

    def __init__(self, ids: Iterable[str], members_of: GroupMembers, *, ttl: float = 300.0,
                 everyone_if_empty: bool = False, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        ids = [i.strip() for i in ids if i.strip()]
        self.users = frozenset(i for i in ids if not i.startswith("S"))
        self.groups = tuple(i for i in ids if i.startswith("S"))
        self._members_of = members_of
        self._ttl = ttl
        self._everyone = everyone_if_empty and not ids
        self._clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def includes(self, user_id: str) -> bool:
        if self._everyone or user_id in self.users:
            return True
        return any(user_id in self._group(group) for group in self.groups)

    def _group(self, group: str) -> frozenset[str]:
        now = self._clock()
        with self._lock:
            cached = self._cache.get(group)
        if cached and cached[0] > now:
            return cached[1]
        try:
            members = frozenset(self._members_of(group))
        except Exception:
            # A failed lookup must not let anyone in; keep the last known members if any.
            log.warning("could not read members of user group %s", group, exc_info=True)
            return cached[1] if cached else frozenset()
        with self._lock:
            self._cache[group] = (now + self._ttl, members)
        return members
