"""Remember the Slack deliveries already handled, so a retry or a replay does nothing twice.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    # if_not_exists: a database made by create_all from a schema.py that already had it.
    op.create_table(
        "slack_deliveries",
        sa.Column("trigger_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("trigger_id"),
        if_not_exists=True,
    )
    op.create_index("ix_slack_deliveries_received_at", "slack_deliveries", ["received_at"],
                    if_not_exists=True)


def downgrade() -> None:
    op.drop_table("slack_deliveries")  # its index goes with it
