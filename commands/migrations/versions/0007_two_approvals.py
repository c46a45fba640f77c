"""Two approvals: each approval is recorded, and a request keeps how many it needs.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    # A database made by create_all from a schema.py that already had them is left as it is
    # (SQLite has no ADD COLUMN IF NOT EXISTS). Requests stored before this needed one approval.
    existing = sa.inspect(op.get_bind())
    if "approvals_needed" not in {c["name"] for c in existing.get_columns("requests")}:
        op.add_column("requests", sa.Column("approvals_needed", sa.Integer(), nullable=False,
                                            server_default="1"))
    op.create_table(
        "approvals",
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("approver", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("approved_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("ref", "approver"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("approvals")
    op.drop_column("requests", "approvals_needed")
