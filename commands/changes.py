"""The requester's own changes to a pending request: Edit and Cancel.

Both are transitions of a pending request, written like a decision's: the request's row is
locked first (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's write transactions are serialised
already), so an approval, a rejection, an expiry, an edit and a cancel racing each other leave
exactly one outcome. Each writes its audit line and card update in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update

from commands.approvals import EditedSince, approvers_of
from commands.models import OrderRequest, RequestState
from commands.repository import (
    Outbox,
    Repository,
    StoredRequest,
    booking,
    request_columns,
    request_facts,
    stored_from_row,
)
from commands.schema import approvals, requests


def version_text(edited_at: datetime | None) -> str:
    """A request's version as a button or a form carries it: its last edit ("" for none)."""
    return edited_at.isoformat() if edited_at else ""


def read_version(text: str) -> datetime | None:
    """The version `version_text` wrote (None: not edited). Text that is not one names a
    version no request has, so whatever it came with is refused as out of date."""
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def edit(repo: Repository, ref: str, requester: str, request: OrderRequest, *,
         approvals_needed: int, seen: datetime | None = None) -> StoredRequest | None:
    """Put `request` in place of what the pending request `ref` asked, keeping its reference
    and card; any approval given so far is cleared, since it approved something else. None
    when the request is no longer pending (or is not `requester`'s).

    `seen` is the request's last edit as the form being saved saw it (None: not edited yet);
    a request edited since then raises EditedSince, so an older form never overwrites a
    newer one."""
    now = repo.clock()
    with booking(request.transaction_id), repo.transaction() as conn:
        before = _pending(conn, ref, requester)
        if before is None:
            return None
        if before.edited_at != seen:
            raise EditedSince(ref)
        request = _keeping_shared_links(request, before.body)
        cleared = approvers_of(conn, ref)
        conn.execute(delete(approvals).where(approvals.c.ref == ref))
        row = conn.execute(
            update(requests).where(requests.c.ref == ref).values(
                edited_at=now, updated_at=now, **request_columns(request, approvals_needed),
            ).returning(*requests.c)
        ).mappings().one()
        repo.audit(conn, ref, requester, "edited", {
            **request_facts(request, approvals_needed),
            "approvals_cleared": list(cleared),
            # What the request said before, so the record keeps what a cleared approval was
            # given for (the request's row now holds only the new version).
            "replaced": before.body,
        })
        repo.enqueue(conn, ref, Outbox.UPDATE_CARD)
        if request.proof and row["body"].get("proof") != (before.body or {}).get("proof"):
            repo.enqueue(conn, ref, Outbox.COPY_PROOF)  # the newly attached files
    return stored_from_row(row)


def cancel(repo: Repository, ref: str, requester: str) -> StoredRequest | None:
    """pending → cancelled by its requester, which frees its transaction id; None when the
    request is no longer pending (or is not `requester`'s)."""
    with repo.transaction() as conn:
        if _pending(conn, ref, requester) is None:
            return None
        now = repo.clock()
        row = conn.execute(
            update(requests).where(requests.c.ref == ref)
            .values(state=RequestState.CANCELLED, decided_by=requester, decided_at=now,
                    updated_at=now)
            .returning(*requests.c)
        ).mappings().one()
        given = approvers_of(conn, ref)
        repo.audit(conn, ref, requester, "cancelled", {"approvals_given": list(given)})
        repo.enqueue(conn, ref, Outbox.UPDATE_CARD)
        return stored_from_row(row, given)


def _keeping_shared_links(request: OrderRequest, before: Any) -> OrderRequest:
    """`request` with the thread copies' links the stored version knew for the same files (a
    copy may have been linked after the edit form read the request)."""
    known = {f.id: f.shared_link for f in OrderRequest.model_validate(before).proof}
    proof = tuple(f.model_copy(update={"shared_link": known[f.id]})
                  if not f.shared_link and known.get(f.id) else f for f in request.proof)
    return request if proof == request.proof else request.model_copy(update={"proof": proof})


def _pending(conn: Connection, ref: str, requester: str) -> Any:
    """The row of `requester`'s pending request `ref`, locked until the transaction ends."""
    return conn.execute(
        select(requests.c.id, requests.c.edited_at, requests.c.body)
        .where(requests.c.ref == ref, requests.c.state == RequestState.PENDING,
               requests.c.requester_id == requester)
        .with_for_update()
    ).first()
