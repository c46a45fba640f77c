"""`paidorder demo` plays the whole story, two approvals included, and exits 0."""

from __future__ import annotations

import io

from bot import demo


def test_the_demo_exits_0_and_shows_a_request_approved_by_two() -> None:
    out = io.StringIO()
    assert demo.run(out) == 0, out.getvalue()[-2000:]
    told = out.getvalue()
    assert "the card shows 1 of 2 approvals and keeps its buttons; no order yet" in told
    assert "waiting for a second approver" in told
    assert f"*Approved* by <@{demo.AVERY}> and <@{demo.MORGAN}>" in told
    assert "Riley clicks Edit: the form opens filled in (Items: 'MUG-WHT x 1 @ 12.00')" in told
    assert f"Only <@{demo.RILEY}>, who made" in told and f"*Cancelled* by <@{demo.RILEY}>" in told
