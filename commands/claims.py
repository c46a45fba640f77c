"""Insert-if-absent that tells the caller whether it won, on SQLite and PostgreSQL alike.

Uses `INSERT … ON CONFLICT DO NOTHING RETURNING`: with psycopg 3 the row count of such an insert
is -1 on PostgreSQL, so only a returned row proves the insert happened.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_if_absent(conn: Connection, table: Table, values: dict[str, Any],
                     key: list[str]) -> bool:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (dialect.insert(table).values(**values)
                 .on_conflict_do_nothing(index_elements=key)
                 .returning(*(table.c[name] for name in key)))
    return conn.execute(statement).first() is not None
