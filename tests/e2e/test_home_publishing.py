"""How Home tabs are published: coalesced per user, within the workspace's rate, and never
overwriting a newer Home with an older rendering."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from slack_sdk import WebClient

from bot import ids
from bot.home_publisher import HomePublisher
from bot.runtime import Bot
from commands.app_home import home_opened, published_hash
from commands.repository import Repository
from sandbox.slack import SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests
from tests.conftest import (
    APPROVER,
    BOT_TOKEN,
    GROUP_APPROVER,
    OUTSIDER,
    REQUESTER,
    SALES,
    SIGNING_SECRET,
    submit_request,
)
from tests.e2e.test_app_home import open_home, settled, wait_home


@pytest.fixture
def home_bot(start_bot: Callable[..., Bot], database_url: str) -> Bot:
    return start_bot(database_url=database_url)


def publishes(slack: SlackStandIn, user: str) -> list:
    return [c for c in slack.calls_to("views.publish") if c.args.get("user_id") == user]


def test_a_burst_of_changes_is_one_publish_per_user(home_bot: Bot, slack: SlackStandIn
                                                    ) -> None:
    homes = HomePublisher(home_bot.services, gap=0.5).start()
    try:
        homes.refresh([APPROVER])
        slack.wait_for("views.publish", count=1)
        for _ in range(20):  # twenty decisions within the gap
            homes.refresh([APPROVER])
        slack.wait_for("views.publish", count=2)
        assert homes.pending() == []  # nothing more is coming: the twenty became one
        assert len(publishes(slack, APPROVER)) == 2
    finally:
        homes.stop()


def test_publishes_stay_within_the_workspace_rate(home_bot: Bot, slack: SlackStandIn) -> None:
    homes = HomePublisher(home_bot.services, gap=0, per_minute=2).start()
    try:
        homes.refresh([APPROVER, GROUP_APPROVER, REQUESTER, OUTSIDER])
        slack.wait_for("views.publish", count=2)
        # The other two wait for the minute to pass instead of hitting Slack's rate limit.
        assert homes.pending() == [REQUESTER, OUTSIDER]
        assert len(slack.calls_to("views.publish")) == 2
    finally:
        homes.stop()


def test_a_home_published_elsewhere_meanwhile_is_rendered_again(
        home_bot: Bot, slack: SlackStandIn) -> None:
    repo = home_bot.services.repo
    home_opened(repo, APPROVER)
    home_bot.services.refresh_home([APPROVER])
    ours = wait_home(slack, APPROVER, "Waiting for you")["hash"]
    recorded(repo, ours)

    # Another replica publishes in between (here: an older Home, with no sections).
    WebClient(token=BOT_TOKEN, base_url=slack.api_url).views_publish(
        user_id=APPROVER, view={"type": "home", "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "stale"}}]})
    home_bot.services.refresh_home([APPROVER])
    view = wait_home(slack, APPROVER, "Waiting for you")

    conflict, retried = publishes(slack, APPROVER)[-2:]
    assert conflict.args["hash"] == ours and conflict.response["error"] == "hash_conflict"
    assert retried.response["ok"] and "hash" not in retried.args
    assert "stale" not in render_blocks(view["blocks"])
    recorded(repo, view["hash"])


def recorded(repo: Repository, view_hash: str) -> None:
    """The bot keeps the hash of the Home it published (just after Slack answered)."""
    deadline = time.monotonic() + 10
    while published_hash(repo, APPROVER) != view_hash:
        assert time.monotonic() < deadline, f"{published_hash(repo, APPROVER)} != {view_hash}"
        time.sleep(0.05)


def test_homes_follow_the_database_even_when_the_card_cannot_be_updated(
        home_bot: Bot, slack: SlackStandIn) -> None:
    player = SlackRequests(home_bot.url, SIGNING_SECRET, team_id=slack.team_id,
                           response_url=slack.response_url("home-pub", channel=SALES))
    card = submit_request(player, slack)
    view = open_home(player, slack, APPROVER, card["ref"])
    settled(home_bot)  # no publish left over from posting the card
    slack.fail_next("chat.update", error="internal_error", times=1000)

    player.click_home(APPROVER, view, ids.APPROVE, card["ref"])

    wait_home(slack, APPROVER, "1 order recorded", absent=card["ref"])
    assert home_bot.services.repo.get(card["ref"]).state == "ordered"

