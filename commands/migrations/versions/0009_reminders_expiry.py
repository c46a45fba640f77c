"""Reminders and expiry: a table that claims each reminder once, and expired requests free their
transaction id as rejected ones do.

It comes after the re-keying revisions (0003, 0006): their `rekey` rebuilds the payment index
as it stood then, excluding only rejected requests.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
HOLDS_PAYMENT = sa.text("state NOT IN ('rejected', 'expired')")
NOT_REJECTED = sa.text("state != 'rejected'")

requests = sa.table(
    "requests",
    sa.column("state", sa.String()),
    sa.column("reject_reason", sa.Text()),
)


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", UTC, nullable=False),
        sa.Column("done_at", UTC, nullable=True),
        sa.Column("slack_ts", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("ref", "number"),
        if_not_exists=True,
    )
    _payment_index(HOLDS_PAYMENT)


def downgrade() -> None:
    # The older bot knows no "expired" state: such a request becomes a rejected one, which
    # frees its transaction id the same way, so the narrower index still holds.
    op.execute(sa.update(requests).where(requests.c.state == "expired")
               .values(state="rejected", reject_reason="Expired without a decision."))
    _payment_index(NOT_REJECTED)
    op.drop_table("reminders")


def _payment_index(where: sa.TextClause) -> None:
    op.drop_index("uq_requests_payment", table_name="requests")
    op.create_index("uq_requests_payment", "requests", ["payment_method", "transaction_key"],
                    unique=True, sqlite_where=where, postgresql_where=where)
