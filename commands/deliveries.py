"""Slack deliveries handled once: a retried click or a replayed command does nothing twice.

Slack puts a `trigger_id` in every slash command and every click, unique to that invocation; a
retry (`X-Slack-Retry-Num`) or a replay of the same signed request within the signature window
repeats it. The first delivery of a trigger_id wins a row in the database, so the rule holds
across replicas. Rows are kept well past Slack's signature window (5 minutes) and its last retry,
then deleted as new deliveries arrive, so the table stays small.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError

from commands.claims import insert_if_absent
from commands.repository import Repository
from commands.schema import slack_deliveries

log = logging.getLogger(__name__)

RETENTION = timedelta(hours=1)
MAX_TRIGGER = 255


def first_delivery(repo: Repository, trigger_id: str | None, *, kind: str, user_id: str) -> bool:
    """True the first time `trigger_id` arrives; False for a retry or a replay of it.

    A delivery without a trigger_id cannot be recognised again and counts as a first one.
    """
    if not trigger_id:
        return True
    now = repo.clock()
    with repo.transaction() as conn:
        first = insert_if_absent(conn, slack_deliveries, {
            "trigger_id": trigger_id[:MAX_TRIGGER], "kind": kind[:32],
            "user_id": user_id[:32], "received_at": now}, ["trigger_id"])
    # Its own short transaction: forgetting old rows must never hold back or fail a delivery.
    try:
        with repo.transaction() as conn:
            conn.execute(delete(slack_deliveries)
                         .where(slack_deliveries.c.received_at < now - RETENTION))
    except SQLAlchemyError:
        log.warning("could not forget old Slack deliveries", exc_info=True)
    return first
