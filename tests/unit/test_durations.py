"""Durations in settings (`30m`, `4h`, `7d`, `off`), how messages say them, and when reminders
fall due: a bad value stops start-up with one sentence naming the variable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.cards import request_card, requester_notice
from bot.reminder_view import MAX_NAMED, reminder_text
from bot.summary_view import summary_message
from commands.durations import BadDuration, parse_duration, spoken_duration
from commands.models import RequestState
from commands.reminders import MAX_REMINDERS, Timing, latest_due
from commands.summary import Summary
from tests.unit.test_cards import stored_request, texts
from tests.unit.test_config import env, load, problem  # noqa: F401  (env is a fixture)


@pytest.mark.parametrize(("written", "meant"), [
    ("30m", timedelta(minutes=30)), ("4h", timedelta(hours=4)), ("7d", timedelta(days=7)),
    ("45s", timedelta(seconds=45)), ("4 h", timedelta(hours=4)), (" 90m ", timedelta(hours=1.5)),
    ("4H", timedelta(hours=4)), ("365d", timedelta(days=365)), ("off", None), ("OFF", None),
])
def test_durations_people_write(written: str, meant: timedelta | None) -> None:
    assert parse_duration(written) == meant


@pytest.mark.parametrize("written", [
    "", "4", "h", "4x", "4.5h", "-1h", "+4h", "4hours", "4h30m", "PT4H", "1e3s", "４h",
    "4  h", "never", "0h", "0s", "366d", "9999999999d",
])
def test_anything_else_is_refused(written: str) -> None:
    with pytest.raises(BadDuration):
        parse_duration(written)


@pytest.mark.parametrize(("amount", "said"), [
    (timedelta(hours=4), "4 h"), (timedelta(days=7), "7 d"), (timedelta(minutes=30), "30 min"),
    (timedelta(days=1, hours=12), "1 d 12 h"), (timedelta(days=1, minutes=5), "1 d"),
    (timedelta(hours=4, minutes=30, seconds=9), "4 h 30 min"), (timedelta(seconds=45), "45 s"),
    (timedelta(0), "0 s"),
])
def test_how_messages_say_a_duration(amount: timedelta, said: str) -> None:
    assert spoken_duration(amount) == said


def test_the_defaults_are_four_hours_and_seven_days(env: pytest.MonkeyPatch) -> None:  # noqa: F811
    settings = load()
    assert settings.remind_after == timedelta(hours=4)
    assert settings.expire_after == timedelta(days=7)
    env.setenv("PAIDORDER_REMIND_AFTER", "off")
    env.setenv("PAIDORDER_EXPIRE_AFTER", "30m")
    settings = load()
    assert settings.remind_after is None and settings.expire_after == timedelta(minutes=30)


@pytest.mark.parametrize("name", ["PAIDORDER_REMIND_AFTER", "PAIDORDER_EXPIRE_AFTER"])
def test_a_bad_duration_stops_start_up_with_one_sentence(
    env: pytest.MonkeyPatch, name: str  # noqa: F811
) -> None:
    assert problem(env, **{name: "4 hours"}) == (
        f"{name} must be a number and s, m, h or d (such as 30m, 4h or 7d), or off.")
    assert problem(env, **{name: "0m"}) == f"{name} must be longer than 0 (or off)."
    assert problem(env, **{name: "400d"}) == f"{name} must be at most 365 days (or off)."


FOUR_HOURS = Timing(timedelta(hours=4), timedelta(days=7))


@pytest.mark.parametrize(("waited", "number"), [
    (timedelta(hours=3, minutes=59, seconds=59), 0), (timedelta(hours=4), 1),
    (timedelta(hours=7, minutes=59), 1), (timedelta(hours=8), 2), (timedelta(hours=12), 3),
    (timedelta(days=6), MAX_REMINDERS), (timedelta(days=30), MAX_REMINDERS),
])
def test_which_reminder_is_due(waited: timedelta, number: int) -> None:
    assert latest_due(waited, FOUR_HOURS) == number


def test_no_reminder_falls_due_at_or_after_the_expiry() -> None:
    assert latest_due(timedelta(hours=9), Timing(timedelta(hours=4), timedelta(hours=8))) == 1
    assert latest_due(timedelta(hours=9), Timing(timedelta(hours=4), timedelta(hours=9))) == 2
    assert latest_due(timedelta(hours=5), Timing(timedelta(hours=4), timedelta(hours=3))) == 0
    assert latest_due(timedelta(days=9), Timing(None, timedelta(days=7))) == 0
    assert latest_due(timedelta(days=9), Timing(timedelta(hours=4), None)) == 3


def test_a_reminder_names_users_and_groups() -> None:
    assert reminder_text("PO-ABCD2345", timedelta(hours=4), ["U0APPROVER", "S0FINANCE"]) == (
        ":bell: PO-ABCD2345 has waited 4 h for a decision — <@U0APPROVER> <!subteam^S0FINANCE>")


def test_a_long_approver_list_is_cut_short_not_mid_mention() -> None:
    many = [f"U{n:08d}" for n in range(200)]
    text = reminder_text("PO-ABCD2345", timedelta(hours=4), many)
    assert text.count("<@U") == MAX_NAMED and text.endswith(f"and {200 - MAX_NAMED} more")
    assert len(text) < 3000


def test_an_expired_card_has_no_buttons_and_says_why() -> None:
    made = datetime(2024, 5, 1, tzinfo=UTC)
    stored = stored_request(state=RequestState.EXPIRED, created_at=made,
                            decided_at=made + timedelta(days=7))
    text, blocks = request_card(stored)
    line = ":hourglass: *Expired* after 7 d without a decision; the transaction id is free again."
    assert line in texts(blocks) and not [b for b in blocks if b["type"] == "actions"]
    assert text.endswith("— expired")
    assert requester_notice(stored, approval_channel="C0APPROVALS") == (
        f"Your paid order request *{stored.ref}*: {line}")


def test_the_summary_says_how_many_expired_only_when_some_did() -> None:
    def requests_line(**counts: int) -> str:
        _, blocks = summary_message(Summary(day=date(2026, 3, 9), timezone="UTC", **counts),
                                    title="Paid orders")
        return next(t for t in texts(blocks) if t.startswith("*Requests:*"))

    assert requests_line(approved=2, rejected=1) == (
        "*Requests:* 2 approved · 1 rejected · 0 pending")
    assert requests_line(approved=2, expired=3) == (
        "*Requests:* 2 approved · 0 rejected · 3 expired · 0 pending")


def test_an_expired_card_names_a_first_approval_it_had() -> None:
    made = datetime(2024, 5, 1, tzinfo=UTC)
    stored = stored_request(state=RequestState.EXPIRED, created_at=made, approvals_needed=2,
                            approvers=("U0APPROVER",), decided_at=made + timedelta(hours=36))
    assert (":hourglass: *Expired* after 1 d 12 h without a decision (1 of 2 approvals by "
            "<@U0APPROVER>); the transaction id is free again.") in texts(request_card(stored)[1])
