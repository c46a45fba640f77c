"""Where everyone can open a request's Payment proof: the bot's copy in the card's thread.

A file a requester attaches in the form stays private to them in Slack; the copy the bot posts
in the card's thread is open to the whole approval channel. Once it exists, the request keeps
its link, so the card and the order's staff notes point at what approvers can actually open.
"""

from __future__ import annotations

from sqlalchemy import select, update

from commands.models import OrderRequest
from commands.outbox import Outbox
from commands.proof import fit_link
from commands.repository import Repository
from commands.schema import requests


def remember_shared_copy(repo: Repository, ref: str, file_id: str, link: str) -> bool:
    """Keep `link` (the thread copy's permalink) on the request's proof file `file_id` and
    redraw the card; False when there is nothing to change (the link is unfit, the file is no
    longer on the request because an edit replaced it, or the link is already kept)."""
    link = fit_link(link)
    if not link:
        return False
    with repo.transaction() as conn:
        body = conn.execute(select(requests.c.body).where(requests.c.ref == ref)
                            .with_for_update()).scalar()
        if body is None:
            return False
        request = OrderRequest.model_validate(body)
        proof = tuple(f.model_copy(update={"shared_link": link}) if f.id == file_id else f
                      for f in request.proof)
        if proof == request.proof:
            return False
        conn.execute(update(requests).where(requests.c.ref == ref).values(
            body=request.model_copy(update={"proof": proof}).model_dump(mode="json"),
            updated_at=repo.clock()))
        repo.audit(conn, ref, "slack", "proof_shared", {"file": file_id, "link": link})
        repo.enqueue(conn, ref, Outbox.UPDATE_CARD)
    return True
