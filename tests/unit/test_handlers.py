"""Handlers against a real database and an in-memory BigCommerce fake (no mocks)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pytest

from commands import bigcommerce_answers as answers
from commands.bigcommerce import (
    AuthenticationFailed,
    BigCommerceError,
    InvalidRequest,
    RateLimited,
    ServerError,
    Unavailable,
)
from commands.handlers import (
    Decided,
    Invalid,
    Refused,
    RetryLater,
    Submitted,
    approve_request,
    create_paid_order,
    reject_request,
    submit_request,
)
from commands.models import RequestForm, RequestState
from commands.repository import PaymentAlreadyBooked, Repository, StoredRequest
from commands.roster import Roster
from commands.validation import CatalogEntry
from tests.unit.test_validation import CATALOG, GOOD

REQUESTER, APPROVER, OUTSIDER, GROUPIE = "U0REQ", "U0APPROVER", "U0OUTSIDER", "U0GROUPIE"
GROUP = "S0FINANCE"
SOURCE = "Slack (paidorder)"


class FakeBigCommerce:
    """The slice of BigCommerceClient the handlers use, kept in memory."""

    def __init__(self, customers: Iterable[dict[str, Any]] = ()) -> None:
        self.orders: list[dict[str, Any]] = []
        self.customers = list(customers)
        self.calls: list[tuple[str, Any]] = []
        self.failures: dict[str, list[tuple[BigCommerceError, bool]]] = {}
        self._ids = itertools.count(100)

    def fail(self, method: str, error: BigCommerceError, *, applied: bool = False) -> None:
        """The next call to `method` raises `error`; `applied` means the write happened first."""
        self.failures.setdefault(method, []).append((error, applied))

    def _maybe_fail(self, method: str, apply: Any = None) -> None:
        queue = self.failures.get(method)
        if queue:
            error, applied = queue.pop(0)
            if applied and apply is not None:
                apply()
            raise error

    # Answers are read by the same code that reads BigCommerce's, as the real client does.
    def find_orders_by_external_id(self, external_order_id: str) -> list[answers.Order]:
        self.calls.append(("find_orders_by_external_id", external_order_id))
        self._maybe_fail("find_orders_by_external_id")
        return [answers.order(o, "GET", "/v2/orders") for o in self.orders
                if o["external_order_id"] == external_order_id]

    def customer_by_email(self, email: str) -> answers.Customer | None:
        self.calls.append(("customer_by_email", email))
        self._maybe_fail("customer_by_email")
        found = next((c for c in self.customers if c["email"] == email), None)
        return answers.customer(found, "GET", "/v3/customers") if found else None

    def create_order(self, body: dict[str, Any]) -> answers.Order:
        self.calls.append(("create_order", body))
        order = {**body, "id": next(self._ids), "status": "Awaiting Fulfillment",
                 "total_inc_tax": "56.9800", "currency_code": "USD"}
        self._maybe_fail("create_order", apply=lambda: self.orders.append(order))
        self.orders.append(order)
        return answers.order(order, "POST", "/v2/orders")

    def called(self, method: str) -> list[Any]:
        return [args for name, args in self.calls if name == method]


def lookup(skus: list[str]) -> Mapping[str, CatalogEntry]:
    return {sku: CATALOG[sku] for sku in skus if sku in CATALOG}


def no_groups(group: str) -> list[str]:
    raise AssertionError(f"asked about {group}")


def approvers(members: Mapping[str, list[str]] | None = None) -> Roster:
    groups = dict(members or {})
    return Roster([APPROVER, GROUP], lambda g: groups.get(g, []))


@pytest.fixture
def sqlite_repo(tmp_path: Any) -> Iterable[Repository]:
    from commands.repository import connect

    repository = Repository(connect(f"sqlite:///{tmp_path / 'handlers.db'}"))
    repository.create_schema()
    yield repository
    repository.engine.dispose()


def submit(repo: Repository, **changes: Any) -> StoredRequest:
    result = submit_request(RequestForm(**{**GOOD, **changes}), requester_id=REQUESTER,
                            origin_channel="C0SALES", repo=repo, lookup=lookup, currency="USD")
    assert isinstance(result, Submitted), result
    return result.stored


def approved(repo: Repository, **changes: Any) -> StoredRequest:
    stored = submit(repo, **changes)
    result = approve_request(stored.ref, user_id=APPROVER, repo=repo, approvers=approvers())
    assert isinstance(result, Decided), result
    return result.stored


def actions(repo: Repository, ref: str) -> list[str]:
    return [line["action"] for line in repo.audit_trail(ref=ref)]


# -- submitting ----------------------------------------------------------------------------


def test_submitting_stores_a_pending_request(repo: Repository) -> None:
    stored = submit(repo)
    assert stored.state == RequestState.PENDING
    assert stored.requester_id == REQUESTER
    assert stored.request.amount_paid == Decimal("56.98")
    assert actions(repo, stored.ref) == ["submitted"]


def test_an_invalid_form_stores_nothing(sqlite_repo: Repository) -> None:
    result = submit_request(RequestForm(**{**GOOD, "items": "HAT-XL"}), requester_id=REQUESTER,
                            origin_channel=None, repo=sqlite_repo, lookup=lookup,
                            currency="USD")
    assert result == Invalid({"items": 'Line 1: unknown SKU "HAT-XL".'})
    assert sqlite_repo.audit_trail() == []
    assert sqlite_repo.pending_jobs() == []


def test_the_same_transaction_id_cannot_be_submitted_twice(repo: Repository) -> None:
    submit(repo)
    again = submit_request(RequestForm(**{**GOOD, "transaction_id": "bt-1"}),
                           requester_id=REQUESTER, origin_channel=None, repo=repo,
                           lookup=lookup, currency="USD")
    assert again == Invalid({"transaction_id":
                             "Transaction ID bt-1 was already booked as a Bank transfer payment."})


def test_the_same_transaction_id_with_another_method_is_fine(sqlite_repo: Repository) -> None:
    submit(sqlite_repo)
    assert submit(sqlite_repo, payment_method="Cash").request.payment_method == "Cash"


def test_the_database_refuses_a_duplicate_payment_that_raced_past_validation(
    sqlite_repo: Repository,
) -> None:
    stored = submit(sqlite_repo)
    with pytest.raises(PaymentAlreadyBooked):
        sqlite_repo.add_request(stored.request, requester_id=OUTSIDER, origin_channel=None,
                                currency="USD")


def test_a_race_on_the_same_payment_is_an_inline_error(sqlite_repo: Repository) -> None:
    """The check said free, the unique index said no: the loser gets the same message."""
    submit(sqlite_repo)

    class Blind(Repository):
        def payment_booked(self, payment_method: str, transaction_id: str) -> bool:
            return False

    blind = Blind(sqlite_repo.engine)
    result = submit_request(RequestForm(**GOOD), requester_id=REQUESTER, origin_channel=None,
                            repo=blind, lookup=lookup, currency="USD")
    assert result == Invalid({"transaction_id":
                              "Transaction ID BT-1 was already booked as a Bank transfer payment."})


def test_a_rejected_request_frees_its_transaction_id(repo: Repository) -> None:
    first = submit(repo)
    assert isinstance(reject_request(first.ref, user_id=APPROVER, reason="wrong amount",
                                     repo=repo, approvers=approvers()), Decided)
    second = submit(repo)
    assert second.ref != first.ref and second.state == RequestState.PENDING


# -- deciding ------------------------------------------------------------------------------


def test_the_requester_cannot_approve_their_own_request(repo: Repository) -> None:
    stored = submit(repo)
    roster = Roster([REQUESTER, APPROVER], no_groups)
    result = approve_request(stored.ref, user_id=REQUESTER, repo=repo, approvers=roster)
    assert result == Refused(
        "You can't approve or reject your own request; another approver must.")
    assert repo.get(stored.ref).state == RequestState.PENDING  # type: ignore[union-attr]


def test_someone_who_is_not_an_approver_is_refused(sqlite_repo: Repository) -> None:
    stored = submit(sqlite_repo)
    result = approve_request(stored.ref, user_id=OUTSIDER, repo=sqlite_repo,
                             approvers=approvers())
    assert result == Refused("Only approvers can approve or reject paid-order requests.")
    assert sqlite_repo.get(stored.ref).state == RequestState.PENDING  # type: ignore[union-attr]
    assert actions(sqlite_repo, stored.ref) == ["submitted"]


def test_a_user_group_member_may_approve(sqlite_repo: Repository) -> None:
    stored = submit(sqlite_repo)
    asked: list[str] = []

    def members_of(group: str) -> list[str]:
        asked.append(group)
        return [GROUPIE] if group == GROUP else []

    result = approve_request(stored.ref, user_id=GROUPIE, repo=sqlite_repo,
                             approvers=Roster([APPROVER, GROUP], members_of))
    assert isinstance(result, Decided)
    assert result.stored.state == RequestState.APPROVED
    assert result.stored.decided_by == GROUPIE
    assert asked == [GROUP]


def test_approval_queues_the_order_and_the_card_update(sqlite_repo: Repository) -> None:
    stored = approved(sqlite_repo)
    kinds = [job["kind"] for job in sqlite_repo.pending_jobs()]
    assert kinds == ["post_card", "update_card", "create_order"]
    assert actions(sqlite_repo, stored.ref) == ["submitted", "approved"]


def test_a_second_approval_is_refused(repo: Repository) -> None:
    stored = approved(repo)
    # The same approver's double click is no error: their approval stands.
    again = approve_request(stored.ref, user_id=APPROVER, repo=repo, approvers=approvers())
    assert again == Refused(f"You already approved {stored.ref}; nothing more to do.",
                            repeat=True)
    other = approve_request(stored.ref, user_id=GROUPIE, repo=repo,
                            approvers=approvers({GROUP: [GROUPIE]}))
    assert other == Refused(f"{stored.ref} was already approved by <@{APPROVER}>.")
    assert actions(repo, stored.ref).count("approved") == 1


def test_approving_an_unknown_request_is_refused(sqlite_repo: Repository) -> None:
    result = approve_request("PO-NOPE", user_id=APPROVER, repo=sqlite_repo,
                             approvers=approvers())
    assert result == Refused("That request no longer exists.")


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_rejecting_needs_a_reason(sqlite_repo: Repository, reason: str) -> None:
    stored = submit(sqlite_repo)
    result = reject_request(stored.ref, user_id=APPROVER, reason=reason, repo=sqlite_repo,
                            approvers=approvers())
    assert result == Invalid({"reason": "Say why the request is rejected."})
    assert sqlite_repo.get(stored.ref).state == RequestState.PENDING  # type: ignore[union-attr]


def test_a_very_long_reason_is_refused(sqlite_repo: Repository) -> None:
    stored = submit(sqlite_repo)
    result = reject_request(stored.ref, user_id=APPROVER, reason="r" * 2001, repo=sqlite_repo,
                            approvers=approvers())
    assert result == Invalid({"reason": "Keep the reason under 2,000 characters."})


@pytest.mark.parametrize("reason", ["wrong \u202eamount", "see\u200binvoice", "bell\x07"])
def test_a_reason_with_hidden_or_control_characters_is_refused(sqlite_repo: Repository,
                                                               reason: str) -> None:
    stored = submit(sqlite_repo)
    result = reject_request(stored.ref, user_id=APPROVER, reason=reason, repo=sqlite_repo,
                            approvers=approvers())
    assert isinstance(result, Invalid) and result.errors["reason"].startswith("The reason ")
    assert sqlite_repo.get(stored.ref).state == RequestState.PENDING  # type: ignore[union-attr]


def test_rejecting_records_who_and_why(repo: Repository) -> None:
    stored = submit(repo)
    result = reject_request(stored.ref, user_id=APPROVER, reason="  amount is wrong ",
                            repo=repo, approvers=approvers())
    assert isinstance(result, Decided)
    assert result.stored.state == RequestState.REJECTED
    assert (result.stored.decided_by, result.stored.reject_reason) == (APPROVER,
                                                                       "amount is wrong")
    after = approve_request(stored.ref, user_id=APPROVER, repo=repo, approvers=approvers())
    assert after == Refused(f"You already rejected {stored.ref}; nothing more to do.",
                            repeat=True)


def test_the_requester_cannot_reject_their_own_request(sqlite_repo: Repository) -> None:
    stored = submit(sqlite_repo)
    result = reject_request(stored.ref, user_id=REQUESTER, reason="oops", repo=sqlite_repo,
                            approvers=Roster([REQUESTER], no_groups))
    assert isinstance(result, Refused)
    assert sqlite_repo.get(stored.ref).state == RequestState.PENDING  # type: ignore[union-attr]


# -- creating the order --------------------------------------------------------------------


def test_the_order_body_is_what_bigcommerce_needs(sqlite_repo: Repository) -> None:
    stored = approved(sqlite_repo, phone="+1 512 555 0100", notes="gift wrap")
    bigcommerce = FakeBigCommerce(customers=[{"id": 7, "email": "jane@example.com"}])
    create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                      external_source=SOURCE)

    [body] = bigcommerce.called("create_order")
    address = {"first_name": "Jane", "last_name": "Doe", "street_1": "12 Main St",
               "city": "Austin", "state": "Texas", "zip": "78701", "country": "United States",
               "country_iso2": "US", "email": "jane@example.com", "phone": "+1 512 555 0100"}
    assert body["status_id"] == 11
    assert body["customer_id"] == 7
    assert body["billing_address"] == address
    assert body["shipping_addresses"] == [address]
    assert body["products"] == [
        {"product_id": 111, "variant_id": 201, "quantity": 2,
         "price_ex_tax": 19.99, "price_inc_tax": 19.99},
        {"product_id": 113, "variant_id": 205, "quantity": 1,
         "price_ex_tax": 12.0, "price_inc_tax": 12.0}]
    # Every money pair, so the store's price lists and tax settings change nothing.
    assert (body["subtotal_ex_tax"], body["subtotal_inc_tax"]) == ("51.98", "51.98")
    assert (body["total_ex_tax"], body["total_inc_tax"]) == ("56.98", "56.98")
    assert body["discount_amount"] == "0.00"
    assert body["shipping_cost_ex_tax"] == "5.00"
    assert body["shipping_cost_inc_tax"] == "5.00"
    assert body["payment_method"] == "Bank transfer"
    assert body["payment_provider_id"] == "BT-1"
    assert body["external_source"] == SOURCE
    assert body["external_order_id"] == stored.ref
    assert "gift wrap" in body["staff_notes"]

    done = sqlite_repo.get(stored.ref)
    assert done is not None and done.state == RequestState.ORDERED
    assert done.order_id == 100 and done.order_status == "Awaiting Fulfillment"
    assert "order_created" in actions(sqlite_repo, stored.ref)


def test_a_guest_customer_gets_id_zero_and_completed_status(sqlite_repo: Repository) -> None:
    stored = approved(sqlite_repo, order_status="10", shipping_cost=None,
                      amount_paid="51.98")
    bigcommerce = FakeBigCommerce()
    create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                      external_source=SOURCE)
    [body] = bigcommerce.called("create_order")
    assert body["customer_id"] == 0
    assert body["status_id"] == 10
    assert "phone" not in body["billing_address"]
    assert (body["shipping_cost_ex_tax"], body["shipping_cost_inc_tax"]) == ("0.00", "0.00")


def test_the_lookup_comes_before_the_create(sqlite_repo: Repository) -> None:
    stored = approved(sqlite_repo)
    bigcommerce = FakeBigCommerce()
    create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                      external_source=SOURCE)
    names = [name for name, _ in bigcommerce.calls]
    assert names == ["find_orders_by_external_id", "customer_by_email", "create_order"]
    assert bigcommerce.calls[0][1] == stored.ref


def test_an_order_that_already_exists_is_adopted(sqlite_repo: Repository) -> None:
    stored = approved(sqlite_repo)
    bigcommerce = FakeBigCommerce()
    bigcommerce.orders += [
        {"id": 512, "external_order_id": stored.ref, "status_id": 11,
         "status": "Awaiting Fulfillment", "total_inc_tax": "56.98", "currency_code": "USD"},
        {"id": 511, "external_order_id": stored.ref, "status_id": 11,
         "status": "Awaiting Fulfillment", "total_inc_tax": "56.98", "currency_code": "USD"},
    ]
    create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                      external_source=SOURCE)
    assert bigcommerce.called("create_order") == []
    done = sqlite_repo.get(stored.ref)
    assert done is not None and done.state == RequestState.ORDERED and done.order_id == 511
    assert "order_adopted" in actions(sqlite_repo, stored.ref)


def test_an_ambiguous_failure_retries_and_the_retry_adopts(sqlite_repo: Repository) -> None:
    stored = approved(sqlite_repo)
    bigcommerce = FakeBigCommerce()
    bigcommerce.fail("create_order", ServerError(["gateway timeout"], status=504,
                                                 method="POST", path="/v2/orders",
                                                 ambiguous=True), applied=True)
    with pytest.raises(RetryLater):
        create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                          external_source=SOURCE)
    assert sqlite_repo.get(stored.ref).state == RequestState.APPROVED  # type: ignore[union-attr]

    create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                      external_source=SOURCE)
    assert len(bigcommerce.called("create_order")) == 1
    assert len(bigcommerce.orders) == 1
    assert bigcommerce.calls[-1] == ("find_orders_by_external_id", stored.ref)
    done = sqlite_repo.get(stored.ref)
    assert done is not None and done.state == RequestState.ORDERED
    assert done.order_id == bigcommerce.orders[0]["id"]


@pytest.mark.parametrize("error", [
    Unavailable(["connection refused"], method="POST", path="/v2/orders", ambiguous=True),
    RateLimited(["slow down"], status=429, method="POST", path="/v2/orders"),
    ServerError(["oops"], status=500, method="POST", path="/v2/orders"),
], ids=["unavailable", "rate-limited", "server-error"])
def test_transient_failures_retry_then_create_once(sqlite_repo: Repository,
                                                   error: BigCommerceError) -> None:
    stored = approved(sqlite_repo)
    bigcommerce = FakeBigCommerce()
    bigcommerce.fail("create_order", error)
    with pytest.raises(RetryLater):
        create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                          external_source=SOURCE)
    create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                      external_source=SOURCE)
    assert len(bigcommerce.orders) == 1
    assert sqlite_repo.get(stored.ref).state == RequestState.ORDERED  # type: ignore[union-attr]


def test_a_failed_lookup_never_creates(sqlite_repo: Repository) -> None:
    stored = approved(sqlite_repo)
    bigcommerce = FakeBigCommerce()
    bigcommerce.fail("find_orders_by_external_id",
                     Unavailable(["timed out"], method="GET", path="/v2/orders"))
    with pytest.raises(RetryLater):
        create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                          external_source=SOURCE)
    assert bigcommerce.called("create_order") == []


def test_an_invalid_order_fails_with_the_problem(sqlite_repo: Repository) -> None:
    stored = approved(sqlite_repo)
    bigcommerce = FakeBigCommerce()
    bigcommerce.fail("create_order", InvalidRequest(["The product is out of stock"], status=400,
                                                    method="POST", path="/v2/orders"))
    create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                      external_source=SOURCE)
    failed = sqlite_repo.get(stored.ref)
    assert failed is not None and failed.state == RequestState.FAILED
    assert failed.problem is not None
    assert failed.problem.startswith("BigCommerce refused the order: ")
    assert "The product is out of stock" in failed.problem
    assert "order_failed" in actions(sqlite_repo, stored.ref)
    # A failed request is final: another run does not create anything.
    create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                      external_source=SOURCE)
    assert len(bigcommerce.called("create_order")) == 1


def test_bad_credentials_keep_the_approval_and_note_the_problem(
    sqlite_repo: Repository,
) -> None:
    stored = approved(sqlite_repo)
    bigcommerce = FakeBigCommerce()
    bigcommerce.fail("find_orders_by_external_id",
                     AuthenticationFailed(status=401, method="GET", path="/v2/orders"))
    with pytest.raises(RetryLater):
        create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                          external_source=SOURCE)
    current = sqlite_repo.get(stored.ref)
    assert current is not None and current.state == RequestState.APPROVED
    assert current.problem and "credentials" in current.problem

    # The card learns of the problem once, not at every retry.
    def card_updates() -> int:
        return sum(1 for job in sqlite_repo.pending_jobs() if job["kind"] == "update_card")
    before = card_updates()
    bigcommerce.fail("find_orders_by_external_id",
                     AuthenticationFailed(status=401, method="GET", path="/v2/orders"))
    with pytest.raises(RetryLater):
        create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                          external_source=SOURCE)
    assert card_updates() == before
    assert actions(sqlite_repo, stored.ref).count("problem") == 1


def test_only_approved_requests_get_an_order(sqlite_repo: Repository) -> None:
    pending = submit(sqlite_repo)
    bigcommerce = FakeBigCommerce()
    create_paid_order(pending.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                      external_source=SOURCE)
    create_paid_order("PO-NOPE", repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                      external_source=SOURCE)
    assert bigcommerce.calls == []


def test_an_ordered_request_is_not_ordered_again(sqlite_repo: Repository) -> None:
    stored = approved(sqlite_repo)
    bigcommerce = FakeBigCommerce()
    for _ in range(3):
        create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=bigcommerce,  # type: ignore[arg-type]
                          external_source=SOURCE)
    assert len(bigcommerce.orders) == 1
    assert len(bigcommerce.called("create_order")) == 1


def test_an_ordered_request_keeps_its_transaction_id_booked(sqlite_repo: Repository) -> None:
    stored = approved(sqlite_repo)
    create_paid_order(stored.ref, repo=sqlite_repo, bigcommerce=FakeBigCommerce(),  # type: ignore[arg-type]
                      external_source=SOURCE)
    again = submit_request(RequestForm(**GOOD), requester_id=REQUESTER, origin_channel=None,
                           repo=sqlite_repo, lookup=lookup, currency="USD")
    assert isinstance(again, Invalid) and "already booked" in again.errors["transaction_id"]
