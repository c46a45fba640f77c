"""The Home tab: `views.publish` (slack-platform.md §16), and each user's Home for tests to read.

As Slack documents it: `user_id` and a `view` of type "home" (at most 100 blocks, no submit or
close) are required; an optional `hash` must be the hash of that user's Home as last published,
else the answer is `hash_conflict` and the Home stays as it was. Every publish gets a new hash.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.slack.channels import _Channels
from sandbox.slack.replies import _SlackError

HOME_BLOCKS = 100
SECTION_TEXT = 3000


class _Home(_Channels):
    _homes: dict[str, dict[str, Any]]
    _new_hash: Any  # _Methods'

    def _init_home(self) -> None:
        self._homes = {}
        self._methods["views.publish"] = self._views_publish

    def _views_publish(self, args: dict) -> dict:
        user = str(args.get("user_id") or "")
        view = args.get("view")
        if not user or not isinstance(view, dict) or view.get("type") != "home":
            raise _SlackError("invalid_arguments")
        if self.users and user not in self.users:
            raise _SlackError("user_not_found")
        if any(key in view for key in ("submit", "close")):
            raise _SlackError("invalid_arguments")
        _check_blocks(view.get("blocks"))
        current = self._homes.get(user)
        if args.get("hash") and (current is None or args["hash"] != current["hash"]):
            raise _SlackError("hash_conflict")
        published = {
            **copy.deepcopy(view),
            "id": current["id"] if current else f"V{next(self._ids):08d}",
            "hash": self._new_hash(),
            "team_id": self.team_id,
            "bot_id": self.bot_id,
            "app_installed_team_id": self.team_id,
            "state": {"values": {}},
        }
        self._homes[user] = published
        return {"ok": True, "view": copy.deepcopy(published)}

    def home(self, user: str) -> dict[str, Any] | None:
        """`user`'s Home as last published, or None."""
        with self._cond:
            found = self._homes.get(user)
            return copy.deepcopy(found) if found else None


def _check_blocks(blocks: Any) -> None:
    if not isinstance(blocks, list) or len(blocks) > HOME_BLOCKS:
        raise _SlackError("invalid_blocks")
    for block in blocks:
        texts = [block.get("text")] if isinstance(block, dict) else [None]
        if any(isinstance(t, dict) and len(str(t.get("text", ""))) > SECTION_TEXT
               for t in texts):
            raise _SlackError("invalid_blocks")
