"""Initial schema: requests, audit log, outbox, shipments, summary runs, webhook events, cursors.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# commands.schema.UTCDateTime stores this; migrations keep their own copy of every type so
# that later changes to the schema module cannot rewrite history.
UTC = sa.DateTime(timezone=True)
NOT_REJECTED = sa.text("state != 'rejected'")


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requester_id", sa.String(length=32), nullable=False),
        sa.Column("origin_channel", sa.String(length=32), nullable=True),
        sa.Column("payment_method", sa.String(length=64), nullable=False),
        sa.Column("transaction_key", sa.String(length=128), nullable=False),
        sa.Column("amount_paid", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("catalog_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("card_channel", sa.String(length=32), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("order_status_id", sa.Integer(), nullable=True),
        sa.Column("order_status", sa.String(length=64), nullable=True),
        sa.Column("order_total", sa.Numeric(precision=14, scale=4), nullable=True),
        sa.Column("order_currency", sa.String(length=3), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    op.create_index("uq_requests_payment", "requests", ["payment_method", "transaction_key"],
                    unique=True, sqlite_where=NOT_REJECTED, postgresql_where=NOT_REJECTED)
    op.create_index("ix_requests_state", "requests", ["state"])
    op.create_index("ix_requests_order_id", "requests", ["order_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_ref", "audit_log", ["ref"])
    op.create_index("ix_audit_at", "audit_log", ["at"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("run_after", UTC, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", UTC, nullable=True),
        sa.Column("done_at", UTC, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_due", "outbox", ["done_at", "run_after"])

    op.create_table(
        "shipments",
        sa.Column("shipment_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("tracking_link", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("seen_at", UTC, nullable=False),
        sa.Column("reply_ts", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("shipment_id"),
    )
    op.create_index("ix_shipments_ref", "shipments", ["ref"])

    op.create_table(
        "summary_runs",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", UTC, nullable=False),
        sa.Column("posted_at", UTC, nullable=True),
        sa.Column("slack_ts", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("day"),
    )

    op.create_table(
        "webhook_events",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("received_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("hash"),
    )

    op.create_table(
        "cursors",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    for table in ("cursors", "webhook_events", "summary_runs", "shipments", "outbox",
                  "audit_log", "requests"):
        op.drop_table(table)  # their indexes go with them
