"""The reminder posted in a waiting card's thread."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from commands.durations import spoken_duration

MAX_NAMED = 30  # approvers a reminder pings by name; a longer list would bury the message


def reminder_text(ref: str, waited: timedelta, approvers: Sequence[str]) -> str:
    """`waited` is from the request to the reminder's due time, so a late post says the same."""
    named = " ".join(mention(who) for who in approvers[:MAX_NAMED])
    if len(approvers) > MAX_NAMED:
        named += f" and {len(approvers) - MAX_NAMED} more"
    return f":bell: {ref} has waited {spoken_duration(waited)} for a decision — {named}"


def mention(slack_id: str) -> str:
    """A user id pings the user, a user-group id (S…) the group."""
    return f"<!subteam^{slack_id}>" if slack_id.startswith("S") else f"<@{slack_id}>"
