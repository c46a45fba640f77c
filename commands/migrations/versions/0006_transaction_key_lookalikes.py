"""Re-key every request's transaction id: Cyrillic and Greek look-alikes now fold to Latin.

commands/transaction_key.py now reads "ВТ-1001" (Cyrillic В and Т) as "BT-1001". Requests
booked before under such a variant are re-keyed the way revision 0003 does it: the oldest live
one keeps the key, each later one gets a key of its own ending in "#<its ref>" and an audit
line naming the request it repeats, so the upgrade never fails.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _first_rekeying():  # revision files are not importable by module name
    path = Path(__file__).with_name("0003_transaction_key_nfkc.py")
    spec = importlib.util.spec_from_file_location("paidorder_revision_0003", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    _first_rekeying().rekey(op.get_bind(), actor="migration 0006")


def downgrade() -> None:
    # The keys stay folded: a look-alike variant keeps comparing equal to its Latin payment,
    # which is the safe side, and the unique index still holds.
    pass
