"""Configuration from the environment (and a `.env` file), checked once at start-up."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.summary_schedule import NeverFires, SummarySchedule
from commands.durations import BadDuration, parse_duration
from commands.models import PAYMENT_METHODS

_SLACK_ID_LIST = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
# Polling less than once a day would leave the summary's order statuses a day stale.
MAX_POLL_SECONDS = 86_400


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it in one plain sentence."""


class Settings(BaseSettings):
    # An empty variable counts as unset: `PAIDORDER_WEBHOOK_SECRET=` must not become a secret
    # that an empty header matches.
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      case_sensitive=False, env_ignore_empty=True)

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    bigcommerce_store_hash: str | None = None
    bigcommerce_access_token: SecretStr | None = None
    bigcommerce_api_url: str = "https://api.bigcommerce.com"
    bigcommerce_sandbox: bool = False
    database_url: str = "sqlite:///paidorder.db"
    paidorder_approval_channel: str
    paidorder_approvers: str
    paidorder_requesters: str = ""
    paidorder_summary_channel: str | None = None
    paidorder_summary_cron: str = "0 9 * * *"
    paidorder_timezone: str = "UTC"
    paidorder_poll_seconds: int = 300
    paidorder_webhook_secret: SecretStr | None = None
    paidorder_external_source: str = Field(default="Slack (paidorder)", min_length=1,
                                           max_length=100)
    paidorder_log_format: str = "text"
    paidorder_payment_methods: str = ",".join(PAYMENT_METHODS)
    paidorder_require_proof: bool = False
    paidorder_second_approval_over: Decimal | None = None
    paidorder_remind_after: str = "4h"
    paidorder_expire_after: str = "7d"

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url", "bigcommerce_api_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in value.strip():
            raise ValueError("must be an http:// or https:// address")
        return value.strip()

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        # slack_sdk joins method names onto this URL; without the slash it drops the "api/".
        return value if value.endswith("/") else value + "/"

    @field_validator("paidorder_second_approval_over", mode="before")
    @classmethod
    def _second_approval_over(cls, value: object) -> object:
        if value is None:
            return None
        # Read here, not by pydantic: "1e3", "NaN" or "-5" would pass as decimals.
        text = str(value).strip()
        if not _AMOUNT.match(text) or Decimal(text) <= 0:
            raise ValueError("must be an amount greater than 0 with at most two decimals, "
                             "like 250.00")
        return Decimal(text)

    @field_validator("paidorder_poll_seconds")
    @classmethod
    def _poll_seconds(cls, value: int) -> int:
        if not 10 <= value <= MAX_POLL_SECONDS:
            raise ValueError(f"must be from 10 to {MAX_POLL_SECONDS} seconds (one day)")
        return value

    @field_validator("paidorder_approval_channel", "paidorder_summary_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not _CHANNEL.match(value):
            raise ValueError("must be a channel id like C0123ABCD (not a #name)")
        return value

    @field_validator("paidorder_approvers", "paidorder_requesters")
    @classmethod
    def _ids(cls, value: str) -> str:
        bad = [i for i in _split(value) if not _SLACK_ID_LIST.match(i)]
        if bad:
            raise ValueError(f"has {bad[0]!r}, which is not a user id (U…) or user group id (S…)")
        return value

    @field_validator("paidorder_approvers")
    @classmethod
    def _some_approver(cls, value: str) -> str:
        if not _split(value):
            raise ValueError("needs at least one user id (U…) or user group id (S…)")
        return value

    @field_validator("paidorder_summary_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            SummarySchedule(value, ZoneInfo("UTC"))
        except NeverFires as exc:
            raise ValueError(str(exc)) from None
        except ValueError as exc:
            raise ValueError(f"is not a five-field cron expression ({exc})") from None
        return value

    @field_validator("paidorder_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("is not an IANA time zone such as Europe/Berlin") from None
        return value

    @field_validator("paidorder_log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value not in ("text", "json"):
            raise ValueError("must be text or json")
        return value

    @field_validator("paidorder_remind_after", "paidorder_expire_after")
    @classmethod
    def _duration(cls, value: str) -> str:
        try:
            parse_duration(value)
        except BadDuration as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _bigcommerce(self) -> Settings:
        if self.bigcommerce_sandbox:
            return self
        if not self.bigcommerce_store_hash:
            raise ValueError("BIGCOMMERCE_STORE_HASH is required unless BIGCOMMERCE_SANDBOX=1")
        if not self.bigcommerce_access_token:
            raise ValueError("BIGCOMMERCE_ACCESS_TOKEN is required unless BIGCOMMERCE_SANDBOX=1")
        return self

    @field_validator("paidorder_payment_methods")
    @classmethod
    def _payment_methods(cls, value: str) -> str:
        methods = _split(value)
        if not methods:
            raise ValueError("must name at least one payment method")
        # A Slack select shows at most 100 options of at most 75 characters (Block Kit).
        if len(methods) > 100:
            raise ValueError("can name at most 100 payment methods")
        too_long = [m for m in methods if len(m) > 75]
        if too_long:
            raise ValueError(f"has a payment method longer than 75 characters: {too_long[0][:80]}")
        if len({m.casefold() for m in methods}) != len(methods):
            raise ValueError("names the same payment method twice")
        return value

    @property
    def payment_methods(self) -> tuple[str, ...]:
        return tuple(_split(self.paidorder_payment_methods))

    @property
    def approvers(self) -> list[str]:
        return _split(self.paidorder_approvers)

    @property
    def requesters(self) -> list[str]:
        return _split(self.paidorder_requesters)

    @property
    def summary_channel(self) -> str:
        return self.paidorder_summary_channel or self.paidorder_approval_channel

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.paidorder_timezone)

    @property
    def remind_after(self) -> timedelta | None:
        """How long between reminders; None when they are off."""
        return parse_duration(self.paidorder_remind_after)

    @property
    def expire_after(self) -> timedelta | None:
        """How long a request may wait for a decision; None when it never expires."""
        return parse_duration(self.paidorder_expire_after)

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one sentence per problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None
    except (UnicodeDecodeError, OSError) as exc:
        raise ConfigError(env_file_problem(exc)) from None


def env_file_problem(exc: UnicodeDecodeError | OSError) -> str:
    """Only the .env file is read as a file; this says what is wrong with it."""
    if isinstance(exc, UnicodeDecodeError):
        return "The .env file is not UTF-8 text; save it as UTF-8."
    return f"The .env file cannot be read ({exc.strerror or exc})."


def describe(exc: ValidationError) -> str:
    sentences = []
    for error in exc.errors():
        name = "_".join(str(p) for p in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            sentences.append(f"{name} is not set; it is required.")
        elif not name:
            sentences.append(message + ".")
        else:
            sentences.append(f"{name} {message}." if message[0].islower()
                             else f"{name}: {message}.")
    return " ".join(sentences)
