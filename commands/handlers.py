"""One function per command: submit, approve, reject, create the paid order.

Handlers receive their ports (repository, BigCommerce client, catalog, rosters) as arguments and
return plain results; the Slack layer decides how to show them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from decimal import Decimal

from commands.approvals import EditedSince, approvals_needed
from commands.bigcommerce import (
    AuthenticationFailed,
    BigCommerceClient,
    BigCommerceError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    Unavailable,
    UnusableAnswer,
)
from commands.bigcommerce_answers import Order
from commands.changes import cancel, edit
from commands.form_text import multiline_problem
from commands.models import OrderRequest, RequestForm, RequestState
from commands.orders import order_body
from commands.permissions import Refused, may_change, may_decide
from commands.repository import PaymentAlreadyBooked, Repository, StoredRequest
from commands.roster import Roster
from commands.validation import (
    DEFAULT_TERMS,
    CatalogLookup,
    CustomerLookup,
    Errors,
    FormTerms,
    validate_request,
)

log = logging.getLogger(__name__)

MAX_REASON = 2000


@dataclass(frozen=True)
class Submitted:
    stored: StoredRequest


@dataclass(frozen=True)
class Edited(Submitted):
    """The requester's changes to a pending request, saved."""


@dataclass(frozen=True)
class Invalid:
    errors: Errors


@dataclass(frozen=True)
class Decided:
    stored: StoredRequest


class RetryLater(Exception):
    """The order may or may not exist yet; try again later, looking it up first."""


def submit_request(
    form: RequestForm, *, requester_id: str, origin_channel: str | None, repo: Repository,
    lookup: CatalogLookup, currency: str, terms: FormTerms = DEFAULT_TERMS,
    customer: CustomerLookup | None = None, second_approval_over: Decimal | None = None,
) -> Submitted | Invalid:
    result = validate_request(form, lookup=lookup, payment_booked=repo.payment_booked,
                              terms=terms, customer=customer)
    if isinstance(result, dict):
        return Invalid(result)
    try:
        stored = repo.add_request(
            result, requester_id=requester_id, origin_channel=origin_channel, currency=currency,
            approvals_needed=approvals_needed(result.amount_paid, second_approval_over))
    except PaymentAlreadyBooked:
        return _booked_meanwhile(result)
    return Submitted(stored)


def edit_request(
    ref: str, form: RequestForm, *, user_id: str, repo: Repository, requesters: Roster,
    lookup: CatalogLookup, terms: FormTerms = DEFAULT_TERMS,
    customer: CustomerLookup | None = None, second_approval_over: Decimal | None = None,
    seen: datetime | None = None,
) -> Edited | Invalid | Refused:
    """The requester's changed form for their pending request `ref`: checked like a new one
    (its own transaction id is not a clash), then put in its place, approvals cleared.
    `seen` is the request's last edit when this form was opened (None: none)."""
    stored = repo.get(ref)
    refusal = may_change(user_id, stored, requesters, editing=True)
    if refusal:
        return refusal
    # A file input can't be filled in: an edit that attaches nothing keeps the files it had.
    kept = stored.request.proof if stored and not form.proof else ()
    result = validate_request(
        form, lookup=lookup, customer=customer,
        terms=replace(terms, require_proof=False) if kept else terms,
        payment_booked=lambda method, txn: repo.payment_booked(method, txn, besides=ref))
    if isinstance(result, dict):
        return Invalid(result)
    if kept:
        result = result.model_copy(update={"proof": kept})
    try:
        edited = edit(repo, ref, user_id, result, seen=seen,
                      approvals_needed=approvals_needed(result.amount_paid,
                                                        second_approval_over))
    except PaymentAlreadyBooked:
        return _booked_meanwhile(result)
    except EditedSince:
        return Refused(f"{ref} was saved from another Edit form after this one was opened; "
                       "close this form and click Edit on its card again.")
    if edited is None:  # decided, expired or cancelled since the check above
        return may_change(user_id, repo.get(ref), requesters, editing=True) or Refused(
            f"{ref} changed just now; your changes were not saved.")
    return Edited(edited)


def cancel_request(ref: str, *, user_id: str, repo: Repository,
                   requesters: Roster) -> Decided | Refused:
    refusal = may_change(user_id, repo.get(ref), requesters, editing=False)
    if refusal:
        return refusal
    cancelled = cancel(repo, ref, user_id)
    if cancelled is None:
        return may_change(user_id, repo.get(ref), requesters, editing=False) or Refused(
            f"{ref} changed just now; please look at its card and try again.")
    return Decided(cancelled)


def _booked_meanwhile(request: OrderRequest) -> Invalid:
    # Two requests with the same payment raced past the form's check; the index decided.
    return Invalid({"transaction_id": (
        f"Transaction ID {request.transaction_id} was already booked as a "
        f"{request.payment_method} payment.")})


def approve_request(ref: str, *, user_id: str, repo: Repository, approvers: Roster,
                    seen: datetime | None = None) -> Decided | Refused:
    """`seen` is the request's last edit on the card the approver clicked (None: none)."""
    stored = repo.get(ref)
    refusal = may_decide(user_id, stored, approvers)
    if refusal:
        return refusal
    try:
        approved = repo.approve(ref, user_id, seen=seen)
    except EditedSince:
        return Refused(f"{ref} was edited after the card you clicked was shown; look at its "
                       "card again and approve what it says now.")
    if approved is None:  # another approver or a double click won the race
        return _lost_race(ref, user_id, repo=repo, approvers=approvers, approving=True)
    return Decided(approved)


