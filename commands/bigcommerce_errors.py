"""The failures the BigCommerce client can raise, one class per thing a caller does differently.

Every message is a plain sentence that carries BigCommerce's own words, so a handler can show
it to a person as it is. No message ever contains the access token.
"""

from __future__ import annotations

from typing import Any


class BigCommerceError(Exception):
    """Base class. `status` is the HTTP status (None when no answer came back).

    `ambiguous` is True when the request was a write and BigCommerce may have applied it even
    though we saw a failure: look the result up (e.g. by external_order_id) before retrying.
    """

    summary = "BigCommerce could not complete the request"

    def __init__(
        self,
        messages: list[str] | None = None,
        *,
        status: int | None = None,
        method: str = "",
        path: str = "",
        ambiguous: bool = False,
    ) -> None:
        self.status = status
        self.messages = list(messages or [])
        self.method = method
        self.path = path
        self.ambiguous = ambiguous
        super().__init__(self._sentence())

    def _headline(self) -> str:
        return self.summary

    def _sentence(self) -> str:
        where = f"{self.method} {self.path}".strip()
        context = ", ".join(
            part for part in (where, f"HTTP {self.status}" if self.status else "") if part
        )
        text = self._headline()
        if self.messages:
            text += ": " + " ".join(_as_sentence(m) for m in self.messages)
        else:
            text += "."
        if context:
            text += f" ({context})"
        return text


class AuthenticationFailed(BigCommerceError):
    summary = "BigCommerce did not accept the access token"


class PermissionDenied(BigCommerceError):
    summary = "The BigCommerce API account is missing a scope"

    def __init__(self, messages: list[str] | None = None, **kwargs: Any) -> None:
        self.scope_hint = scope_hint(kwargs.get("path", ""))
        super().__init__(messages, **kwargs)

    def _headline(self) -> str:
        if self.scope_hint:
            return f"{self.summary} (probably “{self.scope_hint}”)"
        return self.summary


class NotFound(BigCommerceError):
    summary = "BigCommerce could not find that"


class InvalidRequest(BigCommerceError):
    summary = "BigCommerce rejected the request"


class RateLimited(BigCommerceError):
    summary = "BigCommerce kept rate-limiting the request"
    wait: float = 0.0  # seconds BigCommerce asked us to wait (0 when it did not say)


class ServerError(BigCommerceError):
    summary = "BigCommerce had a server error"


class Unavailable(BigCommerceError):
    summary = "BigCommerce could not be reached"


class UnusableAnswer(BigCommerceError):
    """BigCommerce answered with success, but a field the bot needs is missing or nonsense.

    Repeating the call will not help, so this is never retried: a person has to look.
    `order_id` is the order the answer was about, when that much could be read.
    """

    summary = "BigCommerce sent an answer the bot can't use"

    def __init__(self, field: str, problem: str, *, method: str = "", path: str = "",
                 order_id: int | None = None) -> None:
        self.field = field
        self.order_id = order_id
        super().__init__([f"{field} {problem}"], method=method, path=path)


# Path prefix → the scope's name as the control panel shows it, so the message tells an admin
# exactly which box to tick on a new API account.
_SCOPES = (
    ("/v2/orders", "Orders: modify"),
    ("/v2/order_statuses", "Orders: modify"),
    ("/v3/orders", "Orders: modify"),
    ("/v3/catalog", "Products: read-only"),
    ("/v3/customers", "Customers: read-only"),
    ("/v2/customers", "Customers: read-only"),
    ("/v2/store", "Information & Settings: read-only"),
    ("/v2/time", "Information & Settings: read-only"),
)


def scope_hint(path: str) -> str:
    """The scope a 403 on `path` most likely lacks, or "" when we cannot tell."""
    for prefix, scope in _SCOPES:
        if path == prefix or path.startswith(prefix + "/"):
            return scope
    return ""


def error_class(status: int) -> type[BigCommerceError]:
    if status == 401:
        return AuthenticationFailed
    if status == 403:
        return PermissionDenied
    if status == 404:
        return NotFound
    if status == 429:
        return RateLimited
    if status >= 500:
        return ServerError
    return InvalidRequest


def error_messages(body: Any) -> list[str]:
    """BigCommerce's own words from an error body, V2 array or V3 object alike."""
    if isinstance(body, list):  # V2: [{"status": 400, "message": "..."}]
        return [m for item in body for m in _v2_item_messages(item)]
    if isinstance(body, dict):  # V3: {"status", "title", "type", "errors": {...}, "detail"?}
        return _v3_messages(body)
    if isinstance(body, str) and body.strip():
        return [body.strip()[:300]]
    return []


def _v2_item_messages(item: Any) -> list[str]:
    if not isinstance(item, dict):
        return [str(item)]
    found = [str(item["message"])] if item.get("message") else []
    details = item.get("details")  # optional, older V2 answers only
    if isinstance(details, dict):
        found += [str(v) for v in details.values() if v]
    return found


def _v3_messages(body: dict[str, Any]) -> list[str]:
    found = [str(body[key]) for key in ("title", "message", "detail") if body.get(key)]
    errors = body.get("errors")
    if isinstance(errors, dict):
        for value in errors.values():
            found += [str(v) for v in value] if isinstance(value, list) else [str(value)]
    elif isinstance(errors, list):
        found += [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
    return found


def _as_sentence(message: str) -> str:
    message = message.strip()
    return message if message.endswith((".", "!", "?")) else message + "."
