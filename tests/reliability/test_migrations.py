"""The schema comes from Alembic migrations, and what they build is exactly commands/schema.py."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from commands import migrations
from commands.repository import Repository, connect
from commands.schema import metadata

# Every revision, oldest first: what an empty database lacks.
EVERY_REVISION = [r.revision for r in reversed(list(
    ScriptDirectory.from_config(migrations.config()).walk_revisions()))]


def test_migrated_schema_is_exactly_the_declared_one(repo: Repository) -> None:
    with repo.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    indexes = {i["name"]: i for i in inspect(repo.engine).get_indexes("requests")}
    payment = indexes["uq_requests_payment"]
    assert payment["unique"] and payment["column_names"] == ["payment_method", "transaction_key"]
    where = payment["dialect_options"].get(f"{repo.engine.dialect.name}_where")
    assert "rejected" in str(where)  # partial: a rejected request frees its transaction id


def test_pending_migrations_lists_what_an_empty_database_lacks(database_url: str) -> None:
    repo = Repository(connect(database_url))
    try:
        assert repo.pending_migrations() == EVERY_REVISION
        assert EVERY_REVISION[0] == migrations.BASELINE
        repo.create_schema()
        assert repo.pending_migrations() == []
        repo.create_schema()  # a restart on an up-to-date database changes nothing
        assert repo.pending_migrations() == []
    finally:
        repo.engine.dispose()


def test_replicas_starting_together_on_an_empty_database_all_come_up(database_url: str) -> None:
    replicas = [Repository(connect(database_url)) for _ in range(4)]
    start = threading.Barrier(len(replicas))
    errors: list[BaseException] = []

    def start_up(repo: Repository) -> None:
        start.wait()
        try:
            repo.create_schema()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start_up, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert errors == []
        assert all(r.pending_migrations() == [] for r in replicas)
    finally:
        for repo in replicas:
            repo.engine.dispose()


def test_a_database_made_before_migrations_is_adopted(database_url: str) -> None:
    repo = Repository(connect(database_url))
    try:
        metadata.create_all(repo.engine)  # how the schema was made before migrations
        assert repo.pending_migrations() == EVERY_REVISION
        repo.create_schema()
        assert repo.pending_migrations() == []
    finally:
        repo.engine.dispose()


@pytest.mark.parametrize("name", ["script.py.mako", "env.py", "versions/0001_initial_schema.py"])
def test_migrations_ship_with_the_package(name: str) -> None:
    assert (migrations.SCRIPTS / name).is_file()
