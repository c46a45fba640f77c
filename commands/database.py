"""Database engines: which ones paidorder runs on, the one sentence when one can't be used at
start-up, and how long work that someone is waiting on may wait for the database.

Background work (the outbox worker, polling, the summary) can afford to queue behind a busy
database for half a minute. Work inside Slack's 3-second acknowledgement cannot: it runs
`within(seconds)`, where every wait — a write-locked SQLite file, a PostgreSQL lock or slow
statement — gives up when the time is spent, a transaction that would commit late rolls back
instead, and any failure to store comes out as one `DatabaseUnavailable` with a plain message.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

BUSY = "The bot is busy — submit again in a moment."
DOWN = "The bot can't save anything right now, so nothing was changed — try again later."

# Background work waits this long for a locked SQLite file before it fails and is retried.
BACKGROUND_WAIT_MS = 30_000
# libpq's own minimum: a host that drops packets costs this much before the attempt fails.
CONNECT_TIMEOUT_S = 2

SUPPORTED = "sqlite:///path/to/file.db or postgresql+psycopg://user:password@host/name"
# The drivers that are installed with paidorder; plain postgresql:// means psycopg here too.
_DRIVERS = {"sqlite": "sqlite", "sqlite+pysqlite": "sqlite", "postgresql": "postgresql+psycopg",
            "postgresql+psycopg": "postgresql+psycopg"}

_deadline: ContextVar[float | None] = ContextVar("database_deadline", default=None)


class DatabaseProblem(Exception):
    """The database can't be used at all; the message says why in one plain sentence."""


class DatabaseUnavailable(Exception):
    """The work was not stored; `reason` is "busy", "full", "read-only" or "unreachable", and
    `str()` says so in plain words for the person who was waiting."""

    def __init__(self, reason: str) -> None:
        super().__init__(BUSY if reason == "busy" else DOWN)
        self.reason = reason


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Database work in this block finishes within `seconds` or leaves nothing behind."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    # Failures of the database itself, not of the statement: PostgreSQL's read-only refusal is
    # an InternalError, everything else (locks, timeouts, a full disk, no server) Operational.
    except (OperationalError, InternalError, PoolTimeout) as exc:
        raise DatabaseUnavailable(_reason(exc)) from exc
    finally:
        _deadline.reset(token)


def time_left() -> float | None:
    """Seconds left in the current `within` block; None outside one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def check_in_time() -> None:
    """Raise before a commit that would land after the caller has stopped waiting for it."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() >= deadline:
        raise DatabaseUnavailable("busy")


def _remaining_ms() -> int | None:
    left = time_left()
    return None if left is None else max(1, int(left * 1000))


def _reason(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).lower()
    if isinstance(exc, PoolTimeout) or any(
            words in text for words in ("database is locked", "statement timeout",
                                        "lock timeout")):
        return "busy"
    if "database or disk is full" in text:
        return "full"
    if "read-only transaction" in text or "during recovery" in text:
        return "read-only"  # a PostgreSQL standby, e.g. during a failover
    return "unreachable"


def database_url(text: str) -> URL:
    """`DATABASE_URL` read and checked before anything connects to it."""
    try:
        url = make_url(text.strip())
    except ArgumentError:
        raise DatabaseProblem(f"DATABASE_URL is not a database URL; use {SUPPORTED}.") from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise DatabaseProblem(f"DATABASE_URL uses {url.drivername}, which paidorder does not "
                              f"support; use {SUPPORTED}.")
    url = url.set(drivername=driver)
    if driver == "sqlite" and url.database not in (None, "", ":memory:"):
        _check_sqlite_file(Path(url.database))
    return url


def _check_sqlite_file(path: Path) -> None:
    if path.is_dir():
        raise DatabaseProblem(f"DATABASE_URL points at {path}, which is a directory, not a "
                              "database file.")
    if not path.parent.is_dir():
        raise DatabaseProblem(f"DATABASE_URL points at {path}, but the directory "
                              f"{path.parent} does not exist; create it first.")


def unusable(url: URL | str, exc: Exception) -> DatabaseProblem:
    """The sentence for a database that refused the first connection or the schema upgrade."""
    shown = (url if isinstance(url, URL) else make_url(url)).render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return DatabaseProblem(f"The database at {shown} cannot be used "
                           f"({reason[0] if reason else type(exc).__name__}).")


def connect(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL and writer-first transactions."""
    url = database_url(url).render_as_string(hide_password=False)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BACKGROUND_WAIT_MS / 1000,
                                                  "check_same_thread": False})
        _tune_sqlite(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                           connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    _bound_postgresql(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Let SQLAlchemy's begin() below decide when a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BACKGROUND_WAIT_MS}")
        record.info["busy_timeout"] = BACKGROUND_WAIT_MS
        if engine.url.database not in (None, "", ":memory:"):
            _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # The wait for the write lock is set per transaction: short when someone is waiting
        # for the answer, long for background work.
        wait = _remaining_ms() or BACKGROUND_WAIT_MS
        info = conn.connection.info
        if info.get("busy_timeout") != wait:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
            info["busy_timeout"] = wait
        # IMMEDIATE takes the write lock up front, so two writers queue instead of one failing
        # with "database is locked" when it upgrades a read lock.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _bound_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        wait = _remaining_ms()
        if wait is not None:
            # LOCAL: the limits end with this transaction, the pooled connection keeps none.
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {wait}")
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {wait}")


def _use_wal(cursor: Any) -> None:
    # Turning a new file to WAL needs it to itself for a moment, and SQLite answers "locked"
    # at once instead of waiting: replicas opening a fresh database together try again.
    for attempt in itertools.count(1):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt >= 200:
                raise
            time.sleep(0.025)


def write_problem(engine: Engine, *, seconds: float = 0.5) -> str | None:
    """None when the database takes a write now, else why not ("busy", "full", …).

    A read is not enough: a write-locked or full SQLite file still answers SELECT. The probe
    takes the write lock and makes the file grow, then rolls back, so it leaves nothing.
    """
    try:
        with within(seconds), engine.connect() as conn, conn.begin() as transaction:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("CREATE TABLE paidorder_write_probe (filler BLOB)")
                conn.exec_driver_sql(
                    "INSERT INTO paidorder_write_probe VALUES (zeroblob(65536))")
                read_only = False
            else:
                # On by default on a standby (a failover in progress) or a read-only database.
                read_only = conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
            transaction.rollback()
        return "read-only" if read_only else None
    except DatabaseUnavailable as exc:
        return exc.reason
