"""Schema migrations (Alembic). The bot upgrades its database to the newest revision at start-up.

The configuration is built in code with the script directory found next to this file, so an
installed wheel migrates without an alembic.ini, and the caller's connection is handed to env.py.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

SCRIPTS = Path(__file__).parent
# The revision that matches what `metadata.create_all` made before migrations existed.
BASELINE = "0001"
# Any constant will do; it only has to be the same in every replica.
_ADVISORY_LOCK = 0x7061_6964  # "paid"


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database to the newest revision; safe when several replicas start at once."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Replicas starting together on an empty database queue here; each later one then
            # finds the schema at head and does nothing. Released when this transaction ends.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        # On SQLite the transaction began with BEGIN IMMEDIATE, which serialises the same way.
        if _current(conn) is None and inspect(conn).has_table("requests"):
            # A database made by create_all before migrations existed: adopt it.
            command.stamp(config(conn), BASELINE)
        command.upgrade(config(conn), "head")


def pending(engine: Engine) -> list[str]:
    """Revisions not yet applied to the database, oldest first."""
    script = ScriptDirectory.from_config(config())
    with engine.connect() as conn:
        current = _current(conn)
    newest_first = [rev.revision for rev in script.iterate_revisions("heads", current)]
    return list(reversed(newest_first))


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()
