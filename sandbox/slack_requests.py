"""Slack's side of the conversation: signed slash commands, button clicks, modal submissions and
Events API events (the Home tab being opened).

Sends exactly what Slack sends to a bot in HTTP mode (form-encoded bodies, v0 signatures,
payload shapes from Slack's interactivity docs), so the demo and the end-to-end tests exercise
the real bot over real HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import requests

_counter = itertools.count(1)


def signed_headers(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    mac = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={mac}"}


def trigger_id() -> str:
    # The stand-in reads the issue time from the prefix to expire triggers after 3 seconds.
    return f"{int(time.time())}.{next(_counter)}.trigger"


class SlackRequests:
    def __init__(self, bot_url: str, signing_secret: str, *, team_id: str = "T0DEMO",
                 response_url: str = "http://127.0.0.1:9/response") -> None:
        self.events_url = bot_url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.team_id = team_id
        self.response_url = response_url
        self.http = requests.Session()

    def send(self, body: str, *, timestamp: int | None = None, secret: str | None = None,
             headers: dict[str, str] | None = None) -> requests.Response:
        all_headers = signed_headers(secret or self.secret, body, timestamp)
        all_headers.update(headers or {})
        return self.http.post(self.events_url, data=body.encode(), headers=all_headers,
                              timeout=10)

    def replay(self, response: requests.Response) -> requests.Response:
        """Send the request behind `response` again, byte for byte: the same body, timestamp and
        signature, as someone who captured it could within the signature window."""
        sent = response.request
        return self.http.post(self.events_url, data=sent.body, headers=dict(sent.headers),
                              timeout=10)

    def retry(self, response: requests.Response, attempt: int = 1,
              reason: str = "http_timeout") -> requests.Response:
        """Slack's retry of the request behind `response`: the same body, signed again, with
        `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`."""
        body = response.request.body
        text = body.decode() if isinstance(body, bytes) else str(body or "")
        return self.send(text, headers={"X-Slack-Retry-Num": str(attempt),
                                        "X-Slack-Retry-Reason": reason})

    def command(self, user: str, channel: str, text: str = "", **send: Any) -> requests.Response:
        body = urlencode({
            "token": "legacy-verification-token", "team_id": self.team_id,
            "team_domain": "demo", "channel_id": channel, "channel_name": "sales",
            "user_id": user, "user_name": user.lower(), "command": "/paidorder",
            "text": text, "api_app_id": "A0PAIDORDER", "is_enterprise_install": "false",
            "response_url": self.response_url, "trigger_id": trigger_id(),
        })
        return self.send(body, **send)

    def click(self, user: str, channel: str, message: dict[str, Any], action_id: str,
              value: str, **send: Any) -> requests.Response:
        payload = {
            "type": "block_actions", "user": self._user(user), "api_app_id": "A0PAIDORDER",
            "token": "legacy-verification-token", "trigger_id": trigger_id(),
            "team": {"id": self.team_id, "domain": "demo"}, "enterprise": None,
            "is_enterprise_install": False,
            "container": {"type": "message", "message_ts": message["ts"],
                          "channel_id": channel, "is_ephemeral": False},
            "channel": {"id": channel, "name": "approvals"},
            "message": {"type": "message", "ts": message["ts"], "text": message.get("text", ""),
                        "blocks": message.get("blocks", [])},
            "state": {"values": {}}, "response_url": self.response_url,
            "actions": [{"action_id": action_id, "block_id": "paidorder_decision",
                         "type": "button", "value": value, "action_ts": str(time.time())}],
        }
        return self.send(urlencode({"payload": json.dumps(payload)}), **send)

    def open_home(self, user: str, view: dict[str, Any] | None = None, **send: Any
                  ) -> requests.Response:
        """`user` opens the app's Home tab: Slack sends `home_opened` as a JSON body."""
        headers = {"Content-Type": "application/json", **send.pop("headers", {})}
        return self.send(json.dumps(self.home_opened(user, view)), headers=headers, **send)

    def home_opened(self, user: str, view: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `app_home_opened` event in the Events API's `event_callback` envelope (what
        Socket Mode carries as an `events_api` payload too). `view` is the Home last
        published for them, if any; Slack leaves it out the first time."""
        event: dict[str, Any] = {"type": "app_home_opened", "user": user,
                                 "channel": "D" + user.removeprefix("U"), "tab": "home",
                                 "event_ts": f"{time.time():.6f}"}
        if view is not None:
            event["view"] = view
        counter = next(_counter)
        return {
            "token": "legacy-verification-token", "team_id": self.team_id,
            "api_app_id": "A0PAIDORDER", "event": event, "type": "event_callback",
            "event_id": f"Ev{counter:010d}", "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": self.team_id,
                                "user_id": "UPAIDBOT", "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False, "event_context": f"4-ctx-{counter}",
        }

    def click_home(self, user: str, view: dict[str, Any], action_id: str, value: str,
                   **send: Any) -> requests.Response:
        payload = self.home_click(user, view, action_id, value)
        return self.send(urlencode({"payload": json.dumps(payload)}), **send)

    def home_click(self, user: str, view: dict[str, Any], action_id: str, value: str
                   ) -> dict[str, Any]:
        """A click on a button of `user`'s Home tab: the container is the view, and the payload
        carries the view (with its id and hash) instead of a channel and message."""
        block_id = next((b.get("block_id", "") for b in view.get("blocks", [])
                         for e in b.get("elements", []) if b.get("type") == "actions"
                         and e.get("action_id") == action_id and e.get("value") == value), "")
        return {
            "type": "block_actions", "user": self._user(user), "api_app_id": "A0PAIDORDER",
            "token": "legacy-verification-token", "trigger_id": trigger_id(),
            "team": {"id": self.team_id, "domain": "demo"}, "enterprise": None,
            "is_enterprise_install": False,
            "container": {"type": "view", "view_id": view.get("id", "V0")},
            "view": view, "state": {"values": {}},
            "actions": [{"action_id": action_id, "block_id": block_id, "type": "button",
                         "value": value, "action_ts": str(time.time())}],
        }

    def submit(self, user: str, view: dict[str, Any], answers: dict[str, Any],
               **send: Any) -> requests.Response:
        """Submit `view` (as the bot opened it) with `answers` keyed by input block id: text,
        an option's value or label, or for a file_input the file objects picked in it."""
        state = {"values": _state_values(view, answers)}
        payload = {
            "type": "view_submission", "team": {"id": self.team_id, "domain": "demo"},
            "user": self._user(user), "api_app_id": "A0PAIDORDER",
            "token": "legacy-verification-token", "trigger_id": trigger_id(),
            "view": {**view, "id": view.get("id", "V0"), "team_id": self.team_id,
                     "state": state, "hash": view.get("hash", "h")},
            "response_urls": [], "is_enterprise_install": False, "enterprise": None,
        }
        return self.send(urlencode({"payload": json.dumps(payload)}), **send)

    # ---- the request modal's typeaheads: options requests and choices made in a view ----------

    def suggest(self, user: str, view: dict[str, Any], action_id: str, value: str,
                **send: Any) -> requests.Response:
        """Slack's options request (`block_suggestion`) while `user` types `value` into the
        external select `action_id` of the open `view`; HTTP mode sends it to the same URL."""
        payload = {
            "type": "block_suggestion", "user": self._user(user), "api_app_id": "A0PAIDORDER",
            "token": "legacy-verification-token", "team": {"id": self.team_id, "domain": "demo"},
            "enterprise": None, "is_enterprise_install": False,
            "container": {"type": "view", "view_id": view.get("id", "V0")},
            "action_id": action_id, "block_id": _block_of(view, action_id), "value": value,
            "view": _as_sent(view, self.team_id, {}),
        }
        return self.send(urlencode({"payload": json.dumps(payload)}), **send)

    def choose(self, user: str, view: dict[str, Any], action_id: str,
               option: dict[str, Any], **send: Any) -> requests.Response:
        """`block_actions` from a modal: `user` picked `option` in the select `action_id`;
        the view travels with its hash and state (what was typed so far)."""
        block_id = _block_of(view, action_id)
        chosen = {block_id: {action_id: {"type": "external_select", "selected_option": option}}}
        payload = {
            "type": "block_actions", "user": self._user(user), "api_app_id": "A0PAIDORDER",
            "token": "legacy-verification-token", "trigger_id": trigger_id(),
            "team": {"id": self.team_id, "domain": "demo"}, "enterprise": None,
            "is_enterprise_install": False,
            "container": {"type": "view", "view_id": view.get("id", "V0")},
            "view": _as_sent(view, self.team_id, chosen),
            "actions": [{"type": "external_select", "action_id": action_id,
                         "block_id": block_id, "selected_option": option,
                         "action_ts": str(time.time())}],
        }
        return self.send(urlencode({"payload": json.dumps(payload)}), **send)

    def submit_view(self, user: str, view: dict[str, Any], **send: Any) -> requests.Response:
        """Submit `view` as Slack holds it (its own `state`: what the user typed)."""
        payload = {
            "type": "view_submission", "team": {"id": self.team_id, "domain": "demo"},
            "user": self._user(user), "api_app_id": "A0PAIDORDER",
            "token": "legacy-verification-token", "trigger_id": trigger_id(),
            "view": _as_sent(view, self.team_id, {}),
            "response_urls": [], "is_enterprise_install": False, "enterprise": None,
        }
        return self.send(urlencode({"payload": json.dumps(payload)}), **send)

    def _user(self, user: str) -> dict[str, str]:
        return {"id": user, "username": user.lower(), "name": user.lower(),
                "team_id": self.team_id}


def _state_values(view: dict[str, Any], answers: dict[str, Any]
                  ) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        answer = answers.get(block["block_id"], element.get("initial_value"))
        values[block["block_id"]] = {element["action_id"]: _element_state(element, answer)}
    return values


def _element_state(element: dict[str, Any], answer: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind == "file_input":
        return {"type": kind, "files": list(answer or [])}
    if kind in ("static_select", "external_select"):
        options = element.get("options", [])
        chosen = next((o for o in options if answer in (o["value"], o["text"]["text"])), None)
        if answer is None:
            chosen = element.get("initial_option")
        return {"type": kind, "selected_option": chosen}
    return {"type": kind, "value": answer}


def _block_of(view: dict[str, Any], action_id: str) -> str:
    return next(b["block_id"] for b in view.get("blocks", [])
                if (b.get("element") or {}).get("action_id") == action_id)


def _as_sent(view: dict[str, Any], team_id: str, chosen: dict[str, Any]) -> dict[str, Any]:
    values = {**((view.get("state") or {}).get("values") or {}), **chosen}
    return {**view, "id": view.get("id", "V0"), "team_id": team_id,
            "hash": view.get("hash", "h"), "state": {"values": values}}
