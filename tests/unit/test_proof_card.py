"""The card's Payment proof line: each file named and linked, literal and within Block Kit's
limits whatever the names are, in every state of the request."""

from __future__ import annotations

from dataclasses import replace

import pytest
from slack_sdk.models.blocks import Block

from bot.cards import request_card
from commands.models import ProofFile, RequestState
from commands.proof import MAX_NAME, safe_name
from sandbox.slack import render_blocks
from tests.unit.test_cards import CONTROL_PANEL, _check_limits, item, stored_request

HOSTILE = ["<!channel>", "<https://evil|x>", "a|b", "&amp;`*_~", "ü" * 400, "> quote"]


def proof(name: str, n: int = 0, link: str = "https://acme.slack.com/files/U1/F1/r") -> ProofFile:
    return ProofFile(id=f"F{n}", name=safe_name(name), mimetype="application/pdf",
                     permalink=link)


@pytest.mark.parametrize("state", list(RequestState))
def test_the_largest_card_with_hostile_proof_still_fits(state: RequestState) -> None:
    files = tuple(proof(HOSTILE[n] * 60, n, "https://acme.slack.com/" + "a" * 1970)
                  for n in range(5))
    many = tuple(item(n, name="<&>" * 80, sku="&<>" * 20) for n in range(100))
    stored = stored_request(state=state, items=many, notes="&" * 3000, decided_by="U0A",
                            reject_reason="r" * 2000, problem="p" * 2000, order_id=1,
                            order_status="Shipped")
    stored = replace(stored, request=stored.request.model_copy(update={"proof": files}))

    text, blocks = request_card(stored, control_panel_url=CONTROL_PANEL)

    _check_limits(blocks, text)
    for block in blocks:
        Block.parse(block).validate_json()


def test_each_file_is_a_link_with_its_name_shown_literally() -> None:
    files = tuple(proof(name, n) for n, name in enumerate(HOSTILE[:4]))
    stored = stored_request()
    stored = replace(stored, request=stored.request.model_copy(update={"proof": files}))

    shown = render_blocks(request_card(stored)[1])

    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "<https://evil" not in shown
    assert "|&lt;https://evil∣x&gt;>" in shown  # the name's bar can't split the link
    assert shown.count("<https://acme.slack.com/files/U1/F1/r|") == 4


def test_a_file_without_a_link_is_named_only() -> None:
    stored = stored_request()
    stored = replace(stored, request=stored.request.model_copy(update={"proof": (
        proof("receipt.pdf", link=""),)}))
    assert ":paperclip: receipt.pdf" in render_blocks(request_card(stored)[1])
    assert len(safe_name("x" * 1000)) == MAX_NAME