def reject_request(ref: str, *, user_id: str, reason: str, repo: Repository,
                   approvers: Roster) -> Decided | Refused | Invalid:
    reason = reason.strip()
    if not reason:
        return Invalid({"reason": "Say why the request is rejected."})
    if len(reason) > MAX_REASON:
        return Invalid({"reason": f"Keep the reason under {MAX_REASON:,} characters."})
    if problem := multiline_problem(reason, "The reason"):
        return Invalid({"reason": problem})
    stored = repo.get(ref)
    refusal = may_decide(user_id, stored, approvers, approving=False)
    if refusal:
        return refusal
    rejected = repo.reject(ref, user_id, reason)
    if rejected is None:
        return _lost_race(ref, user_id, repo=repo, approvers=approvers, approving=False)
    return Decided(rejected)


def _lost_race(ref: str, user_id: str, *, repo: Repository, approvers: Roster,
               approving: bool) -> Refused:
    """Why a decision that passed the check a moment ago changed nothing: the same rule, asked
    again of what the request is now."""
    return may_decide(user_id, repo.get(ref), approvers, approving=approving) or Refused(
        f"{ref} changed just now; please look at its card and try again.")


def create_paid_order(ref: str, *, repo: Repository, bigcommerce: BigCommerceClient,
                      external_source: str, timezone: tzinfo = UTC) -> str | None:
    """Make sure the approved request `ref` has exactly one BigCommerce order.

    Returns "created" or "adopted" when this call recorded the order, else None.

    BigCommerce has no idempotency key, so the request reference travels in
    `external_order_id` and is looked up before every create, including every retry. Any
    failure that leaves it unclear whether the order was made raises RetryLater; the next try
    starts with the lookup again. Meanwhile the card says what is wrong (times in `timezone`).
    """
    stored = repo.get(ref)
    if stored is None or stored.state != RequestState.APPROVED:
        return None
    try:
        existing = bigcommerce.find_orders_by_external_id(ref)
        if existing:
            first = min(existing, key=lambda o: o.id)
            if repo.record_order(ref, first, adopted=True):
                _check_total(ref, first, stored, repo)
                return "adopted"
            return None
        customer_id = stored.request.customer_id
        if customer_id is None:  # a request stored before the customer travelled with it
            customer = bigcommerce.customer_by_email(stored.request.customer_email)
            customer_id = customer.id if customer else 0
        body = order_body(stored, customer_id=customer_id, external_source=external_source)
        repo.record_event(ref, "bot", "order_create_attempted",
                          {"customer_id": body["customer_id"]})
        order = bigcommerce.create_order(body)
    except UnusableAnswer as exc:
        _unusable_answer(ref, exc, repo=repo)
        return None
    except (InvalidRequest, NotFound) as exc:
        repo.record_failure(ref, f"BigCommerce refused the order: {exc}")
        return None
    except BigCommerceError as exc:
        # Credentials keep the approval too: it goes through once the admin has fixed them.
        repo.note_problem(ref, outage(exc, repo.clock().astimezone(timezone)))
        raise RetryLater(str(exc)) from exc
    if repo.record_order(ref, order, adopted=False):  # also clears the problem
        _check_total(ref, order, stored, repo)
        return "created"
    return None


def _check_total(ref: str, order: Order, stored: StoredRequest, repo: Repository) -> None:
    """BigCommerce's total must be the card's; a difference is audited, shown on the card and
    in the summary's "needs a person" (both read the recorded order total)."""
    held = order.total_inc_tax
    if held is not None and held != stored.request.total:
        log.warning("order for %s: BigCommerce's total %s is not the card's %s", ref, held,
                    stored.request.total)
        repo.record_event(ref, "bigcommerce", "order_total_differs",
                          {"bigcommerce": str(held), "card": str(stored.request.total)})


def outage(exc: BigCommerceError, last_try: datetime) -> str:
    """What the card says while BigCommerce keeps failing.

    The time is to the minute, so the card (one `chat.update` per change) follows the state of
    the problem and not every retry: retries in the same minute leave the text as it is.
    """
    if isinstance(exc, (AuthenticationFailed, PermissionDenied)):
        what = f"BigCommerce refused the bot's credentials: {str(exc).rstrip('.')}"
    elif isinstance(exc, Unavailable):
        what = "BigCommerce is not answering"
    elif isinstance(exc, ServerError):
        what = "BigCommerce is having server errors"
    elif isinstance(exc, RateLimited):
        what = "BigCommerce is rate-limiting the bot"
    else:
        what = f"BigCommerce could not take the order yet: {exc}"
    return f"{what} — retrying; last try {last_try:%H:%M}"


def _unusable_answer(ref: str, exc: UnusableAnswer, *, repo: Repository) -> None:
    """An answer we can't read is the same on every retry, so a person must look. When it was
    about an order for this request, that order exists: it must not be created again, so the
    request fails (which ends the retries) and says where to look."""
    repo.record_event(ref, "bigcommerce", "unusable_answer", {
        "endpoint": f"{exc.method} {exc.path}", "field": exc.field, "order_id": exc.order_id})
    made = f"order #{exc.order_id}" if exc.order_id else f"an order with external id {ref}"
    if exc.method == "POST":
        problem = (f"BigCommerce created {made} for this request, but its answer can't be used "
                   f"({exc.field}). Check that order in the BigCommerce control panel before "
                   "recording this payment again.")
    elif exc.path.startswith("/v2/orders"):
        problem = (f"BigCommerce's answer about {made} can't be used ({exc.field}). Check the "
                   "BigCommerce control panel for that order before recording this payment "
                   "again.")
    else:
        problem = (f"BigCommerce's answer about the customer can't be used ({exc.field}), so no "
                   "order was created.")
    repo.record_failure(ref, problem)
