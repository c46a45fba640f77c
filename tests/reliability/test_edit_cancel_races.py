"""Edit and Cancel against the decisions, on the database itself (SQLite and PostgreSQL):
whatever the timing, a pending request ends in exactly one way, and what was approved is what
the order is made of."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select

from commands import migrations
from commands.approvals import EditedSince
from commands.changes import cancel, edit
from commands.models import RequestState
from commands.reminders import expire
from commands.repository import Outbox, PaymentAlreadyBooked, Repository, StoredRequest
from commands.schema import requests as requests_table
from tests.reliability.test_expiry import race
from tests.tracking.story import order_request

REQUESTER, APPROVER, SECOND = "U0REQ", "U0APPROVER", "U0GROUPIE"


def creates(repo: Repository, ref: str) -> int:
    return sum(1 for job in repo.pending_jobs()
               if job["ref"] == ref and job["kind"] == Outbox.CREATE_ORDER)


def add(repo: Repository, txn: str, approvals_needed: int = 1):
    return repo.add_request(order_request(txn), requester_id=REQUESTER, origin_channel=None,
                            currency="USD", approvals_needed=approvals_needed)


def test_cancel_approve_and_expire_at_once_one_wins(repo: Repository) -> None:
    for round_ in range(10):
        ref = add(repo, f"T-{round_}").ref
        won = dict(zip(("cancel", "approve", "expire"), race(
            lambda ref=ref: cancel(repo, ref, REQUESTER),
            lambda ref=ref: repo.approve(ref, APPROVER),
            lambda ref=ref: expire(repo, ref, deadline=repo.clock())), strict=True))
        winners = [name for name, result in won.items() if result]
        assert len(winners) == 1, won
        state = repo.get(ref).state  # type: ignore[union-attr]
        assert state == {"cancel": RequestState.CANCELLED, "approve": RequestState.APPROVED,
                         "expire": RequestState.EXPIRED}[winners[0]]
        assert creates(repo, ref) == (1 if winners == ["approve"] else 0)


def test_an_edit_racing_the_second_approval_never_orders_the_unapproved_version(
    repo: Repository
) -> None:
    for round_ in range(10):
        stored = add(repo, f"E-{round_}", approvals_needed=2)
        assert repo.approve(stored.ref, APPROVER) is not None
        changed = order_request(f"E-{round_}", amount_paid="99.00")
        edited, approved = race(
            lambda ref=stored.ref, changed=changed: edit(repo, ref, REQUESTER, changed,
                                                         approvals_needed=2),
            lambda ref=stored.ref: outcome(lambda: repo.approve(ref, SECOND)))
        now = repo.get(stored.ref)
        assert now is not None
        if edited is None:  # the second approval came first: the order is what both approved
            assert isinstance(approved, StoredRequest)
            assert now.state == RequestState.APPROVED and creates(repo, stored.ref) == 1
            assert now.request == stored.request
        else:  # the edit came first: an approval of the version before it counts for nothing
            assert approved == "edited since"
            assert now.state == RequestState.PENDING and creates(repo, stored.ref) == 0
            assert now.approvers == () and now.request == changed


def test_an_approval_of_the_version_shown_counts_after_an_edit(repo: Repository) -> None:
    stored = add(repo, "V-1")
    edited = edit(repo, stored.ref, REQUESTER, order_request("V-1", amount_paid="30.00"),
                  approvals_needed=1)
    assert edited is not None and edited.edited_at is not None
    with pytest.raises(EditedSince):
        repo.approve(stored.ref, APPROVER)  # a click on the card drawn before the edit
    approved = repo.approve(stored.ref, APPROVER, seen=edited.edited_at)
    assert approved is not None and approved.state == RequestState.APPROVED


def outcome(approve: Callable[[], Any]) -> Any:
    try:
        return approve()
    except EditedSince:
        return "edited since"


def test_only_the_requester_and_only_while_pending(repo: Repository) -> None:
    stored = add(repo, "P-1")
    assert cancel(repo, stored.ref, APPROVER) is None
    assert edit(repo, stored.ref, APPROVER, order_request("P-2"), approvals_needed=1) is None
    assert repo.reject(stored.ref, APPROVER, "no") is not None
    assert cancel(repo, stored.ref, REQUESTER) is None
    assert edit(repo, stored.ref, REQUESTER, order_request("P-2"), approvals_needed=1) is None
    assert [a["action"] for a in repo.audit_trail(ref=stored.ref)] == ["submitted", "rejected"]


def test_a_cancelled_request_frees_its_payment_and_survives_a_downgrade(
    repo: Repository
) -> None:
    old = add(repo, "T-OLD")
    assert cancel(repo, old.ref, REQUESTER) is not None
    assert not repo.payment_booked("Bank transfer", "T-OLD")
    add(repo, "T-OLD")  # the index lets the same payment be booked again

    with repo.engine.begin() as conn:
        command.downgrade(migrations.config(conn), "0009")
    with repo.engine.connect() as conn:
        states = sorted(conn.execute(select(requests_table.c.state)).scalars())
    assert states == ["pending", "rejected"]
    repo.create_schema()
    assert repo.pending_migrations() == []


def test_an_edit_onto_a_payment_another_request_holds_is_refused_by_the_index(
    repo: Repository
) -> None:
    add(repo, "HELD-1")
    other = add(repo, "MINE-1")
    with pytest.raises(PaymentAlreadyBooked):
        edit(repo, other.ref, REQUESTER, order_request("held-1"), approvals_needed=1)
    assert repo.get(other.ref).request.transaction_id == "MINE-1"  # type: ignore[union-attr]
    assert "edited" not in [a["action"] for a in repo.audit_trail(ref=other.ref)]
