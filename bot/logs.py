"""Logging for `paidorder serve` and `check`: one line per event, text or JSON, secrets redacted.

The redaction filter sits on the root handler, so every record that reaches the output passes
through it, whichever library logged it (slack_sdk, Bolt, urllib3, waitress, ours).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from bot.config import Settings

REDACTED = "[redacted]"
# Shorter values would redact ordinary words; real tokens and secrets are far longer.
_MIN_SECRET_LENGTH = 6
_SECRET_SETTINGS = ("slack_bot_token", "slack_signing_secret", "slack_app_token",
                    "bigcommerce_access_token", "paidorder_webhook_secret")


def secrets_of(settings: Settings) -> list[str]:
    """The values of every secret setting that is set."""
    values = (getattr(settings, name) for name in _SECRET_SETTINGS)
    return [value.get_secret_value() for value in values if value is not None]


class RedactSecrets(logging.Filter):
    """Replaces each known secret in a record's message, exception and stack with [redacted]."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        fresh = {s for s in secrets if s and len(s) >= _MIN_SECRET_LENGTH} - set(self._secrets)
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted({*self._secrets, *fresh}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message`, with any traceback folded onto the same line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", " ⏎ ")


class JSONFormatter(logging.Formatter):
    """One JSON object per line: at, level, logger, message, and exc when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            event["exc"] = record.exc_text
        if record.stack_info:
            event["stack"] = record.stack_info
        return json.dumps(event, ensure_ascii=False)


def configure(format: str = "text", *, secrets: Iterable[str] = (), level: int = logging.INFO,
              stream: IO[str] | None = None) -> RedactSecrets:
    """Replace the root handlers with one line-per-event handler; returns its redaction filter,
    to which more secrets can be added once the settings are known."""
    if format not in ("text", "json"):
        raise ValueError("the log format must be text or json")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JSONFormatter() if format == "json" else TextFormatter())
    redaction = RedactSecrets(secrets)
    handler.addFilter(redaction)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Alembic lists its plugins at INFO whenever it loads; that would bury a start-up error.
    logging.getLogger("alembic.runtime.plugins").setLevel(max(level, logging.WARNING))
    return redaction
