"""The stand-in's `views.publish`, driven by slack_sdk: each user's Home, its hash, its limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.slack import SlackStandIn

TOKEN = "xoxb-test"
USER, OTHER = "U0AVERY", "U0RILEY"


def home(text: str, blocks: int = 1) -> dict:
    return {"type": "home", "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}}] * blocks}


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN, users={USER: "Avery", OTHER: "Riley"}) as running:
        yield running


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.api_url)


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


def test_each_user_has_their_own_home_with_a_new_hash_per_publish(
        standin: SlackStandIn, client: WebClient) -> None:
    first = client.views_publish(user_id=USER, view=home("one"))["view"]
    assert first["type"] == "home" and first["id"].startswith("V") and first["hash"]
    second = client.views_publish(user_id=USER, view=home("two"), hash=first["hash"])["view"]

    assert second["id"] == first["id"] and second["hash"] != first["hash"]
    assert standin.home(USER)["blocks"] == home("two")["blocks"]
    assert standin.home(OTHER) is None


def test_a_stale_hash_is_a_conflict_and_changes_nothing(standin: SlackStandIn,
                                                        client: WebClient) -> None:
    stale = client.views_publish(user_id=USER, view=home("one"))["view"]["hash"]
    client.views_publish(user_id=USER, view=home("two"))

    assert error_of(lambda: client.views_publish(user_id=USER, view=home("three"),
                                                 hash=stale)) == "hash_conflict"
    assert standin.home(USER)["blocks"] == home("two")["blocks"]


def test_what_slack_refuses(standin: SlackStandIn, client: WebClient) -> None:
    assert error_of(lambda: client.views_publish(user_id="U0NOBODY", view=home("x"))
                    ) == "user_not_found"
    assert error_of(lambda: client.views_publish(
        user_id=USER, view={**home("x"), "type": "modal"})) == "invalid_arguments"
    assert error_of(lambda: client.views_publish(
        user_id=USER, view={**home("x"), "submit": {"type": "plain_text", "text": "Go"}})
    ) == "invalid_arguments"
    assert error_of(lambda: client.views_publish(user_id=USER, view=home("x", 101))
                    ) == "invalid_blocks"
    assert error_of(lambda: client.views_publish(user_id=USER, view=home("x" * 3001))
                    ) == "invalid_blocks"
    assert standin.home(USER) is None
