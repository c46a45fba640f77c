"""The stand-in's side of a modal's file_input: a person's upload, its file object in the
submitted state, and reading it back (files.info, url_private, files.list) as Slack does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack import SAMPLE_PDF, SAMPLE_PNG, SlackStandIn
from sandbox.slack_requests import _state_values

TOKEN = "xoxb-test"
CHANNEL, USER = "C0APPROVALS", "U0RILEY"


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN, channels={CHANNEL: "approvals"},
                      users={USER: "Riley"}) as running:
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.api_url)


def test_a_persons_upload_is_a_private_file_with_slacks_fields(standin: SlackStandIn,
                                                               client: WebClient) -> None:
    picked = standin.upload_as(USER, "bank receipt.pdf", SAMPLE_PDF)

    assert picked["id"].startswith("F") and picked["name"] == "bank receipt.pdf"
    assert picked["mimetype"] == "application/pdf" and picked["filetype"] == "pdf"
    assert picked["size"] == len(SAMPLE_PDF) and picked["user"] == USER
    assert picked["permalink"].startswith("https://") and picked["id"] in picked["permalink"]
    assert "bank%20receipt.pdf" in picked["url_private"]
    assert standin.files == []  # shared nowhere
    assert client.files_info(file=picked["id"])["file"] == picked
    with pytest.raises(SlackApiError) as missing:
        client.files_info(file="F404")
    assert missing.value.response["error"] == "file_not_found"


def test_url_private_needs_the_bot_token_else_it_is_the_sign_in_page(
        standin: SlackStandIn) -> None:
    picked = standin.upload_as(USER, "pixel.png", SAMPLE_PNG)

    with_token = requests.get(picked["url_private"], timeout=5,
                              headers={"Authorization": f"Bearer {TOKEN}"})
    without = requests.get(picked["url_private"], timeout=5)

    assert with_token.status_code == 200 and with_token.content == SAMPLE_PNG
    assert with_token.headers["Content-Type"] == "image/png"
    assert without.status_code == 200 and without.headers["Content-Type"].startswith("text/html")
    assert without.content != SAMPLE_PNG
    assert [c.token for c in standin.downloads()] == [TOKEN, None]

    standin.fail_next("download", status=503)
    assert requests.get(picked["url_private"], timeout=5).status_code == 503


def test_a_file_input_in_a_view_carries_the_files_picked(standin: SlackStandIn) -> None:
    view = {"type": "modal", "blocks": [
        {"type": "input", "block_id": "proof", "label": {"type": "plain_text", "text": "P"},
         "element": {"type": "file_input", "action_id": "value", "max_files": 5}}]}
    opened = WebClient(token=TOKEN, base_url=standin.api_url).views_open(
        trigger_id="111.222.abc", view=view)["view"]
    assert opened["state"]["values"]["proof"]["value"] == {"type": "file_input", "files": []}

    picked = standin.upload_as(USER, "r.pdf", SAMPLE_PDF)
    standin.attach(opened["id"], "proof", [picked])

    held = standin.open_view(opened["id"])["state"]["values"]["proof"]["value"]
    assert held == {"type": "file_input", "files": [picked]}
    # A submission built from answers puts them the same way.
    assert _state_values(view, {"proof": [picked]}) == {"proof": {"value": held}}


def test_files_list_finds_a_file_shared_into_a_thread(standin: SlackStandIn,
                                                      client: WebClient) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="card")["ts"]
    client.files_upload_v2(channel=CHANNEL, thread_ts=parent, content=SAMPLE_PDF,
                           filename="r.pdf", title="Payment proof 1 of 1: r.pdf")

    [found] = client.files_list(channel=CHANNEL, ts_from="0")["files"]

    assert found["title"] == "Payment proof 1 of 1: r.pdf"
    assert found["shares"]["public"][CHANNEL][0]["thread_ts"] == parent
    assert client.files_list(channel="C0ELSEWHERE")["files"] == []
    assert "(in the thread of" in standin.transcript()
