"""The composition root: the one place that wires real adapters together from the settings."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from alembic.util import CommandError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.metrics import Metrics
from bot.slack_retries import slack_retry_handlers
from commands.bigcommerce import BigCommerceClient
from commands.catalog import Catalog
from commands.customer_search import CustomerSearch
from commands.database import unusable
from commands.product_index import ProductIndex
from commands.repository import Repository, connect
from commands.roster import Roster
from commands.store_info import StoreInfo
from commands.webhook_upkeep import WebhookUpkeep

log = logging.getLogger(__name__)

SLACK_TIMEOUT = 10.0  # seconds; tests pass a shorter one to Bot so a slow Slack is quick to test


@dataclass
class Services:
    settings: Settings
    repo: Repository
    bigcommerce: BigCommerceClient
    catalog: Catalog
    approvers: Roster
    requesters: Roster
    store_info: StoreInfo
    slack: WebClient
    metrics: Metrics
    hooks: WebhookUpkeep
    products: ProductIndex
    customers: CustomerSearch
    slack_timeout: float = SLACK_TIMEOUT
    # The workspace's address from auth.test, for links to messages; set by the running bot.
    workspace_url: str | None = None
    stoppers: list = field(default_factory=list)
    # Set by the running bot: tells the outbox worker that new work was written.
    wake_worker: Callable[[], None] = lambda: None
    # Set by the running bot: publishes these users' Home tabs soon (bot/home_publisher.py).
    refresh_home: Callable[[Iterable[str]], None] = lambda users: None
    # Work a listener does after its ack runs here, so listener threads are free again at once
    # and a burst of clicks waiting on the database can't hold back the acks behind it.
    after_ack: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        max_workers=16, thread_name_prefix="after-ack"))

    def later(self, work: Callable[[], None]) -> None:
        """Run `work` after the ack; an exception is logged, never raised into Bolt."""
        def run() -> None:
            try:
                work()
            except Exception:
                log.exception("work after an acknowledgement failed")
        self.after_ack.submit(run)

    def close(self) -> None:
        self.after_ack.shutdown(wait=True)
        for stop in reversed(self.stoppers):
            try:
                stop()
            except Exception:
                log.exception("error while shutting down")
        self.stoppers.clear()


class MeteredWebClient(WebClient):
    """A WebClient that reports every Web API call's method and outcome.

    Every slack_sdk method (chat_postMessage, files_upload_v2's steps, …) goes through
    `api_call`, so overriding it counts them all in one place.
    """

    def __init__(self, *args: Any, on_call: Callable[[str, str], None] = lambda m, s: None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_call = on_call

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            self.on_call(api_method, str(exc.response.get("error") or exc.response.status_code))
            raise
        except Exception as exc:
            self.on_call(api_method, type(exc).__name__)
            raise
        self.on_call(api_method, "ok")
        return response


def slack_client(settings: Settings, timeout: float = SLACK_TIMEOUT,
                 on_call: Callable[[str, str], None] = lambda m, s: None) -> WebClient:
    # Results must reach Slack even when it is rate limiting or briefly failing; message posts
    # are not repeated blindly (bot/slack_retries.py).
    return MeteredWebClient(
        on_call=on_call,
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=slack_retry_handlers(),
    )


def bigcommerce_client(settings: Settings, stoppers: list) -> BigCommerceClient:
    if settings.bigcommerce_sandbox:
        from sandbox.bigcommerce import SandboxServer

        server = SandboxServer().start()
        stoppers.append(server.stop)
        log.info("using the built-in sandbox store at %s", server.url)
        return BigCommerceClient(server.url, server.store_hash, server.access_token)
    assert settings.bigcommerce_store_hash and settings.bigcommerce_access_token
    return BigCommerceClient(settings.bigcommerce_api_url, settings.bigcommerce_store_hash,
                             settings.bigcommerce_access_token.get_secret_value())


def group_members(client: WebClient):
    def members_of(group: str) -> list[str]:
        return list(client.usergroups_users_list(usergroup=group).get("users") or [])
    return members_of


def build_services(settings: Settings, *, bigcommerce: BigCommerceClient | None = None,
                   slack_timeout: float = SLACK_TIMEOUT) -> Services:
    stoppers: list = []
    repo = Repository(connect(settings.database_url))
    try:
        repo.create_schema()
    except (SQLAlchemyError, CommandError) as exc:  # CommandError: a revision unknown here
        repo.engine.dispose()
        raise unusable(repo.engine.url, exc) from None
    metrics = Metrics(repo)
    client = bigcommerce or bigcommerce_client(settings, stoppers)
    client.on_call = metrics.bigcommerce_call
    slack = slack_client(settings, slack_timeout, on_call=metrics.slack_call)
    members_of = group_members(slack)
    store_info = StoreInfo(client)
    store_info.load_in_background()
    return Services(
        settings=settings,
        repo=repo,
        bigcommerce=client,
        catalog=Catalog(client),
        approvers=Roster(settings.approvers, members_of),
        requesters=Roster(settings.requesters, members_of, everyone_if_empty=True),
        store_info=store_info,
        slack=slack,
        metrics=metrics,
        hooks=WebhookUpkeep(client, enabled=settings.paidorder_webhook_secret is not None),
        products=ProductIndex(client),
        customers=CustomerSearch(client),
        slack_timeout=slack_timeout,
        stoppers=stoppers,
    )
