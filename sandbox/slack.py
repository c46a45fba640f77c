"""A local stand-in for the Slack Web API, served over real HTTP.

The bot's own ``slack_sdk.WebClient(base_url=standin.api_url)`` talks to it exactly as it would
talk to https://slack.com/api/, so the demo and the end-to-end tests exercise the real HTTP
client, retry handlers and error handling. It follows Slack's documented answers for the few
methods the bot uses (see /work/shared/reference/slack-platform.md §5-§9, §16), records every
call, keeps the channel state (messages, threads, edits, ephemerals, modals) and renders it as a
readable transcript.

Modelled on slackapi/bolt-python's ``tests/mock_web_api_server/``, but bound to port 0 so that
parallel test runs never collide, and threaded with a large backlog so that bursts don't drop
connections.
"""

from __future__ import annotations

import itertools
import json
import secrets
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["Call", "Ephemeral", "Message", "SlackStandIn", "render_blocks"]

# Scopes from the app manifest (§11); slack_sdk and Bolt read them from this header.
OAUTH_SCOPES = "commands,chat:write,chat:write.public,usergroups:read,channels:read,groups:read"
# Slack documents that a trigger_id lives 3 seconds (api.slack.com/docs/triggers).
TRIGGER_TTL = 3.0
# A trigger prefix smaller than this is not a plausible unix time (e.g. "111.222.abc" in
# Slack's own docs), so such triggers never expire.
_MIN_PLAUSIBLE_UNIX = 1_000_000_000
# Form fields Slack accepts as JSON-encoded strings. Only these are decoded, so that a `text`
# that happens to look like JSON ("[1, 2]") stays text.
_JSON_FIELDS = frozenset(
    {"blocks", "attachments", "view", "metadata", "options", "option_groups", "users", "channels"}
)


# --------------------------------------------------------------------------- public records


@dataclass
class Call:
    method: str  # e.g. "chat.postMessage"; "response_url" for posts to a response_url
    args: dict  # decoded args, token removed
    token: str | None  # from "Authorization: Bearer …" or the `token` arg
    at: float  # time.monotonic() when the request was received
    # What the stand-in answered, for helpful assertion messages. Not part of the request.
    response: dict = field(default_factory=dict, repr=False)
    status: int = field(default=200, repr=False)


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict]
    thread_ts: str | None
    user: str
    edited: bool


@dataclass
class Ephemeral:
    channel: str | None
    user: str | None
    text: str
    blocks: list[dict]
    via: str  # "chat.postEphemeral" | "response_url"
    key: str | None = None  # the response_url key, for via == "response_url"


# --------------------------------------------------------------------------- Block Kit rendering


def _txt(obj: Any) -> str:
    """Text of a composition object ({"type": "mrkdwn", "text": …}) or a plain string."""
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _option_label(el: dict) -> str:
    chosen = el.get("initial_option") or {}
    return _txt(chosen.get("text")) or _txt(el.get("placeholder")) or "select"


def _render_element(el: dict) -> str:
    """One interactive or context element as a short inline string."""
    kind = str(el.get("type", ""))
    if kind in ("mrkdwn", "plain_text"):
        return _txt(el)
    if kind == "button":
        return f"[{_txt(el.get('text'))}]"
    if kind == "image":
        return f"[image: {el.get('alt_text', '')}]"
    if kind.endswith("select") or kind == "overflow":
        return f"[{_option_label(el)} ▾]"
    if kind in ("checkboxes", "radio_buttons"):
        return " ".join(f"( ) {_txt(o.get('text'))}" for o in el.get("options", []))
    if kind in ("datepicker", "timepicker", "datetimepicker"):
        value = el.get("initial_date") or el.get("initial_time") or el.get("initial_date_time")
        return f"[{value or _txt(el.get('placeholder')) or kind}]"
    if kind.endswith("_input"):
        return f"[{el.get('initial_value') or _txt(el.get('placeholder')) or '…'}]"
    return f"[{kind}]"


def _rich_inline(el: dict) -> str:
    kind = el.get("type")
    if kind == "text":
        return str(el.get("text", ""))
    if kind == "link":
        return str(el.get("text") or el.get("url", ""))
    if kind == "user":
        return f"@{el.get('user_id', '')}"
    if kind == "usergroup":
        return f"@{el.get('usergroup_id', '')}"
    if kind == "channel":
        return f"#{el.get('channel_id', '')}"
    if kind == "emoji":
        return f":{el.get('name', '')}:"
    if kind == "broadcast":
        return f"@{el.get('range', 'here')}"
    if kind == "date":
        return str(el.get("fallback", el.get("timestamp", "")))
    return ""


