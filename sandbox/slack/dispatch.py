"""A request to its answer: an injected fault, else the token, then the method; response_urls."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from sandbox.slack.channels import _Channels, _ResponseTarget
from sandbox.slack.decode import _decode_body, _decode_request, _maybe_json
from sandbox.slack.records import Call, Ephemeral
from sandbox.slack.replies import _as_dict, _Fault, _Reply, _SlackError, _SlowAnswer

HOLD_LIMIT = 60.0  # seconds a held call waits for its release at most

# Scopes from the app manifest (§11); slack_sdk and Bolt read them from this header.
OAUTH_SCOPES = ("commands,chat:write,chat:write.public,usergroups:read,channels:read,groups:read,"
                "files:read,files:write,im:write,channels:history,groups:history")


class _Dispatch(_Channels):
    """The HTTP entry points the server calls: `_serve_api` and `_serve_response_url`."""

    _slow_answers: list[_SlowAnswer]
    _holds: list[tuple[str, threading.Event]]

    def _serve_api(self, method: str, headers: Any, body: bytes, query: str) -> _Reply:
        received = time.monotonic()
        bad: _Reply | None = None
        try:
            args, token = _decode_request(headers, body, query)
        except ValueError:  # also UnicodeDecodeError
            args, token, bad = {}, None, _Reply({"ok": False, "error": "invalid_json"})
        if self.latency > 0:
            time.sleep(self.latency)
        held = self._take_hold(method)
        if held is not None:
            held.wait(HOLD_LIMIT)
        with self._cond:
            # State changes and the call record happen together, so that whatever wait_for()
            # returns for is already visible in messages()/views.
            reply = bad or self._answer(method, args, token)
            call = Call(
                method, args, token, received, response=_as_dict(reply), status=reply.status
            )
            self._calls.append(call)
            self._cond.notify_all()
            hold = self._take_slow_answer(method)
        if hold:
            time.sleep(hold)
        return reply

    def _take_hold(self, method: str) -> threading.Event | None:
        with self._cond:
            for i, (held, gate) in enumerate(self._holds):
                if held == method:
                    del self._holds[i]
                    return gate
        return None

    def _take_slow_answer(self, method: str) -> float:
        for slow in self._slow_answers:
            if slow.method == method:
                slow.times -= 1
                if slow.times <= 0:
                    self._slow_answers.remove(slow)
                return slow.seconds
        return 0.0

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


def _truthy(value: Any) -> bool:
    # JSON gives booleans; a form post gives "true"/"1".
    return value is True or str(value).lower() in ("true", "1")
