"""Re-key every request's transaction id with commands/transaction_key.py.

Before this revision the key was the id lower-cased, so "TXN-1", "TXN‐1" (U+2010) and "ＴＸＮ-１"
were three payments. Now they are one. Two live requests that were booked under such variants
would make the unique index fail; the oldest keeps the key, and each later one gets a key of
its own ending in "#<its ref>" plus an audit line naming the request it repeats, so the upgrade
never fails and a person can find the duplicate. Rejected requests are outside the index (they
free their id) and are simply re-keyed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# The live rule, not a copy: the keys stored here must be the ones the running bot computes.
# A later change to the rule needs its own re-keying revision, like this one.
from commands.transaction_key import KEY_LENGTH, transaction_key

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_REJECTED = sa.text("state != 'rejected'")
ACTOR = "migration 0003"

requests = sa.table(
    "requests",
    sa.column("id", sa.Integer()),
    sa.column("ref", sa.String()),
    sa.column("state", sa.String()),
    sa.column("payment_method", sa.String()),
    sa.column("transaction_key", sa.String()),
    sa.column("body", sa.JSON()),
)
audit_log = sa.table(
    "audit_log",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("ref", sa.String()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("detail", sa.JSON()),
)


def upgrade() -> None:
    rekey(op.get_bind(), actor=ACTOR)


def rekey(conn: sa.Connection, *, actor: str) -> None:
    """Give every request the key the live rule computes (later re-keying revisions call this
    too, under their own name in the audit log)."""
    rows = conn.execute(sa.select(requests).order_by(requests.c.id)).mappings().all()
    # Without the index, rows can be re-keyed one by one in any order; it comes back below, and
    # the whole revision is one transaction, so no request can slip in meanwhile unchecked.
    op.drop_index("uq_requests_payment", table_name="requests")
    holders: dict[tuple[str, str], str] = {}
    for row in rows:
        typed = (row["body"] or {}).get("transaction_id") or row["transaction_key"]
        key = transaction_key(str(typed))[:KEY_LENGTH]
        if row["state"] != "rejected":
            holder = holders.setdefault((row["payment_method"], key), row["ref"])
            if holder != row["ref"]:
                key = _duplicate_key(key, row["ref"])
                if key != row["transaction_key"]:  # not already known as a duplicate
                    _record_duplicate(conn, row["ref"], holder, str(typed), actor)
        if key != row["transaction_key"]:
            conn.execute(sa.update(requests).where(requests.c.id == row["id"])
                         .values(transaction_key=key))
    op.create_index("uq_requests_payment", "requests", ["payment_method", "transaction_key"],
                    unique=True, sqlite_where=NOT_REJECTED, postgresql_where=NOT_REJECTED)


def downgrade() -> None:
    # The old keys were the ids lower-cased; the suffixed duplicates keep their suffix so the
    # index still holds.
    conn = op.get_bind()
    rows = conn.execute(sa.select(requests)).mappings().all()
    op.drop_index("uq_requests_payment", table_name="requests")
    for row in rows:
        typed = str((row["body"] or {}).get("transaction_id") or row["transaction_key"])
        key = typed.lower()[:KEY_LENGTH]
        if row["transaction_key"].endswith("#" + row["ref"].lower()):
            key = _duplicate_key(key, row["ref"])
        conn.execute(sa.update(requests).where(requests.c.id == row["id"])
                     .values(transaction_key=key))
    op.create_index("uq_requests_payment", "requests", ["payment_method", "transaction_key"],
                    unique=True, sqlite_where=NOT_REJECTED, postgresql_where=NOT_REJECTED)


def _duplicate_key(key: str, ref: str) -> str:
    suffix = "#" + ref.lower()
    return key[: KEY_LENGTH - len(suffix)] + suffix


def _record_duplicate(conn: sa.Connection, ref: str, holder: str, typed: str,
                      actor: str) -> None:
    conn.execute(sa.insert(audit_log).values(
        at=datetime.now(UTC), ref=ref, actor=actor, action="duplicate_transaction_id",
        detail={"same_payment_as": holder, "transaction_id": typed},
    ))