def _rich_part(part: dict) -> list[str]:
    """One rich_text child (section, list, quote, preformatted) as lines."""
    kind = part.get("type")
    if kind == "rich_text_list":
        marker = "1." if part.get("style") == "ordered" else "•"
        pad = "  " * int(part.get("indent", 0))
        return [
            f"{pad}{marker} {line}"
            for item in part.get("elements", [])
            for line in _rich_part(item)
        ]
    text = "".join(_rich_inline(e) for e in part.get("elements", []))
    if kind == "rich_text_quote":
        return [f"> {line}" for line in text.splitlines() or [""]]
    return text.splitlines() or [""]


def _render_section(block: dict) -> list[str]:
    lines = _txt(block.get("text")).splitlines()
    # Fields usually read "*Label:*\nvalue"; one field per line keeps the card scannable.
    lines += [_one_line(_txt(f)) for f in block.get("fields", [])]
    accessory = block.get("accessory")
    if accessory:
        lines.append(_render_element(accessory))
    return lines


def _render_input(block: dict) -> list[str]:
    optional = " (optional)" if block.get("optional") else ""
    return [f"{_txt(block.get('label'))}{optional}: {_render_element(block.get('element', {}))}"]


def _render_image(block: dict) -> list[str]:
    title = _txt(block.get("title"))
    return [f"[image: {block.get('alt_text', '')}]" + (f" {title}" if title else "")]


_BLOCK_RENDERERS: dict[str, Callable[[dict], list[str]]] = {
    "header": lambda b: [_txt(b.get("text"))],
    "section": _render_section,
    "context": lambda b: ["  ".join(_render_element(e) for e in b.get("elements", []))],
    "divider": lambda b: ["─" * 24],
    "actions": lambda b: [" ".join(_render_element(e) for e in b.get("elements", []))],
    "image": _render_image,
    "rich_text": lambda b: [ln for p in b.get("elements", []) for ln in _rich_part(p)],
    "input": _render_input,
    "markdown": lambda b: str(b.get("text", "")).splitlines(),
}


def render_blocks(blocks: list[dict]) -> str:
    """Block Kit blocks as readable plain text, one or more lines per block.

    The mrkdwn inside is kept verbatim (``*bold*``, ``<@U…>``), so what a test reads here is
    what Slack was sent.
    """
    lines: list[str] = []
    for block in blocks or []:
        renderer = _BLOCK_RENDERERS.get(str(block.get("type")))
        lines += renderer(block) if renderer else [f"[{block.get('type')}]"]
    return "\n".join(lines)


# --------------------------------------------------------------------------- request decoding


def _maybe_json(key: str, value: Any) -> Any:
    if key in _JSON_FIELDS and isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value  # Slack would answer invalid_blocks etc.; keep what was sent
    return value


def _form_args(raw: str) -> dict:
    return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def _multipart_args(content_type: str, body: bytes) -> dict:
    # slack_sdk sends multipart/form-data when api_call() is given `data=`.
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    msg = BytesParser(policy=HTTP).parsebytes(head + body)
    return {
        part.get_param("name", header="content-disposition"): part.get_content()
        for part in msg.iter_parts()
    }


def _decode_body(content_type: str, body: bytes) -> dict:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        decoded = json.loads(body.decode("utf-8"))
        return decoded if isinstance(decoded, dict) else {}
    if content_type.startswith("multipart/form-data"):
        return _multipart_args(content_type, body)
    return _form_args(body.decode("utf-8"))


def _decode_request(headers: Any, body: bytes, query: str) -> tuple[dict, str | None]:
    """Args from the query string and body (body wins), and the token, removed from args."""
    args = _form_args(query)
    args.update(_decode_body(headers.get("Content-Type", ""), body))
    args = {k: _maybe_json(k, v) for k, v in args.items()}
    token = args.pop("token", None)
    auth = headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        token = auth.removeprefix("Bearer ").strip()
    return args, token


# --------------------------------------------------------------------------- internals


