"""Reports: the tax of each recorded order (for the CSV export), and report failures (a summary
chart that could not be posted) for the next summary's "needs a person".

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    # A database made by create_all from a schema.py that already had them is left as it is
    # (SQLite has no ADD COLUMN IF NOT EXISTS).
    existing = sa.inspect(op.get_bind())
    if "order_tax" not in {c["name"] for c in existing.get_columns("requests")}:
        op.add_column("requests", sa.Column("order_tax", sa.Numeric(precision=14, scale=4),
                                            nullable=True))
    if not existing.has_table("report_failures"):
        op.create_table(
            "report_failures",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("at", UTC, nullable=False),
            sa.Column("report", sa.String(length=32), nullable=False),
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("error", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_report_failures_at", "report_failures", ["at"])


def downgrade() -> None:
    op.drop_index("ix_report_failures_at", table_name="report_failures")
    op.drop_table("report_failures")
    op.drop_column("requests", "order_tax")
