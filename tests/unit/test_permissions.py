"""commands/permissions.py: every role against every command, at the level of the rule itself.

The end-to-end tests (tests/e2e/test_permissions.py) run the same matrix over signed Slack
requests; `export` is decided here too, for the subcommand that sends the CSV.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from commands.models import RequestState
from commands.permissions import (
    Refused,
    may_change,
    may_decide,
    may_export,
    may_post_summary,
    may_request,
    may_see_order,
    may_ship,
)
from commands.repository import StoredRequest
from commands.roster import Roster
from tests.tracking.story import order_request

REQUESTER, OTHER_REQUESTER = "U0REQ", "U0REQ2"
APPROVER, GROUP_APPROVER, OUTSIDER = "U0APPROVER", "U0GROUPIE", "U0OUTSIDER"
GROUP = "S0FINANCE"
ORDER_ID = 101

APPROVERS = Roster([APPROVER, GROUP], lambda group: [GROUP_APPROVER] if group == GROUP else [])
REQUESTERS = Roster([REQUESTER, OTHER_REQUESTER], lambda group: [], everyone_if_empty=True)
EVERYONE = Roster([], lambda group: [], everyone_if_empty=True)

ROLES = [REQUESTER, APPROVER, GROUP_APPROVER, OUTSIDER, OTHER_REQUESTER]


def stored(state: RequestState = RequestState.ORDERED, *, requester: str = REQUESTER,
           decided_by: str | None = APPROVER) -> StoredRequest:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    ordered = state == RequestState.ORDERED
    return StoredRequest(
        ref="PO-TEST", state=state, requester_id=requester, origin_channel="C0SALES",
        request=order_request("TXN-1"), currency="USD", created_at=now,
        decided_by=decided_by if state != RequestState.PENDING else None,
        decided_at=now if state != RequestState.PENDING else None, reject_reason=None,
        card_channel=None, card_ts=None, order_id=ORDER_ID if ordered else None,
        order_status_id=11 if ordered else None,
        order_status="Awaiting Fulfillment" if ordered else None, order_total=None,
        order_currency=None, problem=None)


def allowed(refusal: Refused | None) -> bool:
    return refusal is None


@pytest.mark.parametrize(("user", "expected"), [
    (REQUESTER, True), (APPROVER, False), (GROUP_APPROVER, False), (OUTSIDER, False),
    (OTHER_REQUESTER, True)])
def test_the_form_is_for_the_requesters(user: str, expected: bool) -> None:
    assert allowed(may_request(user, REQUESTERS)) is expected


def test_an_empty_requester_list_lets_everyone_open_the_form() -> None:
    assert all(allowed(may_request(user, EVERYONE)) for user in ROLES)


@pytest.mark.parametrize(("user", "expected"), [
    (REQUESTER, True), (APPROVER, True), (GROUP_APPROVER, True), (OUTSIDER, False),
    (OTHER_REQUESTER, True)])
def test_status_is_for_the_requesters_and_the_approvers(user: str, expected: bool) -> None:
    refusal = may_see_order(user, ORDER_ID, stored(), requesters=REQUESTERS,
                            approvers=APPROVERS)
    assert allowed(refusal) is expected


@pytest.mark.parametrize(("user", "expected"), [
    (REQUESTER, True), (APPROVER, True), (GROUP_APPROVER, True), (OUTSIDER, False),
    (OTHER_REQUESTER, False)])
def test_ship_is_for_the_approvers_and_the_requester_of_that_order(user: str,
                                                                   expected: bool) -> None:
    assert allowed(may_ship(user, ORDER_ID, stored(), approvers=APPROVERS)) is expected


def test_the_requester_of_an_order_may_follow_it_after_leaving_the_requester_list() -> None:
    theirs = stored(requester="U0FORMER")
    assert may_ship("U0FORMER", ORDER_ID, theirs, approvers=APPROVERS) is None
    assert may_see_order("U0FORMER", ORDER_ID, theirs, requesters=REQUESTERS,
                         approvers=APPROVERS) is None
    assert may_see_order("U0FORMER", ORDER_ID, stored(), requesters=REQUESTERS,
                         approvers=APPROVERS) is not None


@pytest.mark.parametrize("user", ROLES)
def test_orders_the_bot_never_recorded_are_refused_to_everyone(user: str) -> None:
    not_ours = Refused("Order #555 wasn't recorded with /paidorder, "
                       "so I can't look it up or ship it.")
    assert may_ship(user, 555, None, approvers=APPROVERS) == not_ours
    if user != OUTSIDER:
        assert may_see_order(user, 555, None, requesters=REQUESTERS,
                             approvers=APPROVERS) == not_ours


@pytest.mark.parametrize(("user", "expected"), [
    (REQUESTER, False), (APPROVER, True), (GROUP_APPROVER, True), (OUTSIDER, False),
    (OTHER_REQUESTER, False)])
def test_summary_and_export_are_for_the_approvers(user: str, expected: bool) -> None:
    assert allowed(may_post_summary(user, APPROVERS)) is expected
    assert allowed(may_export(user, APPROVERS)) is expected
    if not expected:
        assert may_export(user, APPROVERS) == Refused(
            "Only approvers may export orders.")


@pytest.mark.parametrize(("user", "expected"), [
    (REQUESTER, False), (APPROVER, True), (GROUP_APPROVER, True), (OUTSIDER, False),
    (OTHER_REQUESTER, False)])
def test_deciding_is_for_the_approvers_never_on_their_own_request(user: str,
                                                                 expected: bool) -> None:
    assert allowed(may_decide(user, stored(RequestState.PENDING), APPROVERS)) is expected


def test_an_approver_cannot_decide_their_own_request() -> None:
    own = stored(RequestState.PENDING, requester=APPROVER)
    assert may_decide(APPROVER, own, APPROVERS) == Refused(
        "You can't approve or reject your own request; another approver must.")


def test_a_repeat_of_ones_own_decision_is_marked_as_such() -> None:
    done = stored(RequestState.APPROVED, decided_by=APPROVER)
    assert may_decide(APPROVER, done, APPROVERS) == Refused(
        "You already approved PO-TEST; nothing more to do.", repeat=True)
    assert may_decide(GROUP_APPROVER, done, APPROVERS) == Refused(
        f"PO-TEST was already approved by <@{APPROVER}>.")


# -- two approvals ----------------------------------------------------------------------------


def awaiting_second(approved_once_by: str = APPROVER, **kwargs: object) -> StoredRequest:
    """A pending request that needs two approvals and has one."""
    return replace(stored(RequestState.PENDING, **kwargs),  # type: ignore[arg-type]
                   approvals_needed=2, approvers=(approved_once_by,))


def test_the_first_approver_cannot_give_the_second_approval() -> None:
    assert may_decide(APPROVER, awaiting_second(), APPROVERS) == Refused(
        "You already approved PO-TEST; waiting for a second approver.", repeat=True)


def test_another_approver_may_give_the_second_approval() -> None:
    assert may_decide(GROUP_APPROVER, awaiting_second(), APPROVERS) is None


@pytest.mark.parametrize("user", [REQUESTER, OUTSIDER, OTHER_REQUESTER])
def test_only_approvers_who_did_not_request_it_may_give_the_second_approval(user: str) -> None:
    assert may_decide(user, awaiting_second(), APPROVERS) is not None


def test_the_requester_cannot_give_the_second_approval_even_as_an_approver() -> None:
    own = awaiting_second(requester=GROUP_APPROVER)
    assert may_decide(GROUP_APPROVER, own, APPROVERS) == Refused(
        "You can't approve or reject your own request; another approver must.")


@pytest.mark.parametrize("user", [APPROVER, GROUP_APPROVER])
def test_after_one_approval_either_approver_may_reject(user: str) -> None:
    assert may_decide(user, awaiting_second(), APPROVERS, approving=False) is None


def test_the_first_approver_of_an_approved_request_is_told_it_is_done() -> None:
    done = replace(stored(RequestState.ORDERED, decided_by=GROUP_APPROVER), approvals_needed=2,
                   approvers=(APPROVER, GROUP_APPROVER))
    for user in (APPROVER, GROUP_APPROVER):
        refusal = may_decide(user, done, APPROVERS)
        assert refusal == Refused("You already approved PO-TEST; nothing more to do.",
                                  repeat=True)


@pytest.mark.parametrize("editing", [True, False])
@pytest.mark.parametrize("user", ROLES)
def test_edit_and_cancel_are_for_the_requester_alone(user: str, editing: bool) -> None:
    refusal = may_change(user, stored(RequestState.PENDING), REQUESTERS, editing=editing)
    assert (refusal is None) == (user == REQUESTER)
    if refusal:
        assert refusal.message == f"Only <@{REQUESTER}>, who made PO-TEST, can edit or cancel it."


@pytest.mark.parametrize("state", [s for s in RequestState if s != RequestState.PENDING])
def test_edit_and_cancel_end_with_the_decision(state: RequestState) -> None:
    for editing in (True, False):
        refusal = may_change(REQUESTER, stored(state), REQUESTERS, editing=editing)
        assert isinstance(refusal, Refused)
        if state == RequestState.CANCELLED:
            assert refusal.repeat and "already cancelled" in refusal.message
        else:
            assert refusal.message.endswith("so it can no longer be edited or cancelled.")


def test_a_requester_taken_off_the_list_may_cancel_but_not_edit() -> None:
    only_other = Roster([OTHER_REQUESTER], lambda group: [])
    pending = stored(RequestState.PENDING)
    assert may_change(REQUESTER, pending, only_other, editing=False) is None
    refusal = may_change(REQUESTER, pending, only_other, editing=True)
    assert refusal is not None and "PAIDORDER_REQUESTERS" in refusal.message


def test_a_cancelled_request_refuses_a_decision_and_frees_its_id() -> None:
    refusal = may_decide(APPROVER, stored(RequestState.CANCELLED, decided_by=REQUESTER),
                         APPROVERS)
    assert refusal is not None and "cancelled by its requester" in refusal.message
    assert not refusal.repeat
