"""Index the unfinished outbox jobs by request, for claim_jobs' "earlier job of this request?".

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("done_at IS NULL")


def upgrade() -> None:
    # if_not_exists: a database made by create_all from a schema.py that already had it.
    op.create_index("ix_outbox_pending_ref", "outbox", ["ref", "id"], if_not_exists=True,
                    sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade() -> None:
    op.drop_index("ix_outbox_pending_ref", table_name="outbox")
