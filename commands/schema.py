"""The database tables. One module, so the whole schema reads at a glance."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
)

from commands.models import RELEASES_PAYMENT


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out. SQLite keeps no offset, so it is normalised here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

requests = Table(
    "requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ref", String(32), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("requester_id", String(32), nullable=False),
    Column("origin_channel", String(32)),
    Column("payment_method", String(64), nullable=False),
    # The transaction id folded by commands/transaction_key.py: "TXN-1", "txn‐1" and "ＴＸＮ－１"
    # are the same payment. The id as typed is in `body`.
    Column("transaction_key", String(128), nullable=False),
    Column("amount_paid", Numeric(14, 2), nullable=False),
    Column("catalog_total", Numeric(14, 2), nullable=False),
    Column("currency", String(3), nullable=False, default=""),
    Column("body", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("decided_by", String(32)),
    Column("decided_at", UTCDateTime),
    Column("reject_reason", Text),
    Column("card_channel", String(32)),
    Column("card_ts", String(32)),
    Column("order_id", Integer),
    Column("order_status_id", Integer),
    Column("order_status", String(64)),
    Column("order_total", Numeric(14, 4)),
    Column("order_currency", String(3)),
    Column("problem", Text),
    Column("order_tax", Numeric(14, 4)),
    # Fixed at submission from the amount paid, so changing the threshold later leaves pending
    # requests as they were.
    Column("approvals_needed", Integer, nullable=False, server_default="1"),
    # When the requester last changed the request with Edit (which clears its approvals).
    Column("edited_at", UTCDateTime),
)

# The same payment can never be booked twice; a rejected, expired or cancelled request frees
# its transaction id so a corrected or repeated request can use it.
_HOLDS_PAYMENT = requests.c.state.not_in([state.value for state in RELEASES_PAYMENT])
Index(
    "uq_requests_payment",
    requests.c.payment_method,
    requests.c.transaction_key,
    unique=True,
    sqlite_where=_HOLDS_PAYMENT,
    postgresql_where=_HOLDS_PAYMENT,
)
Index("ix_requests_state", requests.c.state)
Index("ix_requests_order_id", requests.c.order_id)

# Each approval of a request, one per approver: the key makes a second one by the same person
# impossible, whatever the clicks race.
approvals = Table(
    "approvals",
    metadata,
    Column("ref", String(32), primary_key=True),
    Column("approver", String(32), primary_key=True),
    # 1 for the first approval, 2 for the second: the order they were counted in.
    Column("position", Integer, nullable=False),
    Column("approved_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("ref", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(48), nullable=False),
    Column("detail", JSON, nullable=False),
)
Index("ix_audit_ref", audit_log.c.ref)
Index("ix_audit_at", audit_log.c.at)

# Work to do after a state change, written in the same transaction so a crash cannot lose it.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ref", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("run_after", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(64)),
    Column("claimed_until", UTCDateTime),
    Column("done_at", UTCDateTime),
    Column("last_error", Text),
)
Index("ix_outbox_due", outbox.c.done_at, outbox.c.run_after)
# Claiming asks "is there an earlier unfinished job for this request?" for every candidate;
# without this index that is a scan of the whole backlog per candidate.
Index("ix_outbox_pending_ref", outbox.c.ref, outbox.c.id,
      sqlite_where=outbox.c.done_at.is_(None), postgresql_where=outbox.c.done_at.is_(None))

# Shipments seen on the bot's orders; one thread reply each, never two.
shipments = Table(
    "shipments",
    metadata,
    Column("shipment_id", Integer, primary_key=True, autoincrement=False),
    Column("order_id", Integer, nullable=False),
    Column("ref", String(32), nullable=False),
    Column("carrier", String(64), nullable=False, default=""),
    Column("tracking_number", String(64), nullable=False, default=""),
    Column("tracking_link", Text, nullable=False, default=""),
    Column("items", JSON, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    Column("reply_ts", String(32)),
)
Index("ix_shipments_ref", shipments.c.ref)

# One row per day claims the daily summary, so several replicas post it once.
summary_runs = Table(
    "summary_runs",
    metadata,
    Column("day", Date, primary_key=True),
    Column("claimed_by", String(64), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("posted_at", UTCDateTime),
    Column("slack_ts", String(32)),
)

# BigCommerce webhook deliveries already handled, by their payload hash (redeliveries repeat it).
webhook_events = Table(
    "webhook_events",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("scope", String(64), nullable=False),
    Column("order_id", Integer),
    Column("received_at", UTCDateTime, nullable=False),
)

# Named cursors, e.g. the `min_date_modified` the next poll starts from.
cursors = Table(
    "cursors",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
)

# A report the bot made but could not deliver (e.g. the summary's chart), so the next summary
# lists it under "needs a person" instead of the failure living only in a log.
report_failures = Table(
    "report_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("report", String(32), nullable=False),
    Column("day", Date, nullable=False),
    Column("error", Text, nullable=False),
)
Index("ix_report_failures_at", report_failures.c.at)

# Slack deliveries already handled, by their trigger_id (unique per click or command): a retry
# or a replay repeats it. Rows older than the retention are deleted as new ones arrive.
slack_deliveries = Table(
    "slack_deliveries",
    metadata,
    Column("trigger_id", String(255), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
)
Index("ix_slack_deliveries_received_at", slack_deliveries.c.received_at)

# Everyone who has opened the bot's Home tab: a decision republishes their Home when it changes
# what they see. `view_hash` is Slack's hash of the Home last published, sent with the next
# publish so an older rendering never overwrites a newer one.
home_views = Table(
    "home_views",
    metadata,
    Column("user_id", String(32), primary_key=True),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime),
    Column("view_hash", String(64)),
)

# One row per reminder (a request's first, second, third), so each is posted once however many
# replicas find it due; `done_at` is set when it was posted, or dropped because the request was
# decided or a later reminder superseded it (`slack_ts` then stays empty).
reminders = Table(
    "reminders",
    metadata,
    Column("ref", String(32), primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(64), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
    Column("slack_ts", String(32)),
)
