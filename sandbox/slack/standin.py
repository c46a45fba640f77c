"""`SlackStandIn`: start and stop it, hand its URLs and trigger ids out, inspect what happened."""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sandbox.slack.channels import _is_top_level, _ResponseTarget, _Trigger
from sandbox.slack.dispatch import _Dispatch
from sandbox.slack.history import _History
from sandbox.slack.home import _Home
from sandbox.slack.methods import _Methods
from sandbox.slack.records import Call, Ephemeral, Message
from sandbox.slack.replies import _Fault, _SlowAnswer
from sandbox.slack.server import _Handler, _Server
from sandbox.slack.transcript import _Transcript
from sandbox.slack.user_files import _UserFiles
from sandbox.slack.view_state import _ViewState


class SlackStandIn(_Dispatch, _Methods, _History, _Transcript, _UserFiles, _Home, _ViewState):
    """A Slack Web API over HTTP on 127.0.0.1, with recorded calls and channel state."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-demo",
        bot_user_id: str = "UPAIDBOT",
        team_id: str = "T0DEMO",
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        usergroups: dict[str, list[str]] | None = None,
        users: dict[str, str] | None = None,
        channels: dict[str, str] | None = None,
        bot_name: str = "paid-orders",
    ) -> None:
        self.bot_token = bot_token
        self.bot_user_id = bot_user_id
        self.bot_id = "B" + bot_user_id.removeprefix("U")
        self.team_id = team_id
        self.bot_name = bot_name
        self.latency = latency  # read on every call, so tests can change it while running
        self.outside_channels: set[str] = set()  # channels the bot has not been invited to
        self.usergroups = dict(usergroups or {})
        self.users = dict(users or {})
        # None means "any channel": the bot has chat:write.public, so posting anywhere works.
        self.channels = None if channels is None else dict(channels)
        self._host, self._port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._slow_answers: list[_SlowAnswer] = []
        self._holds: list[tuple[str, threading.Event]] = []
        self._messages: dict[tuple[str, str], Message] = {}
        self._ephemerals: list[Ephemeral] = []
        self._views: list[dict] = []
        self._open_views: dict[str, dict] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._used_triggers: set[str] = set()
        self._responses: dict[str, _ResponseTarget] = {}
        self._log: list[tuple[str, Any]] = []  # chronological, for transcript()
        self._last_ts_us = 0
        self._ids = itertools.count(1)
        self._methods: dict[str, Callable[[dict], dict]] = {
            "auth.test": self._auth_test,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.push": self._views_push,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "usergroups.users.list": self._usergroups_users_list,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
        }
        self._init_files()
        self._init_user_files()
        self._init_home()

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> SlackStandIn:
        server = _Server((self._host, self._port), _Handler)
        server.standin = self
        self._server = server
        self._port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
            name=f"slack-standin:{self._port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def api_url(self) -> str:
        # Trailing slash matters: slack_sdk joins method names with urljoin (§13.5).
        return f"{self.base_url}/api/"

    def response_url(
        self,
        key: str,
        *,
        channel: str | None = None,
        ts: str | None = None,
        user: str | None = None,
    ) -> str:
        """A response_url for a slash command or block action payload.

        Binding it to the channel (and the clicked message's ts) lets ``replace_original`` and
        ``delete_original`` act on that message and places ``in_channel`` replies in it, as
        Slack does. Unbound keys still work; their in_channel posts go to "response:<key>".
        """
        with self._cond:
            self._responses[key] = _ResponseTarget(channel, ts, user)
        return f"{self.base_url}/response/{key}"

    def new_trigger_id(self, user: str | None = None, *, age: float = 0.0) -> str:
        """A fresh trigger_id as Slack puts in a payload, issued `age` seconds ago.

        Remembering the user lets views and the transcript say who the modal was opened for.
        """
        issued = time.time() - age
        trigger = f"{int(issued)}.{next(self._ids)}.{secrets.token_hex(8)}"
        with self._cond:
            self._triggers[trigger] = _Trigger(issued, user)
        return trigger

    # ----------------------------------------------------------------- inspection

    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if c.method == method]

    def wait_for(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = 5.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Block until at least `count` calls of `method` (matching `where`) were answered."""

        def matching() -> list[Call]:
            return [c for c in self._calls if c.method == method and (where is None or where(c))]

        with self._cond:
            if self._cond.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                return matching()
            found, seen = len(matching()), list(self._calls)
        raise AssertionError(
            f"expected {count} call(s) to {method}{' matching the filter' if where else ''} "
            f"within {timeout}s, got {found}. Calls seen ({len(seen)}):\n"
            + ("\n".join(_describe_call(c) for c in seen) or "  (none)")
        )

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail (before any other checks)."""
        with self._cond:
            self._faults.append(_Fault(method, error, status, retry_after, times))

    def answer_slowly(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls of `method` take effect at once but answer after `seconds`,
        e.g. a chat.postMessage that posts while its client has already timed out."""
        with self._cond:
            self._slow_answers.append(_SlowAnswer(method, seconds, times))

    def hold_next(self, method: str) -> threading.Event:
        """The next call of `method` takes effect only when the returned event is set (or after
        a minute): a post still on its way inside Slack after its client gave up on it."""
        gate = threading.Event()
        with self._cond:
            self._holds.append((method, gate))
        return gate

    def messages(self, channel: str, *, include_replies: bool = False) -> list[Message]:
        """The channel's messages in post order, in their latest state.

        Like conversations.history, thread replies are left out unless asked for.
        """
        with self._cond:
            cid = self._resolve_channel(channel)
            return [
                replace(m)
                for (ch, _), m in self._messages.items()
                if ch == cid and (include_replies or _is_top_level(m))
            ]

    def message(self, channel: str, ts: str) -> Message:
        with self._cond:
            cid = self._resolve_channel(channel)
            found = self._messages.get((cid, ts))
            if found is None:
                have = [t for (ch, t) in self._messages if ch == cid]
                raise AssertionError(f"no message {ts} in {channel}; messages there: {have}")
            return replace(found)

    def thread(self, channel: str, ts: str) -> list[Message]:
        with self._cond:
            cid = self._resolve_channel(channel)
            return [
                replace(m)
                for (ch, _), m in self._messages.items()
                if ch == cid and m.thread_ts == ts and m.ts != ts
            ]

    @property
    def ephemerals(self) -> list[Ephemeral]:
        with self._cond:
            return list(self._ephemerals)

    @property
    def views(self) -> list[dict]:
        with self._cond:
            return list(self._views)


def _describe_call(call: Call) -> str:
    outcome = "ok" if call.response.get("ok") else call.response.get("error", call.status)
    brief = {k: v for k, v in call.args.items() if k not in ("blocks", "view")}
    text = json.dumps(brief, default=str)
    return f"  {call.method} -> {outcome} {text[:160]}"
