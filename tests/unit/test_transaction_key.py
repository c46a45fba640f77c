"""`transaction_key`: which spellings of a transaction id are the same payment."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.transaction_key import transaction_key

SAME_AS_TXN_1 = [
    "TXN-1", "txn-1", " TXN-1 ", "ＴＸＮ－１", "ＴＸＮ-1", "TXN\u20101", "TXN\u20111", "TXN\u20121",
    "TXN\u20131", "TXN\u20141", "TXN\u20151", "TXN\u22121", "TXN\ufe631", "TXN\uff0d1",
    "TXN\u2e3a1", "TXN\u27961", "TXN\u02d71", "TXN\u207b1", "TXN\u208b1", "\u00a0TXN-1\u3000",
    "TXN-\u200d1",
]


@pytest.mark.parametrize("spelling", SAME_AS_TXN_1)
def test_variants_of_one_id_have_one_key(spelling: str) -> None:
    assert transaction_key(spelling) == "txn-1"


@pytest.mark.parametrize("spelling", [
    "\u0412\u0422-1001",  # Cyrillic В Т, as typed with a Russian keyboard layout
    "\u0392\u03a4-1001",  # Greek Β Τ
    "B\u0422-1001", "bт-1001", "ＢＴ-１００１",
])
def test_cyrillic_and_greek_look_alikes_are_the_latin_payment(spelling: str) -> None:
    assert transaction_key(spelling) == transaction_key("BT-1001") == "bt-1001"


def test_case_is_folded_beyond_lower_case() -> None:
    assert transaction_key("STRASSE-7") == transaction_key("straße-7") == "strasse-7"


def test_runs_of_any_spacing_are_one_space_but_a_gap_is_kept() -> None:
    assert transaction_key("REF\t 42\u00a0\u2003A") == "ref 42 a"
    assert transaction_key("REF 42") != transaction_key("REF42")


@pytest.mark.parametrize(("one", "other"), [("TXN-1", "TXN-2"), ("TXN-1", "TXN_1"),
                                            ("TXN-1", "TXN.1"), ("TXN-1", "TXN1")])
def test_different_ids_stay_different(one: str, other: str) -> None:
    assert transaction_key(one) != transaction_key(other)


@given(st.text(max_size=60))
def test_the_key_is_its_own_key(text: str) -> None:
    key = transaction_key(text)
    assert transaction_key(key) == key
