"""Odd but spec-valid answers, served on request: the store did its work, the JSON is strange.

The specs type most fields loosely (money as any string, most fields optional), so a real store,
a proxy or an OpenAPI mock can answer `"total_inc_tax": "n/a"`, `-1.8e308` or an object without
its `id`. Tests ask for such an answer with `SandboxServer.answer_oddly`; the request itself is
applied as usual (an order is still created), only the JSON that goes back is changed.

Paths are dotted field names inside each object of the answer (each item of a V2 list, each
`data` item of a V3 answer); `*` stands for every element of a list, e.g. `items.*.quantity`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Oddity:
    method: str
    path_pattern: str
    changes: dict[str, Any] = field(default_factory=dict)  # dotted path → value sent instead
    drop: tuple[str, ...] = ()  # dotted paths left out of the answer
    times: int = 1  # answers to change; each matching answer uses one

    def matches(self, method: str, path: str) -> bool:
        return self.method == method and re.fullmatch(self.path_pattern, path) is not None

    def apply(self, body: Any) -> Any:
        body = copy.deepcopy(body)
        for target in _objects(body):
            for path, value in self.changes.items():
                _set(target, path.split("."), value)
            for path in self.drop:
                _drop(target, path.split("."))
        return body


def _objects(body: Any) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return body["data"]
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        return [body["data"]]
    return [body]


def _children(node: Any, key: str) -> list[Any]:
    if key == "*" and isinstance(node, list):
        return node
    if isinstance(node, dict) and key in node:
        return [node[key]]
    return []


def _set(node: Any, path: list[str], value: Any) -> None:
    if len(path) == 1:
        if isinstance(node, dict):
            node[path[0]] = copy.deepcopy(value)
        return
    for child in _children(node, path[0]):
        _set(child, path[1:], value)


def _drop(node: Any, path: list[str]) -> None:
    if len(path) == 1:
        if isinstance(node, dict):
            node.pop(path[0], None)
        return
    for child in _children(node, path[0]):
        _drop(child, path[1:])
