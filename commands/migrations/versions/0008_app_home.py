"""Remember who has opened the bot's Home tab, so a decision republishes the Homes it changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    # if_not_exists: a database made by create_all from a schema.py that already had it.
    op.create_table(
        "home_views",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("published_at", UTC),
        sa.Column("view_hash", sa.String(length=64)),
        sa.PrimaryKeyConstraint("user_id"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("home_views")
