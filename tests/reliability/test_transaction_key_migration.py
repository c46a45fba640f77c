"""A database made before transaction ids were folded is re-keyed on upgrade, duplicates and all."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, select

from commands import migrations
from commands.repository import PaymentAlreadyBooked, Repository, connect
from commands.schema import requests
from tests.reliability.test_request_states import new_request

SCRIPT = ScriptDirectory.from_config(migrations.config())
REKEY = next(r for r in SCRIPT.walk_revisions()
             if Path(r.path).name.endswith("_transaction_key_nfkc.py"))
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

# (ref, payment method, transaction id as typed, state), in the order they were submitted.
OLD_ROWS = [
    ("PO-AAAAAAAA", "Bank transfer", "TXN-1", "ordered"),
    ("PO-BBBBBBBB", "Bank transfer", "ＴＸＮ‐１", "pending"),  # fullwidth, U+2010: the same payment
    ("PO-CCCCCCCC", "Bank transfer", "txn\u22121", "rejected"),  # minus sign; rejected frees it
    ("PO-DDDDDDDD", "Cash", "TXN—1", "pending"),  # em dash, but another method
    ("PO-EEEEEEEE", "Bank transfer", " Straße\u00a0 7 ", "ordered"),
    ("PO-FFFFFFFF", "Bank transfer", "txn–1", "approved"),  # en dash: a second duplicate
]


def at_revision_before_rekeying(database_url: str) -> Engine:
    """A database at the revision before the re-keying, holding OLD_ROWS keyed the old way."""
    engine = connect(database_url)
    with engine.begin() as conn:
        command.upgrade(migrations.config(conn), str(REKEY.down_revision))
        for ref, method, typed, state in OLD_ROWS:
            conn.execute(insert(requests).values(
                ref=ref, state=state, requester_id="U0REQ", payment_method=method,
                transaction_key=typed.lower(), amount_paid=1, catalog_total=1, currency="USD",
                body={"transaction_id": typed}, created_at=NOW, updated_at=NOW))
    return engine


def keys(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(requests.c.ref, requests.c.transaction_key)).all())


def test_old_keys_are_folded_and_colliding_duplicates_get_their_own_key(
    database_url: str,
) -> None:
    engine = at_revision_before_rekeying(database_url)
    repo = Repository(engine)
    try:
        repo.create_schema()  # what the bot does at start-up; must not fail on the duplicates
        assert repo.pending_migrations() == []
        assert keys(engine) == {
            "PO-AAAAAAAA": "txn-1",  # the first booking keeps the key
            "PO-BBBBBBBB": "txn-1#po-bbbbbbbb",
            "PO-CCCCCCCC": "txn-1",  # rejected: outside the unique index
            "PO-DDDDDDDD": "txn-1",
            "PO-EEEEEEEE": "strasse 7",
            "PO-FFFFFFFF": "txn-1#po-ffffffff",
        }
        trail = repo.audit_trail(since=NOW)  # as `paidorder audit` reads it
        assert all(a["at"].tzinfo is not None for a in trail)
        lines = [(a["ref"], a["actor"], a["action"], a["detail"]) for a in trail]
        assert lines == [
            ("PO-BBBBBBBB", "migration 0003", "duplicate_transaction_id",
             {"same_payment_as": "PO-AAAAAAAA", "transaction_id": "ＴＸＮ‐１"}),
            ("PO-FFFFFFFF", "migration 0003", "duplicate_transaction_id",
             {"same_payment_as": "PO-AAAAAAAA", "transaction_id": "txn–1"}),
        ]
        # From now on every variant is the booked payment, and the index still refuses it.
        for variant in ["txn-1", "ＴＸＮ－１", "TXN\u20111", "TXN﹣1", " txn\u22121 "]:
            assert repo.payment_booked("Bank transfer", variant), variant
        assert repo.payment_booked("Bank transfer", "STRASSE  7")
        request = new_request().model_copy(update={"payment_method": "Bank transfer",
                                                   "transaction_id": "Ｔｘｎ‐1"})
        with pytest.raises(PaymentAlreadyBooked):
            repo.add_request(request, requester_id="U0REQ", origin_channel=None, currency="USD")
    finally:
        engine.dispose()


def test_the_downgrade_brings_back_lower_cased_keys(database_url: str) -> None:
    engine = at_revision_before_rekeying(database_url)
    try:
        Repository(engine).create_schema()
        with engine.begin() as conn:
            command.downgrade(migrations.config(conn), str(REKEY.down_revision))
        after = keys(engine)
        assert after["PO-AAAAAAAA"] == "txn-1" and after["PO-BBBBBBBB"] == "ｔｘｎ‐１#po-bbbbbbbb"
        assert after["PO-CCCCCCCC"] == "txn\u22121"
    finally:
        engine.dispose()


LOOKALIKES = next(r for r in SCRIPT.walk_revisions()
                  if Path(r.path).name.endswith("_transaction_key_lookalikes.py"))


def test_look_alike_ids_booked_before_are_re_keyed_as_duplicates(database_url: str) -> None:
    """A database keyed by revision 0003's rule, holding "BT-1001" and a Cyrillic "ВТ-1001",
    upgrades without failing: the later booking is marked a duplicate, and from then on every
    look-alike is the booked payment."""
    engine = connect(database_url)
    try:
        with engine.begin() as conn:
            command.upgrade(migrations.config(conn), str(LOOKALIKES.down_revision))
            for ref, typed, key in [("PO-GGGGGGGG", "BT-1001", "bt-1001"),
                                    ("PO-HHHHHHHH", "\u0412\u0422-1001", "\u0432\u0442-1001")]:
                conn.execute(insert(requests).values(
                    ref=ref, state="pending", requester_id="U0REQ", payment_method="Cash",
                    transaction_key=key, amount_paid=1, catalog_total=1, currency="USD",
                    body={"transaction_id": typed}, created_at=NOW, updated_at=NOW))
        repo = Repository(engine)
        repo.create_schema()
        assert keys(engine) == {"PO-GGGGGGGG": "bt-1001", "PO-HHHHHHHH": "bt-1001#po-hhhhhhhh"}
        [line] = [(a["ref"], a["actor"], a["detail"]["same_payment_as"])
                  for a in repo.audit_trail(since=NOW)]
        assert line == ("PO-HHHHHHHH", "migration 0006", "PO-GGGGGGGG")
        assert repo.payment_booked("Cash", "\u0392\u03a4-1001")
    finally:
        engine.dispose()
