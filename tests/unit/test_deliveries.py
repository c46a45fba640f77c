"""commands/deliveries.py against SQLite and PostgreSQL: the first delivery of a trigger_id wins,
and old ones are forgotten after the retention."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from commands.deliveries import RETENTION, first_delivery
from commands.repository import Repository
from commands.schema import slack_deliveries
from tests.tracking.story import FakeClock


def rows(repo: Repository) -> int:
    with repo.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(slack_deliveries)).scalar_one())


def test_a_trigger_id_is_handled_once(repo: Repository) -> None:
    assert first_delivery(repo, "1764600000.1.abc", kind="summary", user_id="U0APPROVER")
    assert not first_delivery(repo, "1764600000.1.abc", kind="summary", user_id="U0APPROVER")
    assert first_delivery(repo, "1764600000.2.abc", kind="summary", user_id="U0APPROVER")


def test_a_delivery_without_a_trigger_id_is_never_taken_for_a_repeat(repo: Repository) -> None:
    assert first_delivery(repo, "", kind="approve", user_id="U0APPROVER")
    assert first_delivery(repo, None, kind="approve", user_id="U0APPROVER")
    assert rows(repo) == 0


def test_old_deliveries_are_forgotten_as_new_ones_arrive(repo: Repository) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    repo.clock = clock
    first_delivery(repo, "old", kind="ship", user_id="U0REQ")
    clock.at += RETENTION / 2
    first_delivery(repo, "recent", kind="ship", user_id="U0REQ")
    assert rows(repo) == 2
    clock.at += RETENTION / 2 + RETENTION / 10
    first_delivery(repo, "new", kind="ship", user_id="U0REQ")
    assert rows(repo) == 2  # "old" is gone; "recent" is still inside the retention
    assert not first_delivery(repo, "recent", kind="ship", user_id="U0REQ")
