"""What a user's Home tab shows, and who has opened it.

*Waiting for you* lists the pending requests `may_decide` lets this user decide (the one place
that decides it), oldest first; *Your requests* their latest ten; *Today* the orders recorded
today in the configured time zone, counted exactly as the daily summary counts them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, select, update

from commands.claims import insert_if_absent
from commands.models import RequestState
from commands.permissions import may_decide
from commands.repository import Repository, StoredRequest, stored_from_row
from commands.roster import Roster
from commands.schema import approvals, home_views, requests
from commands.summary import day_bounds, recorded_totals

YOUR_REQUESTS = 10


@dataclass(frozen=True)
class HomeContent:
    user_id: str
    waiting: list[StoredRequest]  # every request this user may decide now, oldest first
    yours: list[StoredRequest]  # the user's latest requests, newest first
    day: date
    orders_today: int = 0
    totals_today: dict[tuple[str, str], Decimal] = field(default_factory=dict)


def home_content(repo: Repository, user_id: str, *, approvers: Roster, tz: ZoneInfo,
                 now: datetime | None = None) -> HomeContent:
    now = (now or repo.clock()).astimezone(tz)
    start, end = day_bounds(now.date(), tz)
    pending = select(requests).where(requests.c.state == RequestState.PENDING).order_by(
        requests.c.created_at, requests.c.id)
    latest = (select(requests).where(requests.c.requester_id == user_id)
              .order_by(requests.c.created_at.desc(), requests.c.id.desc())
              .limit(YOUR_REQUESTS))
    with repo.engine.connect() as conn:
        # An outsider is refused every request; asking once spares a scan of the pending ones.
        waiting = [] if not approvers.includes(user_id) else [
            stored for stored in _with_approvals(conn, pending)
            if may_decide(user_id, stored, approvers) is None]
        yours = _with_approvals(conn, latest)
        orders, totals = recorded_totals(conn, start, end)
    return HomeContent(user_id=user_id, waiting=waiting, yours=yours, day=now.date(),
                       orders_today=orders, totals_today=totals)


def _with_approvals(conn: Connection, query: Select) -> list[StoredRequest]:
    """The requests `query` selects, each with the approvals given so far (one query for all,
    not one per request)."""
    rows = list(conn.execute(query).mappings())
    given: dict[str, list[str]] = defaultdict(list)
    if rows:
        # A subquery, not a list of refs: hundreds of pending requests stay one bound query.
        selected = select(query.subquery().c.ref)
        for ref, approver in conn.execute(
                select(approvals.c.ref, approvals.c.approver)
                .where(approvals.c.ref.in_(selected)).order_by(approvals.c.position)):
            given[ref].append(approver)
    return [stored_from_row(row, tuple(given[row["ref"]])) for row in rows]


# -- who has opened Home ---------------------------------------------------------------------

def home_opened(repo: Repository, user_id: str) -> None:
    with repo.transaction() as conn:
        if not insert_if_absent(conn, home_views, {"user_id": user_id,
                                                   "opened_at": repo.clock()}, ["user_id"]):
            conn.execute(update(home_views).where(home_views.c.user_id == user_id)
                         .values(opened_at=repo.clock()))


def home_viewers(repo: Repository, among: Iterable[str] | None = None) -> list[str]:
    """Who has opened Home (of `among`, when given), in a stable order."""
    query = select(home_views.c.user_id).order_by(home_views.c.user_id)
    if among is not None:
        query = query.where(home_views.c.user_id.in_(sorted(set(among))))
    with repo.engine.connect() as conn:
        return list(conn.execute(query).scalars())


def published_hash(repo: Repository, user_id: str) -> str | None:
    with repo.engine.connect() as conn:
        return conn.execute(select(home_views.c.view_hash)
                            .where(home_views.c.user_id == user_id)).scalar()


def home_published(repo: Repository, user_id: str, view_hash: str | None) -> None:
    """Keep the hash of the Home just published, for users who have opened Home."""
    with repo.transaction() as conn:
        conn.execute(update(home_views).where(home_views.c.user_id == user_id)
                     .values(published_at=repo.clock(), view_hash=view_hash))


def affected_by(repo: Repository, ref: str, approvers: Roster) -> list[str]:
    """Whose Home a change to request `ref` changes: its requester and the approvers, of those
    who have opened Home (the others' Home is published when they open it)."""
    stored = repo.get(ref)
    viewers = home_viewers(repo)
    return [user for user in viewers
            if (stored is not None and user == stored.requester_id) or approvers.includes(user)]
