"""A running bot: services, Slack app, outbox worker and HTTP server, started and stopped as one.

`paidorder serve`, the demo and the end-to-end tests all run this same object.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.app import build_app
from bot.config import ConfigError, Settings
from bot.followups import job_runner
from bot.home_publisher import HomePublisher, refreshing_homes
from bot.scheduler import Scheduler
from bot.server import HTTPServer, wsgi_app
from bot.services import SLACK_TIMEOUT, Services, build_services
from bot.worker import OutboxWorker
from commands.bigcommerce import BigCommerceClient
from commands.database import DatabaseUnavailable, within, write_problem
from commands.webhooks import accept_webhook, product_change

log = logging.getLogger(__name__)

# BigCommerce wants an answer at once and counts a slow one as a failure.
WEBHOOK_DATABASE_BUDGET = 2.0


class Bot:
    def __init__(self, settings: Settings, *, host: str = "0.0.0.0", port: int = 3000,
                 bigcommerce: BigCommerceClient | None = None,
                 lease: timedelta = timedelta(seconds=30), http: bool = True,
                 slack_timeout: float = SLACK_TIMEOUT) -> None:
        self.settings = settings
        self.services: Services = build_services(settings, bigcommerce=bigcommerce,
                                                 slack_timeout=slack_timeout)
        self.identity = _identify(self.services)
        self.services.workspace_url = self.identity.get("url")
        self.homes = HomePublisher(self.services)
        self.services.refresh_home = self.homes.refresh
        self.worker = OutboxWorker(self.services.repo,
                                   refreshing_homes(job_runner(self.services), self.homes),
                                   lease=lease)
        self.services.wake_worker = self.worker.wake
        self.app = build_app(self.services, identity=self.identity, wake_worker=self.worker.wake)
        self.scheduler = Scheduler(self.services, claimer=self.worker.worker_id)
        # In Socket Mode, bot/socket_mode.py points this at the WebSocket client's state. In
        # HTTP mode Slack calls us, so being up is being reachable.
        self.slack_connected: Callable[[], bool] = lambda: True
        self.mode = "http" if http else "socket"
        self.server = HTTPServer(
            wsgi_app(self.app if http else None, signing_secret=_secret(settings),
                     health=self.health, webhook=self.webhook, metrics=self.services.metrics),
            host=host, port=port)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> Bot:
        self.homes.start()
        self.worker.start()
        self.scheduler.start()
        self.server.start()
        log.info("paidorder is listening on port %s", self.server.port)
        return self

    def stop(self) -> None:
        """Stop taking requests, let running jobs finish, then release everything."""
        self.server.stop()
        self.scheduler.stop()
        self.worker.stop()
        self.homes.stop()
        self.services.close()

    def health(self) -> tuple[bool, dict[str, Any]]:
        database = write_problem(self.services.repo.engine)
        connected = _connected(self.slack_connected)
        last = self.services.bigcommerce.last_call
        # A failing BigCommerce call is reported, not fatal: restarting the bot would not fix it.
        report = {
            "ok": database is None and self.worker.alive and connected,
            # Whether it takes a write: requests can't be stored while it doesn't.
            "database": database or "ok",
            "worker": "running" if self.worker.alive else "stopped",
            "scheduler": "running" if self.scheduler.running else "stopped",
            "slack": {"mode": self.mode, "connected": connected,
                      "team": self.identity.get("team"), "bot_user": self.identity.get("user_id")},
            "bigcommerce": {"last_call": f"{last.method} {last.path}", "status": last.outcome,
                            "at": last.at.isoformat()} if last else {"last_call": None},
            # Informational: polling still catches every change while a hook is off.
            "webhooks": self.services.hooks.report(),
            # Informational too: until the first sync, Find a product offers nothing.
            "product_search": self.services.products.report(),
        }
        return bool(report["ok"]), report

    def webhook(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        secret = self.settings.paidorder_webhook_secret
        expected = secret.get_secret_value().encode() if secret else b""
        given = headers.get("x-paidorder-secret", "").encode()
        if not expected or not hmac.compare_digest(given, expected):
            return 401, {"error": "unauthorized"}
        product = product_change(body)
        if product is not None:  # nothing to store: the index re-reads what changed
            self.services.products.changed(product[0], deleted=product[1])
            return 202, {}
        # Answer fast: only record the delivery here; the worker re-reads the order. A delivery
        # the database can't take now is refused, and BigCommerce sends it again later.
        try:
            with within(WEBHOOK_DATABASE_BUDGET):
                accepted = accept_webhook(self.services.repo, body)
        except DatabaseUnavailable as exc:
            log.warning("refused a webhook delivery: the database is %s", exc.reason)
            return 503, {"error": "try again later"}
        if accepted:
            self.worker.wake()
        return 202, {}


def _identify(services: Services) -> dict[str, Any]:
    try:
        answer = services.slack.auth_test()
    except SlackApiError as exc:
        raise ConfigError(
            f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}).") from None
    except OSError as exc:
        raise ConfigError(f"Slack could not be reached at {services.settings.slack_api_url} "
                          f"({exc}).") from None
    return dict(answer.data) if isinstance(answer.data, dict) else {}


def _secret(settings: Settings) -> str | None:
    secret = settings.slack_signing_secret
    return secret.get_secret_value() if secret else None


def _connected(probe: Callable[[], bool]) -> bool:
    try:
        return bool(probe())
    except Exception:
        return False

