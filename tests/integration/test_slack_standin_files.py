"""The stand-in's v2 file upload and DM channels, driven by slack_sdk's own `files_upload_v2`."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.error import HTTPError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack import SlackStandIn

TOKEN = "xoxb-test"
SUMMARY, OUTSIDE, USER = "C0SUMMARY", "C0OUTSIDE", "U0AVERY"


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN, channels={SUMMARY: "summary", OUTSIDE: "outside"},
                      users={USER: "Avery"}) as running:
        running.outside_channels.add(OUTSIDE)
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.api_url)


def test_the_three_steps_share_the_bytes_to_the_channel(standin: SlackStandIn,
                                                        client: WebClient) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

    answer = client.files_upload_v2(channel=SUMMARY, content=png, filename="chart.png",
                                    title="Chart", alt_txt="Bars per day",
                                    initial_comment="Last 14 days")

    assert [c.method for c in standin.calls] == [
        "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    [shared] = standin.uploaded_to(SUMMARY)
    assert shared.content == png and shared.length == len(png)
    assert shared.filename == "chart.png" and shared.title == "Chart"
    assert shared.alt_txt == "Bars per day" and shared.initial_comment == "Last 14 days"
    assert answer["file"]["id"] == shared.id and answer["file"]["size"] == len(png)
    assert answer["file"]["mimetype"] == "image/png"
    assert "shared a file: Chart (chart.png" in standin.transcript()


def test_a_dm_is_opened_for_a_user_and_the_file_goes_there(standin: SlackStandIn,
                                                           client: WebClient) -> None:
    dm = client.conversations_open(users=USER)["channel"]["id"]

    client.files_upload_v2(channel=dm, content="a,b\r\n", filename="x.csv")

    assert dm.startswith("D") and standin.dm_channel(USER) == dm
    assert standin.uploaded_to(dm)[0].content == b"a,b\r\n"
    with pytest.raises(SlackApiError) as refused:
        client.conversations_open(users="U0NOBODY")
    assert refused.value.response["error"] == "user_not_found"


def test_a_user_id_is_not_a_channel_for_files(standin: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.files_upload_v2(channel=USER, content=b"x", filename="x.csv")
    assert refused.value.response["error"] == "channel_not_found"
    assert standin.files == []


def test_the_bot_must_be_in_the_channel(standin: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.files_upload_v2(channel=OUTSIDE, content=b"x", filename="x.png")
    assert refused.value.response["error"] == "not_in_channel"


def test_a_failed_upload_leaves_nothing_to_share(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("upload", status=500)

    # slack_sdk posts the bytes with urllib, which raises on a 5xx.
    with pytest.raises(HTTPError, match="500"):
        client.files_upload_v2(channel=SUMMARY, content=b"x", filename="x.png")

    assert standin.files == []
    [reserved] = standin.calls_to("files.getUploadURLExternal")
    with pytest.raises(SlackApiError) as refused:
        client.files_completeUploadExternal(files=[{"id": reserved.response["file_id"]}],
                                            channel_id=SUMMARY)
    assert refused.value.response["error"] == "file_not_found"


def test_step_one_needs_a_name_and_a_length(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.api_call("files.getUploadURLExternal", params={"filename": "x.png"})
    assert refused.value.response["error"] == "invalid_arguments"


def test_a_failing_step_answers_like_slack(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("files.completeUploadExternal", error="internal_error", status=500)
    with pytest.raises(SlackApiError):
        client.files_upload_v2(channel=SUMMARY, content=b"x", filename="x.png")
    assert standin.files == []


def test_empty_files_and_long_alt_text_are_refused(client: WebClient) -> None:
    for upload, error in (({"content": b""}, "missing_argument"),
                          ({"content": b"x", "alt_txt": "a" * 1001}, "alt_txt_too_large")):
        with pytest.raises(SlackApiError) as refused:
            client.files_upload_v2(channel=SUMMARY, filename="x.png", **upload)
        assert refused.value.response["error"] == error
