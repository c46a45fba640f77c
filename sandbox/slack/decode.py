"""Request decoding: args from the query string and a form, JSON or multipart body; the token."""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

# Form fields Slack accepts as JSON-encoded strings. Only these are decoded, so that a `text`
# that happens to look like JSON ("[1, 2]") stays text.
_JSON_FIELDS = frozenset(
    {"blocks", "attachments", "view", "metadata", "options", "option_groups", "users", "channels"}
)


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
