"""Follow-through on requests nobody decides: reminders in the card's thread, then expiry.

Everything is computed from stored times (the request's `created_at`), never from timers held in
memory, so a restart neither loses nor repeats anything, and each step is claimed in the database
so that several replicas doing the same pass do it once:

- reminder *n* is due `n × remind_every` after the request was made, for n = 1 … 3, and never at
  or after its expiry. Its row in `reminders` is inserted by exactly one caller (`INSERT … ON
  CONFLICT DO NOTHING RETURNING`), in the transaction that writes its outbox job and audit line.
  A pass that finds several due (the bot was down) claims only the latest: a late reminder says
  the same as the ones it replaces, and three at once would be noise;
- expiry is the conditional UPDATE pending → expired (`expire`), the same kind of transition as
  an approval's, so an approval racing it either wins or loses as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from commands.claims import insert_if_absent
from commands.models import RequestState
from commands.repository import Outbox, Repository
from commands.schema import reminders, requests

MAX_REMINDERS = 3
ACTOR = "paidorder"


@dataclass(frozen=True)
class Timing:
    """PAIDORDER_REMIND_AFTER and PAIDORDER_EXPIRE_AFTER; None is `off`."""

    remind_every: timedelta | None
    expire_after: timedelta | None

    @property
    def off(self) -> bool:
        return self.remind_every is None and self.expire_after is None


@dataclass(frozen=True)
class Reminder:
    ref: str
    number: int
    waited: timedelta  # from the request to the moment the reminder fell due


@dataclass
class Pass:
    """What one pass claimed: reminders to post and requests it expired."""

    reminders: list[tuple[str, int]] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)


def follow_through(repo: Repository, timing: Timing, *, now: datetime, claimer: str) -> Pass:
    """Expire what is overdue, then claim the reminders that are due, as of `now`."""
    done = Pass()
    if timing.expire_after is not None:
        done.expired = expire_overdue(repo, timing.expire_after, now=now)
    if timing.remind_every is not None:
        done.reminders = claim_due_reminders(repo, timing, now=now, claimer=claimer)
    return done


def expire_overdue(repo: Repository, after: timedelta, *, now: datetime) -> list[str]:
    overdue = (select(requests.c.ref, requests.c.created_at)
               .where(requests.c.state == RequestState.PENDING,
                      requests.c.created_at <= now - after)
               .order_by(requests.c.created_at))
    with repo.engine.connect() as conn:
        rows = conn.execute(overdue).all()
    # The deadline, not the moment of this pass, is when it expired: the card then says how
    # long it waited by the rule, whenever the pass ran.
    return [ref for ref, created in rows if expire(repo, ref, deadline=created + after)]


def expire(repo: Repository, ref: str, *, deadline: datetime) -> bool:
    """pending → expired at `deadline`; False when a decision came first (or is being counted:
    an approval holds the request's row until it commits)."""
    with repo.transaction() as conn:
        won = conn.execute(
            update(requests)
            .where(requests.c.ref == ref, requests.c.state == RequestState.PENDING)
            .values(state=RequestState.EXPIRED, decided_at=deadline, updated_at=repo.clock())
            .returning(requests.c.id)).first()
        if won:
            repo.audit(conn, ref, ACTOR, "expired", {"deadline": deadline.isoformat()})
            repo.enqueue(conn, ref, Outbox.UPDATE_CARD)
            repo.enqueue(conn, ref, Outbox.NOTIFY_REQUESTER)
    return won is not None


def latest_due(waited: timedelta, timing: Timing) -> int:
    """The number of the latest reminder due after `waited` (0: none yet, or never)."""
    if timing.remind_every is None:
        return 0
    number = min(MAX_REMINDERS, waited // timing.remind_every)
    if timing.expire_after is not None:
        # A reminder due at or after the expiry would remind about a request that is gone.
        before_expiry = -(-timing.expire_after // timing.remind_every) - 1
        number = min(number, before_expiry)
    return max(number, 0)


def claim_due_reminders(repo: Repository, timing: Timing, *, now: datetime,
                        claimer: str) -> list[tuple[str, int]]:
    assert timing.remind_every is not None
    # Per waiting request, through the primary key: the table keeps every reminder ever sent.
    claimed = (select(func.max(reminders.c.number)).where(reminders.c.ref == requests.c.ref)
               .scalar_subquery())
    waiting = (select(requests.c.ref, requests.c.created_at, claimed)
               .where(requests.c.state == RequestState.PENDING,
                      requests.c.created_at <= now - timing.remind_every)
               .order_by(requests.c.created_at))
    with repo.engine.connect() as conn:
        rows = conn.execute(waiting).all()
    won = []
    for ref, created, latest_claimed in rows:
        number = latest_due(now - created, timing)
        if number > (latest_claimed or 0) and claim_reminder(
                repo, ref, number, due_at=created + number * timing.remind_every,
                claimer=claimer):
            won.append((ref, number))
    return won


def claim_reminder(repo: Repository, ref: str, number: int, *, due_at: datetime,
                   claimer: str) -> bool:
    """True for the one caller that should post reminder `number` of `ref`."""
    with repo.transaction() as conn:
        if not insert_if_absent(conn, reminders, {
                "ref": ref, "number": number, "due_at": due_at, "claimed_by": claimer,
                "claimed_at": repo.clock()}, ["ref", "number"]):
            return False
        repo.audit(conn, ref, ACTOR, "reminder_due", {"number": number})
        repo.enqueue(conn, ref, Outbox.POST_REMINDER)
    return True


def open_reminders(repo: Repository, ref: str) -> list[Reminder]:
    """Claimed reminders of `ref` not yet posted or dropped, oldest first."""
    query = (select(reminders.c.number, reminders.c.due_at, requests.c.created_at)
             .join(requests, requests.c.ref == reminders.c.ref)
             .where(reminders.c.ref == ref, reminders.c.done_at.is_(None))
             .order_by(reminders.c.number))
    with repo.engine.connect() as conn:
        return [Reminder(ref, number, due - created)
                for number, due, created in conn.execute(query)]


def reminder_posted(repo: Repository, reminder: Reminder, slack_ts: str) -> None:
    _finish(repo, reminder, "reminder_posted", {"ts": slack_ts}, slack_ts=slack_ts)


def reminder_dropped(repo: Repository, reminder: Reminder, why: str) -> None:
    """Never posted: the request was decided first, or a later reminder says it instead."""
    _finish(repo, reminder, "reminder_dropped", {"why": why}, slack_ts=None)


def _finish(repo: Repository, reminder: Reminder, action: str, detail: dict[str, str], *,
            slack_ts: str | None) -> None:
    with repo.transaction() as conn:
        finished = conn.execute(
            update(reminders)
            .where(reminders.c.ref == reminder.ref, reminders.c.number == reminder.number,
                   reminders.c.done_at.is_(None))
            .values(done_at=repo.clock(), slack_ts=slack_ts)
            .returning(reminders.c.number)).first()
        if finished:
            repo.audit(conn, reminder.ref, "slack" if slack_ts else ACTOR, action,
                       {"number": reminder.number, **detail})
