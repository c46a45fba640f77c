"""The outbox's kinds of follow-up work, and which of them may run side by side."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case


class Outbox:
    """Kinds of follow-up work, named in one place."""

    POST_CARD = "post_card"
    CREATE_ORDER = "create_order"
    UPDATE_CARD = "update_card"
    NOTIFY_REQUESTER = "notify_requester"
    REFRESH_ORDER = "refresh_order"
    POST_SHIPMENTS = "post_shipments"
    CHECK_CARD_COPIES = "check_card_copies"
    POST_REMINDER = "post_reminder"
    COPY_PROOF = "copy_proof"  # the Payment proof files into the card's thread
    BIGCOMMERCE = (CREATE_ORDER, REFRESH_ORDER)


def lane(kind: Any) -> Any:
    """Jobs that talk to BigCommerce run in one lane per request; Slack jobs in another; the
    delayed look for extra card copies, and the copying of proof files (slow, and failing
    when Slack won't hand a file out), each in its own, so they never hold back a card
    update."""
    return case((kind.in_(Outbox.BIGCOMMERCE), "bigcommerce"),
                (kind == Outbox.CHECK_CARD_COPIES, "card_copies"),
                (kind == Outbox.COPY_PROOF, "proof"), else_="slack")
