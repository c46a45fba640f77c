"""What a user has typed into an open modal, kept the way Slack keeps it.

Slack carries a user's input across `views.update` only for an input whose block_id and
action_id are unchanged; any other input shows (and submits) its new initial value
(Block Kit reference, "Updating views": "preserve … input blocks with the same block_id").
"""

from __future__ import annotations

import threading
from typing import Any

from sandbox.slack.records import Call
from sandbox.slack.replies import _SlackError


def initial_state(view: dict[str, Any]) -> dict[str, Any]:
    """The `state.values` of a view no one has typed in yet."""
    return {"values": {block["block_id"]: {block["element"]["action_id"]: _initial(block)}
                       for block in _inputs(view)}}


def carried_state(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The state after `new` replaces `old`: typed values stay where the ids did."""
    typed = (old.get("state") or {}).get("values") or {}
    values: dict[str, Any] = {}
    for block in _inputs(new):
        action_id = block["element"]["action_id"]
        kept = (typed.get(block["block_id"]) or {}).get(action_id)
        values[block["block_id"]] = {action_id: kept if kept is not None else _initial(block)}
    return {"values": values}


def _inputs(view: dict[str, Any]) -> list[dict[str, Any]]:
    # Slack names blocks and elements the view leaves unnamed; those can't be typed into here.
    return [b for b in view.get("blocks") or [] if isinstance(b, dict)
            and b.get("type") == "input" and isinstance(b.get("element"), dict)
            and b.get("block_id") and b["element"].get("action_id")]


def _initial(block: dict[str, Any]) -> dict[str, Any]:
    element = block["element"]
    kind = element.get("type")
    if kind in ("static_select", "external_select"):
        return {"type": kind, "selected_option": element.get("initial_option")}
    if kind == "file_input":  # it can't be prefilled: nothing picked yet
        return {"type": kind, "files": []}
    return {"type": kind, "value": element.get("initial_value")}


class _ViewState:
    """The stand-in's side: a test types into a modal as a user would."""

    _cond: threading.Condition
    _open_views: dict[str, dict]
    _calls: list[Call]

    def type_into(self, view_id: str, answers: dict[str, str | None]) -> None:
        """Type `answers` (keyed by block_id) into the open view, as its user would."""
        with self._cond:
            view = self._open_views.get(view_id)
            if view is None:
                raise _SlackError("not_found")
            values = view.setdefault("state", {"values": {}})["values"]
            for block in _inputs(view):
                if block["block_id"] in answers:
                    action_id = block["element"]["action_id"]
                    values[block["block_id"]] = {action_id: {
                        "type": block["element"].get("type"),
                        "value": answers[block["block_id"]]}}

    def attach(self, view_id: str, block_id: str, files: list[dict[str, Any]]) -> None:
        """Pick `files` (file objects from `upload_as`) in the view's file_input `block_id`."""
        with self._cond:
            view = self._open_views.get(view_id)
            if view is None:
                raise _SlackError("not_found")
            block = next(b for b in _inputs(view) if b["block_id"] == block_id)
            if block["element"].get("type") != "file_input":
                raise ValueError(f"{block_id} is not a file_input")
            values = view.setdefault("state", {"values": {}})["values"]
            values[block_id] = {block["element"]["action_id"]: {"type": "file_input",
                                                                "files": list(files)}}

    def open_view(self, view_id: str) -> dict[str, Any]:
        """The view as Slack holds it now: blocks, hash and what has been typed."""
        with self._cond:
            view = self._open_views[view_id]
            return {k: v for k, v in view.items() if not k.startswith("_")}
