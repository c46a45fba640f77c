"""Payment proof over real HTTP: files picked in the form show on the card, are copied into its
thread, and end up linked in the order's staff notes; wrong or missing files are inline errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from sqlalchemy import text

from bot import ids
from bot.proof_copies import FETCH_TRIES
from bot.runtime import Bot
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SAMPLE_PDF, SAMPLE_PNG, SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import (
    APPROVALS,
    APPROVER,
    GOOD_FORM,
    REQUESTER,
    SALES,
    SIGNING_SECRET,
    open_form,
)
from tests.e2e.test_approval_flow import wait_card
from tests.e2e.test_edit_cancel import edit_form
from tests.reliability.conftest import wait_until
from tests.unit.test_cards import _check_limits

HOSTILE_NAMES = [
    "<!channel> pay now.pdf",
    "<https://evil.example|click me>.png",
    "a|b>c&d`e`*f*.pdf",
    "ü" * 300 + ".pdf",
    "\u202egnp.exe.pdf",
    "line\nbreak\ttab.png",
]


def player_for(bot: Bot, slack: SlackStandIn) -> SlackRequests:
    return SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                         response_url=slack.response_url("proof", channel=SALES))


def submit_with(player: SlackRequests, slack: SlackStandIn, files: list[dict[str, Any]],
                **changes: Any) -> Any:
    view = open_form(player, slack)
    return player.submit(REQUESTER, view, {**GOOD_FORM, "proof": files, **changes})


def posted_card(slack: SlackStandIn) -> dict[str, Any]:
    slack.wait_for("chat.postMessage", where=lambda c: c.args.get("channel") == APPROVALS)
    message = slack.messages(APPROVALS)[-1]
    ref = next(e["value"] for b in message.blocks if b.get("type") == "actions"
               for e in b["elements"])
    return {"ts": message.ts, "text": message.text, "blocks": message.blocks, "ref": ref}


def thread_copies(slack: SlackStandIn, ts: str) -> list[Any]:
    return [f for f in slack.uploaded_to(APPROVALS)
            if any(s["thread_ts"] == ts for s in f.shared)]


def stored_requests(bot: Bot) -> int:
    with bot.services.repo.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM requests")).scalar() or 0)


def test_proof_is_linked_on_the_card_copied_into_its_thread_and_in_the_staff_notes(
        start_bot: Callable[..., Bot], slack: SlackStandIn, store: SandboxServer,
        database_url: str) -> None:
    bot = start_bot(database_url=database_url)
    player = player_for(bot, slack)
    receipt = slack.upload_as(REQUESTER, "bank receipt.pdf", SAMPLE_PDF)
    photo = slack.upload_as(REQUESTER, "photo.png", SAMPLE_PNG)

    answer = submit_with(player, slack, [receipt, photo])
    assert answer.status_code == 200 and not answer.content, answer.text
    card = posted_card(slack)

    shown = render_blocks(card["blocks"])
    assert f"<{receipt['permalink']}|bank receipt.pdf>" in shown
    assert f"<{photo['permalink']}|photo.png>" in shown
    wait_until(lambda: len(thread_copies(slack, card["ts"])) == 2, "both copies in the thread")
    copies = thread_copies(slack, card["ts"])
    assert [c.content for c in copies] == [SAMPLE_PDF, SAMPLE_PNG]
    assert [c.title for c in copies] == ["Payment proof 1 of 2: bank receipt.pdf",
                                         "Payment proof 2 of 2: photo.png"]
    assert all(c.token == bot.settings.slack_bot_token.get_secret_value()
               for c in slack.downloads())

    # Once copied, the card links the copies: the uploads are private to the requester.
    shared = [slack.file_info(c.id)["permalink"] for c in copies]
    assert shared[0] != receipt["permalink"]
    wait_card(slack, card["ts"], f"<{shared[1]}|photo.png>")
    assert f"<{shared[0]}|bank receipt.pdf>" in render_blocks(
        slack.message(APPROVALS, card["ts"]).blocks)

    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    wait_card(slack, card["ts"], "Status:")
    [order] = bot.services.bigcommerce.get_many("/v2/orders")
    notes = order["staff_notes"].splitlines()
    assert notes[-2:] == [f"Payment proof: bank receipt.pdf <{shared[0]}>",
                          f"Payment proof: photo.png <{shared[1]}>"]
    # The approved card still names the files.
    assert "bank receipt.pdf" in render_blocks(slack.message(APPROVALS, card["ts"]).blocks)


def test_required_proof_that_is_missing_is_an_inline_error_and_nothing_is_stored(
        start_bot: Callable[..., Bot], slack: SlackStandIn) -> None:
    bot = start_bot(paidorder_require_proof=True)
    player = player_for(bot, slack)
    view = open_form(player, slack)
    proof_block = next(b for b in view["blocks"] if b["block_id"] == "proof")
    assert proof_block["optional"] is False
    assert proof_block["element"]["max_files"] == 5

    answer = player.submit(REQUESTER, view, GOOD_FORM)

    assert answer.json() == {"response_action": "errors", "errors": {
        "proof": "Attach the payment proof: a photo, a screenshot or a PDF of the payment."}}
    assert stored_requests(bot) == 0 and slack.messages(APPROVALS) == []


def test_optional_proof_may_be_left_out(bot: Bot, slack: SlackStandIn) -> None:
    player = player_for(bot, slack)
    view = open_form(player, slack)
    block = next(b for b in view["blocks"] if b["block_id"] == "proof")
    assert block["optional"] is True and block["label"]["text"] == "Payment proof"
    assert set(block["element"]["filetypes"]) >= {"pdf", "png", "jpg"}

    answer = player.submit(REQUESTER, view, GOOD_FORM)

    assert answer.status_code == 200 and not answer.content, answer.text
    card = posted_card(slack)
    assert "Payment proof" not in render_blocks(card["blocks"])


@pytest.mark.parametrize("case", ["six files", "an .exe", "a file object that is not one"])
def test_too_many_or_wrong_files_are_an_inline_error(bot: Bot, slack: SlackStandIn,
                                                     case: str) -> None:
    player = player_for(bot, slack)
    if case == "six files":
        files = [slack.upload_as(REQUESTER, f"r{n}.pdf", SAMPLE_PDF) for n in range(6)]
        words = "Attach at most 5 payment proof files; 6 are attached."
    elif case == "an .exe":
        files = [slack.upload_as(REQUESTER, "receipt.exe", b"MZ",
                                 mimetype="application/x-msdownload")]
        words = "Payment proof takes images and PDF files only, and receipt.exe is neither."
    else:
        files = [{"id": "../../etc", "name": "x.pdf", "mimetype": "application/pdf"}]
        words = "A payment proof file could not be read; remove it and attach it again."

    answer = submit_with(player, slack, files)

    assert answer.json() == {"response_action": "errors", "errors": {"proof": words}}
    assert stored_requests(bot) == 0 and slack.messages(APPROVALS) == []


def test_hostile_file_names_keep_the_card_valid_and_literal(bot: Bot,
                                                            slack: SlackStandIn) -> None:
    player = player_for(bot, slack)
    files = [slack.upload_as(REQUESTER, name, SAMPLE_PDF, mimetype="application/pdf")
             for name in HOSTILE_NAMES[:5]]

    answer = submit_with(player, slack, files)
    assert answer.status_code == 200 and not answer.content, answer.text
    card = posted_card(slack)

    _check_limits(card["blocks"], card["text"])
    for block in card["blocks"]:
        Block.parse(block).validate_json()
    shown = render_blocks(card["blocks"])
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "<https://evil.example" not in shown
    assert "\u202e" not in shown
    proof = next(b for b in card["blocks"] if "Payment proof" in str(b))
    links = [e["text"] for e in proof["elements"][1:]]
    assert len(links) == 5, links
    for link in links:
        assert link.count("<") == 1 and link.count(">") == 1, link
    wait_until(lambda: len(thread_copies(slack, card["ts"])) == 5, "every copy in the thread")


def test_a_download_that_fails_once_is_tried_again(bot: Bot, slack: SlackStandIn) -> None:
    player = player_for(bot, slack)
    receipt = slack.upload_as(REQUESTER, "receipt.pdf", SAMPLE_PDF)
    slack.fail_next("download", status=503)

    submit_with(player, slack, [receipt])
    card = posted_card(slack)

    wait_until(lambda: thread_copies(slack, card["ts"]), "the copy, on the second try")
    assert slack.thread(APPROVALS, card["ts"]) == []  # no sentence about a passing failure
    assert len(slack.downloads()) == 2


def test_a_file_that_cannot_be_fetched_gets_one_sentence_in_the_thread(
        bot: Bot, slack: SlackStandIn) -> None:
    player = player_for(bot, slack)
    receipt = slack.upload_as(REQUESTER, "receipt.pdf", SAMPLE_PDF)
    photo = slack.upload_as(REQUESTER, "photo.png", SAMPLE_PNG)
    slack.fail_next("download", status=500, times=FETCH_TRIES)

    submit_with(player, slack, [receipt, photo])
    card = posted_card(slack)

    wait_until(lambda: thread_copies(slack, card["ts"]) and slack.thread(APPROVALS, card["ts"]),
               "the copy and the sentence", timeout=30)
    time.sleep(0.5)  # nothing more arrives
    [sentence] = slack.thread(APPROVALS, card["ts"])
    assert "receipt.pdf could not be copied into this thread" in sentence.text
    assert "Slack answered HTTP 500" in sentence.text
    assert [c.filename for c in thread_copies(slack, card["ts"])] == ["photo.png"]
    assert "Approve" in render_blocks(slack.message(APPROVALS, card["ts"]).blocks)


@pytest.mark.parametrize(("error", "why"), [
    ("file_not_found", "Slack no longer has it"),
    ("missing_scope", "the app lacks the files:read scope"),
])
def test_a_file_slack_wont_hand_out_is_said_once_and_the_card_goes_on(
        bot: Bot, slack: SlackStandIn, store: SandboxServer, error: str, why: str) -> None:
    player = player_for(bot, slack)
    receipt = slack.upload_as(REQUESTER, "receipt.pdf", SAMPLE_PDF)
    slack.fail_next("files.info", error=error, times=5)

    submit_with(player, slack, [receipt])
    card = posted_card(slack)
    [sentence] = wait_until(lambda: slack.thread(APPROVALS, card["ts"]), "the sentence")

    assert f"receipt.pdf could not be copied into this thread ({why})" in sentence.text
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    wait_card(slack, card["ts"], "Status:")
    assert len(slack.thread(APPROVALS, card["ts"])) == 1 and thread_copies(slack, card["ts"]) == []


def test_an_upload_slack_finished_after_the_bot_gave_up_is_not_copied_again(
        make_settings: Callable[..., Any], slack: SlackStandIn) -> None:
    bot = Bot(make_settings(), host="127.0.0.1", port=0, slack_timeout=1.0).start()
    try:
        player = player_for(bot, slack)
        receipt = slack.upload_as(REQUESTER, "receipt.pdf", SAMPLE_PDF)
        # Slack shares the file at once but answers only after the bot stopped waiting.
        slack.answer_slowly("files.completeUploadExternal", 3.0)

        submit_with(player, slack, [receipt])
        card = posted_card(slack)

        wait_until(lambda: any(e["action"] == "proof_copied" for e in
                               bot.services.repo.audit_trail(ref=card["ref"])),
                   "the retry to find the first copy", timeout=20)
        assert len(thread_copies(slack, card["ts"])) == 1
        assert len(slack.calls_to("files.completeUploadExternal")) == 1
        assert slack.calls_to("files.list")
    finally:
        bot.stop()


def test_an_edit_that_attaches_nothing_keeps_the_proof_and_new_files_replace_it(
        start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str) -> None:
    bot = start_bot(database_url=database_url, paidorder_require_proof=True)
    player = player_for(bot, slack)
    receipt = slack.upload_as(REQUESTER, "receipt.pdf", SAMPLE_PDF)
    submit_with(player, slack, [receipt])
    card = posted_card(slack)
    wait_until(lambda: len(thread_copies(slack, card["ts"])) == 1, "the first copy")
    shared = slack.file_info(thread_copies(slack, card["ts"])[0].id)["permalink"]
    wait_card(slack, card["ts"], f"<{shared}|receipt.pdf>")

    view = edit_form(player, slack, card)
    block = next(b for b in view["blocks"] if b.get("block_id") == "proof")
    assert block["optional"] is True and "keep the files" in block["hint"]["text"]
    answer = player.submit(REQUESTER, view, {"notes": "Edited once"})
    assert answer.status_code == 200 and not answer.content, answer.text
    shown = wait_card(slack, card["ts"], "Edited once")
    assert f"<{shared}|receipt.pdf>" in shown  # kept, with its copy's link
    assert bot.services.repo.get(card["ref"]).request.proof[0].id == receipt["id"]

    photo = slack.upload_as(REQUESTER, "photo.png", SAMPLE_PNG)
    player.submit(REQUESTER, edit_form(player, slack, card), {"notes": "Edited twice",
                                                             "proof": [photo]})
    shown = wait_card(slack, card["ts"], "Edited twice")
    assert "photo.png" in shown and "receipt.pdf" not in shown
    wait_until(lambda: len(thread_copies(slack, card["ts"])) == 2, "the new file's copy")
    assert [c.filename for c in thread_copies(slack, card["ts"])] == ["receipt.pdf", "photo.png"]
