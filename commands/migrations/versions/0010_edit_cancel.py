"""Edit and Cancel: a cancelled request frees its transaction id as rejected and expired ones
do, and a request remembers when its requester last edited it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOLDS_PAYMENT = sa.text("state NOT IN ('rejected', 'expired', 'cancelled')")
HELD_BEFORE = sa.text("state NOT IN ('rejected', 'expired')")

requests = sa.table(
    "requests",
    sa.column("state", sa.String()),
    sa.column("reject_reason", sa.Text()),
)


def upgrade() -> None:
    # A database made by create_all from a schema.py that already had it is left as it is
    # (SQLite has no ADD COLUMN IF NOT EXISTS).
    existing = sa.inspect(op.get_bind())
    if "edited_at" not in {c["name"] for c in existing.get_columns("requests")}:
        op.add_column("requests", sa.Column("edited_at", sa.DateTime(timezone=True)))
    _payment_index(HOLDS_PAYMENT)


def downgrade() -> None:
    # The older bot knows no "cancelled" state: such a request becomes a rejected one, which
    # frees its transaction id the same way, so the narrower index still holds.
    op.execute(sa.update(requests).where(requests.c.state == "cancelled")
               .values(state="rejected", reject_reason="Cancelled by the requester."))
    _payment_index(HELD_BEFORE)
    op.drop_column("requests", "edited_at")


def _payment_index(where: sa.TextClause) -> None:
    op.drop_index("uq_requests_payment", table_name="requests")
    op.create_index("uq_requests_payment", "requests", ["payment_method", "transaction_key"],
                    unique=True, sqlite_where=where, postgresql_where=where)
