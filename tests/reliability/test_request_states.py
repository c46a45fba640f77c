"""Property: however approve / reject / expire / record_order / record_failure calls interleave —
one at a time or racing in threads, by any mix of users — the Repository keeps the request's story
straight: at most one decision, an order only after an approval, and one audit line (and one
card update) per transition that actually happened."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from commands.bigcommerce_answers import Order
from commands.models import Address, LineItem, OrderRequest, RequestState
from commands.reminders import expire
from commands.repository import Outbox, Repository
from commands.schema import outbox

USERS = st.sampled_from(["U0ANN", "U0BOB", "U0CAT"])
ORDER_IDS = st.integers(min_value=100, max_value=105)

# What each won transition writes to the audit log.
AUDITED = {"approved", "rejected", "order_created", "order_adopted", "order_failed", "expired"}
MOVES: dict[str, tuple[RequestState, RequestState]] = {
    "approve": (RequestState.PENDING, RequestState.APPROVED),
    "reject": (RequestState.PENDING, RequestState.REJECTED),
    "record_order": (RequestState.APPROVED, RequestState.ORDERED),
    "record_failure": (RequestState.APPROVED, RequestState.FAILED),
    "expire": (RequestState.PENDING, RequestState.EXPIRED),
}
_payments = itertools.count(1)


def new_request() -> OrderRequest:
    address = Address(first_name="Jane", last_name="Doe", street_1="12 Main St", city="Austin",
                      state="Texas", zip="78701", country="United States", country_iso2="US",
                      email="jane@example.com")
    return OrderRequest(
        customer_email="jane@example.com", address=address,
        items=(LineItem(sku="MUG", name="Mug", product_id=1, variant_id=2, quantity=1,
                        unit_price=Decimal("9.99")),),
        shipping_cost=Decimal("0"), payment_method="Cash",
        transaction_id=f"CASH-{next(_payments)}", amount_paid=Decimal("9.99"), status_id=11)


Operation = tuple[str, str, Any]  # (move, user, argument)
OPERATIONS = st.one_of(
    st.tuples(st.just("approve"), USERS, st.none()),
    st.tuples(st.just("reject"), USERS, st.sampled_from(["wrong amount", "duplicate"])),
    st.tuples(st.just("record_order"), st.just("bigcommerce"), st.tuples(ORDER_IDS,
                                                                          st.booleans())),
    st.tuples(st.just("record_failure"), st.just("bigcommerce"), st.just("refused")),
    st.tuples(st.just("expire"), st.just("paidorder"), st.none()),
)


class RequestLife(RuleBasedStateMachine):
    repo: Repository  # set by the test

    def __init__(self) -> None:
        super().__init__()
        self.ref = self.repo.add_request(new_request(), requester_id="U0REQ",
                                         origin_channel="C0SALES", currency="USD").ref
        self.state = RequestState.PENDING
        self.transitions: list[str] = []  # the moves that won, in order
        self.decided_by: str | None = None

    # -- doing things ------------------------------------------------------------------------

    def perform(self, operation: Operation) -> bool:
        move, user, argument = operation
        repo, ref = self.repo, self.ref
        if move == "approve":
            return repo.approve(ref, user) is not None
        if move == "reject":
            return repo.reject(ref, user, argument) is not None
        if move == "record_order":
            order_id, adopted = argument
            order = Order(id=order_id, status_id=11, status="Awaiting Fulfillment",
                          total_inc_tax=Decimal("9.99"), currency_code="USD", items_total=1,
                          items_shipped=0)
            return repo.record_order(ref, order, adopted=adopted)
        if move == "expire":
            return expire(repo, ref, deadline=repo.clock())
        return repo.record_failure(ref, argument)

    def won(self, operation: Operation) -> None:
        move, user, _ = operation
        before, after = MOVES[move]
        assert self.state == before, f"{move} won from {self.state}"
        self.state = after
        self.transitions.append(move)
        if move in ("approve", "reject"):
            assert self.decided_by is None, "a second decision won"
            self.decided_by = user

    @rule(operation=OPERATIONS)
    def one_at_a_time(self, operation: Operation) -> None:
        expected = MOVES[operation[0]][0] == self.state
        assert self.perform(operation) == expected
        if expected:
            self.won(operation)

    @rule(operations=st.lists(OPERATIONS, min_size=2, max_size=4))
    def racing(self, operations: list[Operation]) -> None:
        results: list[bool | None] = [None] * len(operations)
        gate = threading.Barrier(len(operations))

        def run(i: int) -> None:
            gate.wait()
            results[i] = self.perform(operations[i])

        _in_threads(run, len(operations))
        winners = [op for op, won in zip(operations, results, strict=True) if won]
        # The winners must form one path from the state before the race.
        while winners:
            nexts = [op for op in winners if MOVES[op[0]][0] == self.state]
            assert len(nexts) == 1, f"from {self.state} these all won: {winners}"
            self.won(nexts[0])
            winners.remove(nexts[0])

    # -- what must always hold ---------------------------------------------------------------

    @invariant()
    def database_agrees(self) -> None:
        stored = self.repo.get(self.ref)
        assert stored is not None
        assert stored.state == self.state
        assert stored.decided_by == self.decided_by
        assert (stored.order_id is not None) == (self.state == RequestState.ORDERED)

    @invariant()
    def one_audit_line_per_transition(self) -> None:
        trail = [a for a in self.repo.audit_trail(ref=self.ref) if a["action"] in AUDITED]
        names = {"approve": "approved", "reject": "rejected", "record_failure": "order_failed",
                 "expire": "expired"}
        expected = [names.get(m, "order_*") for m in self.transitions]
        actual = ["order_*" if a["action"] in ("order_created", "order_adopted")
                  else a["action"] for a in trail]
        assert actual == expected
        decisions = [a for a in trail if a["action"] in ("approved", "rejected")]
        assert [d["actor"] for d in decisions] == ([self.decided_by] if self.decided_by else [])

    @invariant()
    def one_card_update_per_transition(self) -> None:
        with self.repo.engine.connect() as conn:
            updates = conn.execute(select(func.count()).select_from(outbox).where(
                outbox.c.ref == self.ref, outbox.c.kind == Outbox.UPDATE_CARD)).scalar()
        assert updates == len(self.transitions)


def _in_threads(run: Callable[[int], None], n: int) -> None:
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)


def test_any_interleaving_keeps_the_request_story_straight(repo: Repository) -> None:
    RequestLife.repo = repo
    run_state_machine_as_test(RequestLife, settings=settings(
        max_examples=25, stateful_step_count=10, deadline=None, derandomize=False,
        suppress_health_check=[HealthCheck.too_slow]))
