"""How many approvals a request needs, and counting one so that exactly one reaches the number.

An approval locks the request's row first: on PostgreSQL a second approver's transaction waits
there and then sees the first one's approval, so two approvals given at the same moment count
as two and only the second moves the request on. SQLite's write transactions are serialised
already (BEGIN IMMEDIATE, commands/database.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select

from commands.models import RequestState
from commands.schema import approvals, requests


def approvals_needed(amount_paid: Decimal, second_approval_over: Decimal | None) -> int:
    """Two different approvers at or above the threshold (unset: never), else one."""
    if second_approval_over is not None and amount_paid >= second_approval_over:
        return 2
    return 1


@dataclass(frozen=True)
class Counted:
    """An approval just recorded: the `given`-th of the `needed`, on the request `row`."""

    row: Any
    given: int
    needed: int

    @property
    def enough(self) -> bool:
        return self.given >= self.needed


class EditedSince(Exception):
    """The request was edited after the version a click or a form was made on: what it
    approves, or would overwrite, is no longer what the request says."""


def count_approval(conn: Connection, ref: str, approver: str, *, at: datetime,
                   seen: datetime | None = None) -> Counted | None:
    """Record `approver`'s approval of the pending request `ref`; None when it is no longer
    pending or `approver` has already approved it. `seen` is the request's last edit as the
    approver was shown it (None: not edited); a later edit raises EditedSince."""
    row = conn.execute(
        select(requests).where(requests.c.ref == ref, requests.c.state == RequestState.PENDING)
        .with_for_update()
    ).mappings().first()
    if row is None:
        return None
    if row["edited_at"] != seen:
        raise EditedSince(ref)
    given = approvers_of(conn, ref)
    if approver in given:
        return None
    conn.execute(insert(approvals).values(ref=ref, approver=approver, position=len(given) + 1,
                                          approved_at=at))
    return Counted(row, len(given) + 1, row["approvals_needed"])


def approvers_of(conn: Connection, ref: str) -> tuple[str, ...]:
    """Who approved `ref`, first approval first."""
    return tuple(conn.execute(
        select(approvals.c.approver).where(approvals.c.ref == ref)
        .order_by(approvals.c.position)
    ).scalars())
