"""app-manifest.yml: the command the bot listens for, and exactly the scopes its code needs."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from bot import ids
from tests.deploy.conftest import REPO

# Web API method (as slack_sdk names it) → the bot scopes it needs (slack-platform.md §8).
METHOD_SCOPES: dict[str, set[str]] = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "usergroups_users_list": {"usergroups:read"},
    "users_info": {"users:read"},
    "conversations_info": {"channels:read", "groups:read"},  # public and private channels
    "conversations_open": {"im:write"},
    "files_upload_v2": {"files:write"},
    "files_info": {"files:read"},
    "files_list": {"files:read"},
    "conversations_history": {"channels:history", "groups:history"},
    "conversations_replies": {"channels:history", "groups:history"},
    "views_open": set(),
    "views_update": set(),
    "views_push": set(),
    "views_publish": set(),  # the Home tab: the bot token needs no scope for it
    "auth_test": set(),
}
# Scopes no Web API call stands for: the slash command itself, and posting to the approval and
# summary channels without the bot having joined them.
DESIGN_SCOPES = {"commands", "chat:write.public"}

_CALL = re.compile(r"\b\w+\.((?:chat|users|usergroups|conversations|views|auth|reactions|team|"
                   r"apps|files|bots|pins|reminders|search|dnd|emoji)_\w+)\(")


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load((REPO / "app-manifest.yml").read_text(encoding="utf-8"))


def methods_called() -> set[str]:
    return {match for path in (REPO / "bot").rglob("*.py")
            for match in _CALL.findall(path.read_text(encoding="utf-8"))}


def test_the_slash_command_is_the_one_the_bot_registers(manifest: dict[str, Any]) -> None:
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == ids.COMMAND
    assert command["description"]
    assert command["usage_hint"] == ("[status <id> | ship <id> <carrier> <tracking> | summary"
                                     " | export [from [to]] | help]")


def test_the_app_has_a_bot_user_interactivity_and_socket_mode(manifest: dict[str, Any]) -> None:
    assert manifest["_metadata"]["major_version"] == 1
    assert manifest["display_information"]["name"]
    assert manifest["features"]["bot_user"]["display_name"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True


def events_listened_to() -> set[str]:
    return {match for path in (REPO / "bot").rglob("*.py")
            for match in re.findall(r"\.event\(\"(\w+)\"\)", path.read_text(encoding="utf-8"))}


def test_the_home_tab_is_on_and_every_subscribed_event_has_a_listener(
        manifest: dict[str, Any]) -> None:
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    # Direct messages (exports, answers to clicks on Home) need the Messages tab.
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    subscribed = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert subscribed == {"app_home_opened"}
    assert subscribed == events_listened_to()
    assert "views_publish" in methods_called()


def test_scopes_cover_every_call_and_nothing_more(manifest: dict[str, Any]) -> None:
    called = methods_called()
    assert {"chat_postMessage", "views_open", "usergroups_users_list"} <= called, called
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add the scopes of {sorted(unknown)} to METHOD_SCOPES"
    needed = DESIGN_SCOPES.union(*(METHOD_SCOPES[m] for m in called))

    granted = set(manifest["oauth_config"]["scopes"]["bot"])

    assert needed - granted == set(), "missing scopes"
    assert granted - needed == set(), "scopes no code uses"
