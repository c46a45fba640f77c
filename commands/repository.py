"""Persistence: requests, decisions, orders, the audit log and the outbox, on SQLAlchemy Core.

Every state change is a conditional UPDATE that only one caller can win, and it writes its audit
line and its follow-up work (outbox) in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from commands import migrations
from commands.approvals import approvers_of, count_approval
from commands.bigcommerce_answers import Order
from commands.database import check_in_time
from commands.database import connect as connect  # where callers have always found it
from commands.models import RELEASES_PAYMENT, OrderRequest, RequestState
from commands.outbox import Outbox as Outbox  # where callers have always found it
from commands.outbox import lane
from commands.schema import audit_log, outbox, requests
from commands.transaction_key import transaction_key

Clock = Callable[[], datetime]
_REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: refs get read aloud


def utcnow() -> datetime:
    return datetime.now(UTC)


class PaymentAlreadyBooked(Exception):
    """The same payment method and transaction id are on another live request."""


@contextmanager
def booking(transaction_id: str) -> Iterator[None]:
    """A write that would book a payment another live request holds: the payment index
    refuses it, and that is PaymentAlreadyBooked."""
    try:
        yield
    except IntegrityError as exc:
        if "uq_requests_payment" in str(exc.orig) or "transaction_key" in str(exc.orig):
            raise PaymentAlreadyBooked(transaction_id) from exc
        raise


@dataclass(frozen=True)
class StoredRequest:
    ref: str
    state: RequestState
    requester_id: str
    origin_channel: str | None
    request: OrderRequest
    currency: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reject_reason: str | None
    card_channel: str | None
    card_ts: str | None
    order_id: int | None
    order_status_id: int | None
    order_status: str | None
    order_total: Decimal | None
    order_currency: str | None
    problem: str | None
    approvals_needed: int = 1
    approvers: tuple[str, ...] = ()  # who approved so far, first approval first
    edited_at: datetime | None = None  # the requester's last Edit


@dataclass(frozen=True)
class Job:
    id: int
    ref: str
    kind: str
    attempts: int


class Repository:
    def __init__(self, engine: Engine, *, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def create_schema(self) -> None:
        """Migrate the database to the newest schema revision (creating it when empty)."""
        migrations.upgrade_to_head(self.engine)

    def pending_migrations(self) -> list[str]:
        """Schema revisions this database still lacks, oldest first; [] when up to date."""
        return migrations.pending(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn
            check_in_time()

    # -- requests -------------------------------------------------------------------------

    def payment_booked(self, payment_method: str, transaction_id: str, *,
                       besides: str | None = None) -> bool:  # besides: the one being edited
        query = select(
            exists().where(
                requests.c.payment_method == payment_method,
                requests.c.transaction_key == transaction_key(transaction_id),
                requests.c.state.not_in(RELEASES_PAYMENT),
                requests.c.ref != (besides or ""),
            )
        )
        with self.engine.connect() as conn:
            return bool(conn.execute(query).scalar())

    def add_request(
        self, request: OrderRequest, *, requester_id: str, origin_channel: str | None,
        currency: str, approvals_needed: int = 1,
    ) -> StoredRequest:
        now = self.clock()
        ref = new_ref()
        with booking(request.transaction_id), self.transaction() as conn:
            # RETURNING, not a read after the commit: a read that failed then would report
            # a stored request as not stored.
            row = conn.execute(insert(requests).values(
                ref=ref, state=RequestState.PENDING, requester_id=requester_id,
                origin_channel=origin_channel, currency=currency, created_at=now,
                updated_at=now, **request_columns(request, approvals_needed),
            ).returning(*requests.c)).mappings().one()
            self.audit(conn, ref, requester_id, "submitted",
                       request_facts(request, approvals_needed))
            self.enqueue(conn, ref, Outbox.POST_CARD)
        return stored_from_row(row)

    def get(self, ref: str) -> StoredRequest | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(requests).where(requests.c.ref == ref)).mappings().first()
            return stored_from_row(row, approvers_of(conn, ref)) if row else None

    def by_order_id(self, order_id: int) -> StoredRequest | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(requests).where(requests.c.order_id == order_id)
            ).mappings().first()
            return stored_from_row(row, approvers_of(conn, row["ref"])) if row else None

    def any_request_before(self, moment: datetime) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(select(exists().where(requests.c.created_at < moment)))
                        .scalar())

    def enqueue_now(self, ref: str, kind: str, *, delay: timedelta = timedelta(0)) -> None:
        with self.transaction() as conn:
            self.enqueue(conn, ref, kind, delay=delay)

    def approve(self, ref: str, approver: str, *, seen: datetime | None = None
                ) -> StoredRequest | None:
        """Count `approver`'s approval; the one that reaches the number the request needs moves
        it pending → approved. None when it was already decided or `approver` had already
        approved it; EditedSince when edited after `seen`, the version the approver saw."""
        with self.transaction() as conn:
            counted = count_approval(conn, ref, approver, at=self.clock(), seen=seen)
            if counted is None:
                return None
            self.audit(conn, ref, approver, "approved",
                       {"approval": counted.given, "of": counted.needed})
            self.enqueue(conn, ref, Outbox.UPDATE_CARD)
            row = counted.row
            if counted.enough:
                row = self._transition(conn, ref, RequestState.PENDING, RequestState.APPROVED,
                                       decided_by=approver, decided_at=self.clock())
                if row is None:  # the row is locked by count_approval: nobody can get here
                    raise RuntimeError(f"{ref} changed while its approval was being counted")
                self.enqueue(conn, ref, Outbox.CREATE_ORDER)
            return stored_from_row(row, approvers_of(conn, ref))

    def reject(self, ref: str, approver: str, reason: str) -> StoredRequest | None:
        """pending → rejected, or None when the request was already decided."""
        with self.transaction() as conn:
            won = self._transition(conn, ref, RequestState.PENDING, RequestState.REJECTED,
                                   decided_by=approver, decided_at=self.clock(),
                                   reject_reason=reason)
            if won:
                self.audit(conn, ref, approver, "rejected", {"reason": reason})
                self.enqueue(conn, ref, Outbox.UPDATE_CARD)
                self.enqueue(conn, ref, Outbox.NOTIFY_REQUESTER)
            return stored_from_row(won, approvers_of(conn, ref)) if won else None

    def record_order(self, ref: str, order: Order, *, adopted: bool) -> bool:
        """approved → ordered with BigCommerce's order; False if it was already recorded."""
        with self.transaction() as conn:
            won = self._transition(
                conn, ref, RequestState.APPROVED, RequestState.ORDERED,
                order_id=order.id, order_status_id=order.status_id, order_status=order.status,
                order_total=order.total_inc_tax, order_currency=order.currency_code,
                order_tax=order.total_tax,
                problem=None,
            )
            if won:
                self.audit(conn, ref, "bigcommerce", "order_adopted" if adopted else
                           "order_created", {"order_id": order.id,
                                             "status_id": order.status_id})
                self.enqueue(conn, ref, Outbox.UPDATE_CARD)
                self.enqueue(conn, ref, Outbox.NOTIFY_REQUESTER)
        return won is not None

    def record_failure(self, ref: str, problem: str) -> bool:
        """approved → failed: BigCommerce refused the order and a person must look."""
        with self.transaction() as conn:
            won = self._transition(conn, ref, RequestState.APPROVED, RequestState.FAILED,
                                   problem=problem)
            if won:
                self.audit(conn, ref, "bigcommerce", "order_failed", {"problem": problem})
                self.enqueue(conn, ref, Outbox.UPDATE_CARD)
                self.enqueue(conn, ref, Outbox.NOTIFY_REQUESTER)
        return won is not None

    def note_problem(self, ref: str, problem: str | None) -> None:
        """Remember (or clear) a transient problem shown on the card, without a state change;
        the card is updated when the problem is new."""
        with self.transaction() as conn:
            changed = conn.execute(
                update(requests)
                .where(requests.c.ref == ref, requests.c.problem.is_distinct_from(problem))
                .values(problem=problem, updated_at=self.clock())
                .returning(requests.c.id)
            ).first()
            if changed:
                self.audit(conn, ref, "bigcommerce", "problem", {"problem": problem})
                self.enqueue(conn, ref, Outbox.UPDATE_CARD)

    def set_card(self, ref: str, channel: str, ts: str, *, adopted: bool = False) -> bool:
        """Record the request's card; False when another card was recorded first."""
        with self.transaction() as conn:
            won = conn.execute(update(requests)
                               .where(requests.c.ref == ref, requests.c.card_ts.is_(None))
                               .values(card_channel=channel, card_ts=ts, updated_at=self.clock())
                               .returning(requests.c.id, requests.c.body)).first()
            if won:
                self.audit(conn, ref, "slack", "card_adopted" if adopted else "card_posted",
                           {"channel": channel, "ts": ts})
                if (won.body or {}).get("proof"):  # its thread exists now
                    self.enqueue(conn, ref, Outbox.COPY_PROOF)
        return won is not None

    def _transition(
        self, conn: Connection, ref: str, from_state: RequestState, to_state: RequestState,
        **values: Any,
    ) -> Any:
        """The request's new row if this caller moved it from `from_state`, else None."""
        return conn.execute(
            update(requests)
            .where(requests.c.ref == ref, requests.c.state == from_state)
            .values(state=to_state, updated_at=self.clock(), **values)
            .returning(*requests.c)
        ).mappings().first()

    # -- audit ----------------------------------------------------------------------------

    def audit(self, conn: Connection, ref: str, actor: str, action: str,
              detail: dict[str, Any]) -> None:
        conn.execute(insert(audit_log).values(
            at=self.clock(), ref=ref, actor=actor, action=action, detail=detail))

    def record_event(self, ref: str, actor: str, action: str, detail: dict[str, Any]) -> None:
        with self.transaction() as conn:
            self.audit(conn, ref, actor, action, detail)

    def audit_trail(self, *, since: datetime | None = None,
                    ref: str | None = None) -> list[dict[str, Any]]:
        query = select(audit_log).order_by(audit_log.c.id)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if ref is not None:
            query = query.where(audit_log.c.ref == ref)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    # -- outbox ---------------------------------------------------------------------------

    def enqueue(self, conn: Connection, ref: str, kind: str, *,
                delay: timedelta = timedelta(0)) -> None:
        now = self.clock()
        conn.execute(insert(outbox).values(ref=ref, kind=kind, created_at=now,
                                           run_after=now + delay, attempts=0))

    def claim_jobs(self, worker: str, *, lease: timedelta, limit: int = 10) -> list[Job]:
        """Take up to `limit` due jobs nobody holds; a dead worker's lease runs out."""
        now = self.clock()
        earlier = outbox.alias("earlier")
        # One job at a time per request and lane, in the order they were written: the card is
        # never updated before it is posted and an old state never overwrites a newer one,
        # while a Slack job that keeps failing cannot hold back the BigCommerce order.
        first_of_its_request = ~exists().where(
            earlier.c.ref == outbox.c.ref, earlier.c.done_at.is_(None),
            earlier.c.id < outbox.c.id, lane(earlier.c.kind) == lane(outbox.c.kind))
        free = (outbox.c.done_at.is_(None) & (outbox.c.run_after <= now)
                & (outbox.c.claimed_until.is_(None) | (outbox.c.claimed_until < now))
                & first_of_its_request)
        due = select(outbox.c.id).where(free).order_by(outbox.c.id).limit(limit)
        with self.transaction() as conn:
            # The outer WHERE repeats the test: on PostgreSQL a row another worker claimed in
            # the meantime is re-checked after its lock is released and then skipped.
            rows = conn.execute(
                update(outbox).where(outbox.c.id.in_(due.scalar_subquery()), free)
                .values(claimed_by=worker, claimed_until=now + lease,
                        attempts=outbox.c.attempts + 1)
                .returning(outbox.c.id, outbox.c.ref, outbox.c.kind, outbox.c.attempts)
            ).all()
        return sorted((Job(r.id, r.ref, r.kind, r.attempts) for r in rows), key=lambda j: j.id)

    def extend_lease(self, worker: str, job_ids: list[int], lease: timedelta) -> None:
        if not job_ids:
            return
        with self.transaction() as conn:
            conn.execute(update(outbox).where(outbox.c.id.in_(job_ids),
                                              outbox.c.claimed_by == worker,
                                              outbox.c.done_at.is_(None))
                         .values(claimed_until=self.clock() + lease))

    def finish_job(self, job: Job) -> None:
        with self.transaction() as conn:
            conn.execute(update(outbox).where(outbox.c.id == job.id)
                         .values(done_at=self.clock(), last_error=None))

    def retry_job(self, job: Job, error: str, delay: timedelta) -> None:
        with self.transaction() as conn:
            conn.execute(update(outbox).where(outbox.c.id == job.id).values(
                claimed_by=None, claimed_until=None, last_error=error[:2000],
                run_after=self.clock() + delay))

    def pending_jobs(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(
                select(outbox).where(outbox.c.done_at.is_(None)).order_by(outbox.c.id)
            ).mappings()]


