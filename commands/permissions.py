"""Who may do what: one function per kind of command, each answering a `Refused` or None.

Every listener asks here before it does anything, so a slash command typed by anyone, or a button
clicked by anyone in the channel, changes nothing unless the rule below allows it:

- `/paidorder` (the form) — the requesters (PAIDORDER_REQUESTERS; empty = everyone);
- `status` — the requesters, and the approvers (who may ship, so may see what they ship);
- `ship` — the approvers and the requester of that order's request;
- `summary` and `export` — the approvers;
- Approve and Reject — the approvers, never on their own request; a request that needs two
  approvals needs two different approvers;
- Edit and Cancel — the request's requester alone, while it is pending (Edit also asks that
  they may still record paid orders).

`status` and `ship` only touch orders this bot recorded; any other order id is refused before
BigCommerce is asked anything about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.models import RequestState
from commands.repository import StoredRequest
from commands.roster import Roster


@dataclass(frozen=True)
class Refused:
    """The click or command changes nothing; `message` says why, in plain words.

    `repeat` marks a click that only repeats what this user already did (a double click, or
    Slack delivering the click again): it needs no warning tone, and a retry needs no answer.
    """

    message: str
    repeat: bool = False


def may_request(user_id: str, requesters: Roster) -> Refused | None:
    if requesters.includes(user_id):
        return None
    return Refused("You're not on the list of people who may record paid orders. "
                   "Ask your admin to add you to PAIDORDER_REQUESTERS.")


def may_see_order(user_id: str, order_id: int, stored: StoredRequest | None, *,
                  requesters: Roster, approvers: Roster) -> Refused | None:
    """`/paidorder status`; `stored` is the bot's request for `order_id`, if it has one."""
    if stored is not None and user_id == stored.requester_id:
        return None  # whoever may ship an order may see it, even if no longer a requester
    if not requesters.includes(user_id) and not approvers.includes(user_id):
        return Refused("Only the people who may record paid orders, and approvers, "
                       "may look up orders.")
    if stored is None:
        return _not_ours(order_id)
    return None


def may_ship(user_id: str, order_id: int, stored: StoredRequest | None, *,
             approvers: Roster) -> Refused | None:
    """`/paidorder ship`; `stored` is the bot's request for `order_id`, if it has one."""
    if stored is None:
        return _not_ours(order_id)
    if user_id == stored.requester_id or approvers.includes(user_id):
        return None
    return Refused(f"Only approvers and the person who requested order #{order_id} "
                   "may ship it.")


def may_post_summary(user_id: str, approvers: Roster) -> Refused | None:
    if approvers.includes(user_id):
        return None
    return Refused("Only approvers may post the summary.")


def may_export(user_id: str, approvers: Roster) -> Refused | None:
    if approvers.includes(user_id):
        return None
    return Refused("Only approvers may export orders.")


def may_decide(user_id: str, stored: StoredRequest | None, approvers: Roster, *,
               approving: bool = True) -> Refused | None:
    """The one place that decides whether `user_id` may approve (or, with `approving` False,
    reject) a request. An approver who gave the first of two approvals may still reject it."""
    if stored is None:
        return Refused("That request no longer exists.")
    if user_id == stored.requester_id:
        return Refused("You can't approve or reject your own request; another approver must.")
    if not approvers.includes(user_id):
        return Refused("Only approvers can approve or reject paid-order requests.")
    if stored.state != RequestState.PENDING:
        return already_decided(stored, user_id)
    if approving and user_id in stored.approvers:
        return Refused(f"You already approved {stored.ref}; waiting for a second approver.",
                       repeat=True)
    return None


def may_change(user_id: str, stored: StoredRequest | None, requesters: Roster, *,
               editing: bool) -> Refused | None:
    """Edit (`editing`) or Cancel: only the requester, and only before anyone decided."""
    if stored is None:
        return Refused("That request no longer exists.")
    if user_id != stored.requester_id:
        return Refused(f"Only <@{stored.requester_id}>, who made {stored.ref}, can edit or "
                       "cancel it.")
    if stored.state == RequestState.CANCELLED:
        return Refused(f"{stored.ref} is already cancelled; nothing more to do.", repeat=True)
    if stored.state != RequestState.PENDING:
        what = {RequestState.EXPIRED: "expired without a decision",
                RequestState.REJECTED: "was already rejected"}.get(stored.state,
                                                                   "was already approved")
        return Refused(f"{stored.ref} {what}, so it can no longer be edited or cancelled.")
    if editing:
        return may_request(user_id, requesters)
    return None


def already_decided(stored: StoredRequest, user_id: str) -> Refused:
    """Why a click on a request that is no longer pending changes nothing."""
    if stored.state == RequestState.PENDING:
        return Refused(f"{stored.ref} is still waiting for a decision.")
    if stored.state == RequestState.EXPIRED:
        return Refused(f"{stored.ref} expired without a decision; its transaction id is free "
                       "for a new request.")
    if stored.state == RequestState.CANCELLED:
        repeat = stored.decided_by == user_id
        return Refused(f"{stored.ref} was cancelled by its requester; its transaction id is "
                       "free for a new request.", repeat=repeat)
    verb = "rejected" if stored.state == RequestState.REJECTED else "approved"
    if stored.decided_by == user_id or (verb == "approved" and user_id in stored.approvers):
        return Refused(f"You already {verb} {stored.ref}; nothing more to do.", repeat=True)
    return Refused(f"{stored.ref} was already {verb} by <@{stored.decided_by}>.")


def _not_ours(order_id: int) -> Refused:
    return Refused(f"Order #{order_id} wasn't recorded with /paidorder, "
                   "so I can't look it up or ship it.")