class _SlackError(Exception):
    """Raised by a method handler to answer {"ok": false, "error": code}."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class _Reply:
    payload: dict | str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Fault:
    method: str
    error: str | None
    status: int
    retry_after: int
    times: int

    def reply(self) -> _Reply:
        # Slack rate-limits with HTTP 429 + Retry-After, always (api.slack.com/apis/rate-limits).
        if self.status == 429 or self.error == "ratelimited":
            body = {"ok": False, "error": "ratelimited"}
            return _Reply(body, 429, {"Retry-After": str(self.retry_after)})
        # A 5xx, or a plain {"ok": false} at whatever status was asked for.
        return _Reply({"ok": False, "error": self.error or "internal_error"}, self.status)


@dataclass
class _Trigger:
    issued: float | None  # time.time() when issued, if known
    user: str | None


@dataclass
class _ResponseTarget:
    channel: str | None
    ts: str | None
    user: str | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 drops connections in a burst (§13.2)
    allow_reuse_address = True
    standin: SlackStandIn


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the transcript is the log; stderr noise would drown the demo

    def do_POST(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()  # Slack accepts GET with a query string for every method

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        standin = self.server.standin
        if url.path.startswith("/api/"):
            reply = standin._serve_api(
                url.path.removeprefix("/api/"), self.headers, body, url.query
            )
        elif url.path.startswith("/response/"):
            reply = standin._serve_response_url(
                url.path.removeprefix("/response/"), self.headers, body
            )
        else:
            reply = _Reply("not found", 404)
        self._send(reply)

    def _send(self, reply: _Reply) -> None:
        is_json = isinstance(reply.payload, dict)
        data = (json.dumps(reply.payload) if is_json else str(reply.payload)).encode()
        self.send_response(reply.status)
        ctype = "application/json; charset=utf-8" if is_json else "text/plain; charset=utf-8"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


# --------------------------------------------------------------------------- the stand-in


class SlackStandIn:
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
        }

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

    # ----------------------------------------------------------------- HTTP entry points

    def _serve_api(self, method: str, headers: Any, body: bytes, query: str) -> _Reply:
        received = time.monotonic()
        bad: _Reply | None = None
        try:
            args, token = _decode_request(headers, body, query)
        except ValueError:  # also UnicodeDecodeError
            args, token, bad = {}, None, _Reply({"ok": False, "error": "invalid_json"})
        if self.latency > 0:
            time.sleep(self.latency)
        with self._cond:
            # State changes and the call record happen together, so that whatever wait_for()
            # returns for is already visible in messages()/views.
            reply = bad or self._answer(method, args, token)
            call = Call(
                method, args, token, received, response=_as_dict(reply), status=reply.status
            )
            self._calls.append(call)
            self._cond.notify_all()
        return reply

    def _answer(self, method: str, args: dict, token: str | None) -> _Reply:
        fault = self._take_fault(method)
        if fault is not None:
            return fault.reply()
        handler = self._methods.get(method)
        try:
            if handler is None:
                raise _SlackError("unknown_method")
            self._check_token(token)
            reply = _Reply(handler(args))
        except _SlackError as err:
            return _Reply({"ok": False, "error": err.code})
        if method == "auth.test":
            reply.headers["X-OAuth-Scopes"] = OAUTH_SCOPES
        return reply

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method == method:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _check_token(self, token: str | None) -> None:
        if not token:
            raise _SlackError("not_authed")
        if token != self.bot_token:
            raise _SlackError("invalid_auth")

    def _serve_response_url(self, key: str, headers: Any, body: bytes) -> _Reply:
        received = time.monotonic()
        try:
            payload = _decode_body(headers.get("Content-Type", ""), body)
        except ValueError:
            return _Reply("invalid_payload", 400)
        payload = {k: _maybe_json(k, v) for k, v in payload.items()}
        with self._cond:
            self._apply_response(key, payload)
            self._calls.append(Call("response_url", {**payload, "_key": key}, None, received))
            self._cond.notify_all()
        return _Reply("ok")

    # ----------------------------------------------------------------- response_url

    def _apply_response(self, key: str, payload: dict) -> None:
        target = self._responses.get(key, _ResponseTarget(None, None, None))
        original = self._messages.get((target.channel or "", target.ts or ""))
        text, blocks = str(payload.get("text") or ""), list(payload.get("blocks") or [])
        if _truthy(payload.get("delete_original")) and original is not None:
            del self._messages[(original.channel, original.ts)]
            self._log.append(("deleted", replace(original)))
        elif _truthy(payload.get("replace_original")) and original is not None:
            original.text, original.blocks, original.edited = text, blocks, True
        elif payload.get("response_type") == "in_channel":
            channel = target.channel or f"response:{key}"
            self._store_message(channel, text, blocks, None)
        else:
            eph = Ephemeral(target.channel, target.user, text, blocks, "response_url", key)
            self._ephemerals.append(eph)
            self._log.append(("ephemeral", eph))

    # ----------------------------------------------------------------- methods

    def _auth_test(self, args: dict) -> dict:
        return {
            "ok": True,
            "url": "https://paidorder-demo.slack.com/",
            "team": "Paid Order Demo",
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict) -> dict:
        channel = self._known_channel(args.get("channel"))
        text, blocks = _content(args)
        thread_ts = args.get("thread_ts") or None
        msg = self._store_message(channel, text, blocks, str(thread_ts) if thread_ts else None)
        return {"ok": True, "channel": channel, "ts": msg.ts, "message": self._message_json(msg)}

    def _chat_update(self, args: dict) -> dict:
        channel = self._known_channel(args.get("channel"))
        msg = self._messages.get((channel, str(args.get("ts") or "")))
        if msg is None:
            raise _SlackError("message_not_found")
        if "text" not in args and "blocks" not in args:
            raise _SlackError("no_text")
        # Slack keeps the previous blocks when `blocks` is omitted; [] removes them.
        if "blocks" in args:
            msg.blocks = list(args.get("blocks") or [])
        if "text" in args:
            msg.text = str(args.get("text") or "")
        msg.edited = True
        body = self._message_json(msg)
        return {"ok": True, "channel": channel, "ts": msg.ts, "text": msg.text, "message": body}

    def _chat_post_ephemeral(self, args: dict) -> dict:
        channel = self._known_channel(args.get("channel"))
        user = str(args.get("user") or "")
        if not user or (self.users and user not in self.users):
            raise _SlackError("user_not_found")
        text, blocks = _content(args)
        eph = Ephemeral(channel, user, text, blocks, "chat.postEphemeral")
        self._ephemerals.append(eph)
        self._log.append(("ephemeral", eph))
        return {"ok": True, "message_ts": self._next_ts()}

    def _views_open(self, args: dict) -> dict:
        view = _require_view(args)
        user = self._use_trigger(args.get("trigger_id"))
        return {"ok": True, "view": self._open_view("views.open", view, args, user)}

    def _views_push(self, args: dict) -> dict:
        view = _require_view(args)
        user = self._use_trigger(args.get("trigger_id"))
        return {"ok": True, "view": self._open_view("views.push", view, args, user)}

    def _views_update(self, args: dict) -> dict:
        view = _require_view(args)
        current = self._find_view(args)
        if args.get("hash") and args["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")  # someone else updated the view meanwhile
        updated = {**current, **view, "id": current["id"], "hash": self._new_hash()}
        self._open_views[current["id"]] = updated
        self._record_view("views.update", updated, args.get("trigger_id"), current.get("_user"))
        return {"ok": True, "view": _public_view(updated)}

    def _usergroups_users_list(self, args: dict) -> dict:
        group = str(args.get("usergroup") or "")
        if group not in self.usergroups:
            raise _SlackError("no_such_subteam")
        return {"ok": True, "users": list(self.usergroups[group])}

    def _users_info(self, args: dict) -> dict:
        uid = str(args.get("user") or "")
        names = {self.bot_user_id: self.bot_name, **self.users}
        if uid not in names:
            raise _SlackError("user_not_found")
        name = names[uid]
        return {
            "ok": True,
            "user": {
                "id": uid,
                "team_id": self.team_id,
                "name": name.lower().replace(" ", "."),
                "real_name": name,
                "profile": {"display_name": name, "real_name": name},
                "is_admin": False,
                "is_owner": False,
                "is_bot": uid == self.bot_user_id,
                "deleted": False,
            },
        }

    def _conversations_info(self, args: dict) -> dict:
        channel = self._known_channel(args.get("channel"))
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": self._channel_name(channel),
                "is_member": channel not in self.outside_channels,
                "is_channel": channel.startswith("C"),
                "is_private": channel.startswith("G"),
                "is_im": channel.startswith(("U", "D")),
                "is_archived": False,
            },
        }

    # ----------------------------------------------------------------- state helpers

    def _resolve_channel(self, channel: Any) -> str:
        """A channel id from an id, "#name" or "name" (chat.postMessage accepts names)."""
        value = str(channel or "")
        bare = value.removeprefix("#")
        for cid, name in (self.channels or {}).items():
            if bare == name:
                return cid
        return value

    def _known_channel(self, channel: Any) -> str:
        cid = self._resolve_channel(channel)
        if not cid:
            raise _SlackError("channel_not_found")
        # A user id as the channel posts into the DM with that user.
        if cid.startswith("U") or self.channels is None or cid in self.channels:
            return cid
        raise _SlackError("channel_not_found")

    def _channel_name(self, cid: str) -> str:
        return (self.channels or {}).get(cid, cid)

    def _next_ts(self) -> str:
        # Real Slack ts values are unix time with microseconds, unique per channel.
        now_us = int(time.time() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 100)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _store_message(
        self, channel: str, text: str, blocks: list[dict], thread_ts: str | None
    ) -> Message:
        msg = Message(channel, self._next_ts(), text, blocks, thread_ts, self.bot_user_id, False)
        self._messages[(channel, msg.ts)] = msg
        self._log.append(("message", (channel, msg.ts)))
        return msg

    def _message_json(self, msg: Message) -> dict:
        body: dict[str, Any] = {
            "type": "message",
            "ts": msg.ts,
            "text": msg.text,
            "blocks": msg.blocks,
            "user": msg.user,
            "bot_id": self.bot_id,
            "team": self.team_id,
        }
        if msg.thread_ts:
            body["thread_ts"] = msg.thread_ts
        if msg.edited:
            body["edited"] = {"user": msg.user, "ts": msg.ts}
        return body

    def _use_trigger(self, trigger: Any) -> str | None:
        """Spend a trigger_id: single use, and dead 3 s after it was issued."""
        trigger = str(trigger or "")
        if not trigger:
            raise _SlackError("invalid_arguments")
        if trigger in self._used_triggers:
            raise _SlackError("exchanged_trigger_id")
        known = self._triggers.get(trigger, _Trigger(_issued_from_prefix(trigger), None))
        if known.issued is not None and time.time() - known.issued > TRIGGER_TTL:
            raise _SlackError("expired_trigger_id")
        self._used_triggers.add(trigger)
        return known.user

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    def _open_view(self, method: str, view: dict, args: dict, user: str | None) -> dict:
        ext = view.get("external_id")
        if ext and any(v.get("external_id") == ext for v in self._open_views.values()):
            raise _SlackError("duplicate_external_id")
        vid = f"V{next(self._ids):08d}"
        stored = {
            **view,
            "id": vid,
            "hash": self._new_hash(),
            "team_id": self.team_id,
            "bot_id": self.bot_id,
            "state": {"values": {}},
            "_user": user,
        }
        self._open_views[vid] = stored
        self._record_view(method, stored, args.get("trigger_id"), user)
        return _public_view(stored)

    def _find_view(self, args: dict) -> dict:
        if args.get("view_id"):
            found = self._open_views.get(str(args["view_id"]))
        elif args.get("external_id"):
            ext = args["external_id"]
            found = next(
                (v for v in self._open_views.values() if v.get("external_id") == ext), None
            )
        else:
            raise _SlackError("invalid_arguments")
        if found is None:
            raise _SlackError("not_found")
        return found

    def _record_view(self, method: str, view: dict, trigger: Any, user: str | None) -> None:
        entry = {
            "method": method,
            "id": view["id"],
            "hash": view["hash"],
            "trigger_id": trigger,
            "user": user,
            "view": _public_view(view),
        }
        self._views.append(entry)
        self._log.append(("view", entry))

    # ----------------------------------------------------------------- transcript

    def transcript(self) -> str:
        """The conversation so far as readable text, in the order things happened."""
        with self._cond:
            lines: list[str] = []
            for kind, item in self._log:
                lines += self._transcript_entry(kind, item)
            return "\n".join(lines)

    def _transcript_entry(self, kind: str, item: Any) -> list[str]:
        if kind == "message":
            return self._message_lines(*item)
        if kind == "deleted":
            return [f"{self._where(item.channel)} · message {item.ts} deleted"]
        if kind == "ephemeral":
            return self._ephemeral_lines(item)
        return [self._view_line(item)]

    def _message_lines(self, channel: str, ts: str) -> list[str]:
        msg = self._messages.get((channel, ts))
        # Replies are shown under their parent; deleted messages have their own entry.
        if msg is None or (not _is_top_level(msg) and (channel, msg.thread_ts) in self._messages):
            return []
        edited = " (edited)" if msg.edited else ""
        orphan = f" (reply to missing {msg.thread_ts})" if not _is_top_level(msg) else ""
        lines = [f"{self._where(channel)} · {self.bot_name}{edited}{orphan}"]
        lines.append(textwrap.indent(_body(msg.text, msg.blocks), "  "))
        for reply in self._replies(channel, ts):
            lines.append(_reply_line(reply))
        return lines

    def _replies(self, channel: str, ts: str) -> list[Message]:
        return [
            m
            for (ch, _), m in self._messages.items()
            if ch == channel and m.thread_ts == ts and m.ts != ts
        ]

    def _ephemeral_lines(self, eph: Ephemeral) -> list[str]:
        who = self._who(eph.user) if eph.user else "the requester"
        where = f" in {self._where(eph.channel)}" if eph.channel else ""
        via = f" (response_url {eph.key})" if eph.via == "response_url" else ""
        return _labelled(f"ephemeral to {who}{where}{via}: ", _body(eph.text, eph.blocks))

    def _view_line(self, entry: dict) -> str:
        title = _txt(entry["view"].get("title")) or entry["view"].get("callback_id", "")
        who = f" for {self._who(entry['user'])}" if entry.get("user") else ""
        verb = {"views.open": "opened", "views.push": "pushed", "views.update": "updated"}
        return f"modal {verb.get(entry['method'], entry['method'])}{who}: {title} ({entry['id']})"

    def _where(self, channel: str | None) -> str:
        cid = channel or ""
        if cid.startswith("response:"):
            return cid
        if cid.startswith("U"):
            return f"DM with {self._who(cid)}"
        return f"#{self._channel_name(cid)}"

    def _who(self, uid: str | None) -> str:
        name = self.users.get(uid or "")
        return f"{name} ({uid})" if name else str(uid)


# --------------------------------------------------------------------------- small helpers


def _is_top_level(msg: Message) -> bool:
    return msg.thread_ts is None or msg.thread_ts == msg.ts


def _truthy(value: Any) -> bool:
    # JSON gives booleans; a form post gives "true"/"1".
    return value is True or str(value).lower() in ("true", "1")


def _content(args: dict) -> tuple[str, list[dict]]:
    """text and blocks of a message; Slack refuses a message with neither (no_text)."""
    text = str(args.get("text") or "")
    blocks = args.get("blocks") or []
    if not text and not blocks:
        raise _SlackError("no_text")
    if not isinstance(blocks, list):
        raise _SlackError("invalid_blocks")
    return text, list(blocks)


def _require_view(args: dict) -> dict:
    view = args.get("view")
    if not isinstance(view, dict):
        raise _SlackError("invalid_arguments")
    return view


def _public_view(view: dict) -> dict:
    return {k: v for k, v in view.items() if not k.startswith("_")}


def _issued_from_prefix(trigger: str) -> float | None:
    """Issue time encoded as "<unix_seconds>.<anything>", if the prefix is a plausible time."""
    prefix = trigger.split(".", 1)[0]
    if prefix.isdigit() and int(prefix) >= _MIN_PLAUSIBLE_UNIX:
        return float(prefix)
    return None


def _as_dict(reply: _Reply) -> dict:
    return reply.payload if isinstance(reply.payload, dict) else {"body": reply.payload}


def _body(text: str, blocks: list[dict]) -> str:
    return render_blocks(blocks) if blocks else text


def _labelled(label: str, body: str) -> list[str]:
    """label + first line, the rest of the body indented under it."""
    first, *rest = body.splitlines() or [""]
    return [label + first] + [f"    {line}" for line in rest]


def _reply_line(reply: Message) -> str:
    edited = " (edited)" if reply.edited else ""
    return "\n".join(_labelled(f"  ↳ thread reply{edited}: ", _body(reply.text, reply.blocks)))


def _describe_call(call: Call) -> str:
    outcome = "ok" if call.response.get("ok") else call.response.get("error", call.status)
    brief = {k: v for k, v in call.args.items() if k not in ("blocks", "view")}
    text = json.dumps(brief, default=str)
    return f"  {call.method} -> {outcome} {text[:160]}"