def request_columns(request: OrderRequest, approvals_needed: int) -> dict[str, Any]:
    """The row's columns that come from what the request asks (on submission and on Edit)."""
    return dict(payment_method=request.payment_method,
                transaction_key=transaction_key(request.transaction_id),
                # The column keeps its first name; it holds the card's total.
                amount_paid=request.amount_paid, catalog_total=request.total,
                body=request.model_dump(mode="json"), approvals_needed=approvals_needed)


def request_facts(request: OrderRequest, approvals_needed: int) -> dict[str, Any]:
    """What the audit line of a submission or an edit says the request asks."""
    return {"payment_method": request.payment_method,
            "transaction_id": request.transaction_id,
            "amount_paid": str(request.amount_paid), "total": str(request.total),
            "approvals_needed": approvals_needed}


def new_ref() -> str:
    return "PO-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


def stored_from_row(row: Any, approvers: tuple[str, ...] = ()) -> StoredRequest:
    return StoredRequest(
        ref=row["ref"],
        state=RequestState(row["state"]),
        requester_id=row["requester_id"],
        origin_channel=row["origin_channel"],
        request=OrderRequest.model_validate(row["body"]),
        currency=row["currency"] or "",
        created_at=row["created_at"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        reject_reason=row["reject_reason"],
        card_channel=row["card_channel"],
        card_ts=row["card_ts"],
        order_id=row["order_id"],
        order_status_id=row["order_status_id"],
        order_status=row["order_status"],
        order_total=row["order_total"],
        order_currency=row["order_currency"],
        problem=row["problem"],
        approvals_needed=row["approvals_needed"],
        approvers=approvers,
        edited_at=row["edited_at"],
    )
