"""The Repository counts approvals so that exactly one reaches the number a request needs, however
many approvers race, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from commands.models import RequestState
from commands.repository import Outbox, Repository, StoredRequest
from tests.reliability.test_request_states import new_request

RACERS = [f"U0APPROVER{n}" for n in range(8)]


def race(repo: Repository, ref: str, users: list[str]) -> list[StoredRequest | None]:
    gate = threading.Barrier(len(users))
    results: list[StoredRequest | None] = [None] * len(users)

    def approve(i: int) -> None:
        gate.wait()
        results[i] = repo.approve(ref, users[i])

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def create_order_jobs(repo: Repository, ref: str) -> int:
    return sum(1 for job in repo.pending_jobs()
               if job["ref"] == ref and job["kind"] == Outbox.CREATE_ORDER)


@pytest.mark.parametrize("needed", [1, 2])
def test_of_many_approvers_racing_exactly_one_approves_the_request(repo: Repository,
                                                                   needed: int) -> None:
    ref = repo.add_request(new_request(), requester_id="U0REQ", origin_channel=None,
                           currency="USD", approvals_needed=needed).ref

    results = race(repo, ref, RACERS)

    counted = [r for r in results if r is not None]
    assert [r.state for r in counted].count(RequestState.APPROVED) == 1
    assert len(counted) == needed  # the approvals after the deciding one change nothing
    stored = repo.get(ref)
    assert stored is not None and stored.state == RequestState.APPROVED
    assert len(stored.approvers) == needed and stored.decided_by == stored.approvers[-1]
    assert create_order_jobs(repo, ref) == 1
    trail = [a for a in repo.audit_trail(ref=ref) if a["action"] == "approved"]
    assert [(a["actor"], a["detail"]) for a in trail] == [
        (who, {"approval": n, "of": needed}) for n, who in enumerate(stored.approvers, 1)]


def test_one_approver_racing_themselves_counts_once(repo: Repository) -> None:
    ref = repo.add_request(new_request(), requester_id="U0REQ", origin_channel=None,
                           currency="USD", approvals_needed=2).ref

    results = race(repo, ref, ["U0APPROVER"] * 6)

    assert [r.state for r in results if r is not None] == [RequestState.PENDING]
    stored = repo.get(ref)
    assert stored is not None and stored.approvers == ("U0APPROVER",)
    assert create_order_jobs(repo, ref) == 0
