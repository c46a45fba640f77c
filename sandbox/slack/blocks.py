"""Block Kit blocks rendered as readable plain text: `render_blocks`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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
