"""The Web API methods the bot calls (§5-§9): auth, chat, views, usergroups, users, channels."""

from __future__ import annotations

import secrets
import time
from typing import Any

from sandbox.slack.channels import _Channels, _Trigger
from sandbox.slack.history import _message_metadata
from sandbox.slack.records import Ephemeral
from sandbox.slack.replies import _SlackError
from sandbox.slack.view_state import carried_state, initial_state

# Slack documents that a trigger_id lives 3 seconds (api.slack.com/docs/triggers).
TRIGGER_TTL = 3.0
# A trigger prefix smaller than this is not a plausible unix time (e.g. "111.222.abc" in
# Slack's own docs), so such triggers never expire.
_MIN_PLAUSIBLE_UNIX = 1_000_000_000


class _Methods(_Channels):
    """One handler per Web API method: args in, Slack's answer out, or a `_SlackError`."""

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
        msg = self._store_message(channel, text, blocks, str(thread_ts) if thread_ts else None,
                                  _message_metadata(args))
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
        if args.get("metadata"):  # kept when the update leaves it out
            msg.metadata = _message_metadata(args)
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
        updated = {**current, **view, "id": current["id"], "hash": self._new_hash(),
                   "state": carried_state(current, view)}
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
            "state": initial_state(view),
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
    """The view of a views.* call, refused as Slack refuses one outside Block Kit's limits
    (slack-platform.md §9): a title, submit or close over 24 characters, private_metadata over
    3,000, an input's initial value longer than its max_length, or an initial option that is
    not one of the select's options."""
    view = args.get("view")
    if not isinstance(view, dict):
        raise _SlackError("invalid_arguments")
    if any(len(str((view.get(k) or {}).get("text", ""))) > 24
           for k in ("title", "submit", "close")) or len(view.get("private_metadata") or "") > 3000:
        raise _SlackError("invalid_arguments")
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        initial, longest = element.get("initial_value"), element.get("max_length")
        if isinstance(initial, str) and longest is not None and len(initial) > int(longest):
            raise _SlackError("invalid_arguments")
        chosen = element.get("initial_option")
        if chosen is not None and "options" in element and chosen not in element["options"]:
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
