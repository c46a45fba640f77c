"""`paidorder audit --since`: the audit log as CSV, needing nothing but the database."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.cli import audit_csv, main
from commands.repository import Repository, connect


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    moments = iter([datetime(2025, 3, 1, 23, 59, tzinfo=UTC),
                    datetime(2025, 3, 2, 0, 0, tzinfo=UTC),
                    datetime(2025, 3, 3, 8, 30, tzinfo=UTC)])
    repo = Repository(connect(url), clock=lambda: next(moments))
    repo.create_schema()
    repo.record_event("R-OLD", "U0REQ", "requested", {"amount": "10.00"})
    repo.record_event("R-1", "U0APPROVER", "approved", {})
    repo.record_event("R-1", "worker", "order_created", {"order_id": 101, "note": "a, \"b\""})
    repo.engine.dispose()
    return url


def test_audit_prints_csv_from_the_given_day(database: str) -> None:
    out = io.StringIO()

    assert audit_csv(since=date(2025, 3, 2), out=out, database_url=database) == 0

    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["at", "ref", "actor", "action", "detail"]
    assert [row[1:4] for row in rows[1:]] == [["R-1", "U0APPROVER", "approved"],
                                             ["R-1", "worker", "order_created"]]
    assert datetime.fromisoformat(rows[1][0]) == datetime(2025, 3, 2, tzinfo=UTC)
    assert json.loads(rows[2][4]) == {"order_id": 101, "note": "a, \"b\""}


def test_audit_needs_only_database_url(database: str, monkeypatch: pytest.MonkeyPatch,
                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    monkeypatch.chdir(tmp_path)  # no .env; no Slack or BigCommerce settings at all
    monkeypatch.setenv("DATABASE_URL", database)

    assert main(["audit"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[1].split(",")[1] == "R-OLD"


def test_audit_reads_database_url_from_dot_env(database: str, monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"DATABASE_URL={database}\n", encoding="utf-8")

    assert main(["audit", "--since", "2025-03-03"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and ",order_created," in lines[1]


def test_audit_of_a_database_without_the_log_says_so(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    empty = f"sqlite:///{tmp_path / 'empty.db'}"

    assert audit_csv(database_url=empty) == 1

    assert "the audit log could not be read" in capsys.readouterr().err


def test_a_malformed_date_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "--since", "March 2"])
    assert exit_.value.code == 2
    assert "--since" in capsys.readouterr().err
