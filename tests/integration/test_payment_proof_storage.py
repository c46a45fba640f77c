"""Payment proof kept with the request (SQLite and PostgreSQL), its copy job queued after the
card, and its links in the order's staff notes within the orders v2 contract."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import update

from commands.models import ProofFile
from commands.orders import order_body
from commands.proof import MAX_NAME, check_proof, safe_name
from commands.repository import Outbox, Repository
from commands.schema import requests
from tests.conftest import BC_SPEC_DIR
from tests.unit.test_cards import stored_request

RECEIPT = ProofFile(id="F0RECEIPT", name="bank receipt.pdf", mimetype="application/pdf",
                    permalink="https://acme.slack.com/files/U0REQ/F0RECEIPT/bank_receipt.pdf")


def with_proof(*proof: ProofFile):
    stored = stored_request()
    return replace(stored, request=stored.request.model_copy(update={"proof": proof}))


def test_the_proof_is_stored_and_read_back_and_its_copy_queued_once_the_card_is_up(
        repo: Repository) -> None:
    request = with_proof(RECEIPT).request
    stored = repo.add_request(request, requester_id="U0REQ", origin_channel="C0SALES",
                              currency="USD")

    assert repo.get(stored.ref).request.proof == (RECEIPT,)
    assert [job["kind"] for job in repo.pending_jobs()] == [Outbox.POST_CARD]
    assert repo.set_card(stored.ref, "C0APPROVALS", "1.000100")
    assert not repo.set_card(stored.ref, "C0APPROVALS", "1.000200")  # a second card: no copy
    assert [job["kind"] for job in repo.pending_jobs()] == [Outbox.POST_CARD, Outbox.COPY_PROOF]


def test_a_request_without_proof_queues_no_copy_and_an_old_body_still_loads(
        repo: Repository) -> None:
    stored = repo.add_request(stored_request().request, requester_id="U0REQ",
                              origin_channel=None, currency="USD")
    assert repo.set_card(stored.ref, "C0APPROVALS", "1.000100")
    assert [job["kind"] for job in repo.pending_jobs()] == [Outbox.POST_CARD]
    # A request stored before the form took proof has no "proof" key at all.
    body = stored.request.model_dump(mode="json")
    del body["proof"]
    with repo.transaction() as conn:
        conn.execute(update(requests).where(requests.c.ref == stored.ref).values(body=body))

    assert repo.get(stored.ref).request.proof == ()


def test_staff_notes_carry_every_link_after_the_typed_notes() -> None:
    stored = with_proof(RECEIPT, ProofFile(id="F2", name="photo.png", mimetype="image/png"))
    stored = replace(stored, request=stored.request.model_copy(update={"notes": "Call first"}))

    notes = order_body(stored, customer_id=0, external_source="Slack")["staff_notes"]

    assert notes.splitlines()[1:] == [
        "Call first", f"Payment proof: bank receipt.pdf <{RECEIPT.permalink}>",
        "Payment proof: photo.png"]


@pytest.mark.skipif(not (BC_SPEC_DIR / "orders.v2.oas2.yml").exists(),
                    reason="the BigCommerce OpenAPI files are not beside the repository")
def test_the_longest_proof_and_notes_keep_the_order_within_the_spec() -> None:
    from tests.integration.test_openapi_contract import JSON_HEADERS, validate

    longest = tuple(ProofFile(id=f"F{n}", name="ü" * MAX_NAME, mimetype="application/pdf",
                              permalink="https://acme.slack.com/files/" + "a" * 1900)
                    for n in range(5))
    stored = with_proof(*longest)
    stored = replace(stored, request=stored.request.model_copy(update={"notes": "n" * 3000}))

    body = order_body(stored, customer_id=0, external_source="Slack")

    assert len(body["staff_notes"]) <= 65535
    validate("POST", "/stores/sandbox/v2/orders", {}, JSON_HEADERS,
             json.dumps(body, default=str).encode())


@pytest.mark.parametrize(("name", "shown"), [
    ("a\nb\tc.pdf", "a b c.pdf"),
    ("\u202egnp.exe.pdf", "gnp.exe.pdf"),
    ("x" * 300, "x" * (MAX_NAME - 1) + "…"),
    ("\x00\x07", "file"),
    ("Квитанция №5.pdf", "Квитанция №5.pdf"),
])
def test_names_are_one_plain_line(name: str, shown: str) -> None:
    assert safe_name(name) == shown


def test_a_link_that_is_not_a_plain_https_url_is_dropped() -> None:
    raw = {"id": "F1", "name": "r.pdf", "mimetype": "application/pdf", "filetype": "pdf"}
    for link in ("javascript:alert(1)", "https://x|<!channel>", "https://a b", "http://x",
                 "https://" + "a" * 3000, None):
        kept, problem = check_proof([{**raw, "permalink": link}], required=False)
        assert problem is None and kept[0].permalink == ""
    kept, _ = check_proof([{**raw, "permalink": "https://x.slack.com/files/U1/F1/r.pdf"}],
                          required=False)
    assert kept[0].permalink == "https://x.slack.com/files/U1/F1/r.pdf"


def test_the_type_is_checked_by_mimetype_and_filetype() -> None:
    pdf = {"id": "F1", "name": "r.pdf", "mimetype": "application/pdf", "filetype": "pdf"}
    assert check_proof([pdf], required=True)[1] is None
    assert check_proof([{**pdf, "filetype": "exe"}], required=True)[1]
    assert check_proof([{**pdf, "mimetype": "text/html"}], required=True)[1]
    assert check_proof(["F1"], required=False)[1]
    assert check_proof([{**pdf, "size": 20 * 1024 * 1024 + 1}], required=False)[1] == (
        "r.pdf is larger than 20 MB; attach a smaller copy.")
    assert check_proof([{**pdf, "size": "many"}], required=False)[1] is None
    assert check_proof([], required=False) == ((), None)
