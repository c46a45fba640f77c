"""The composition root: the one place that wires real adapters together from the settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from slack_sdk import WebClient

from bot.config import Settings
from bot.slack_retries import slack_retry_handlers
from commands.bigcommerce import BigCommerceClient
from commands.catalog import Catalog
from commands.repository import Repository, connect
from commands.roster import Roster
from commands.store_info import StoreInfo

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
    slack_timeout: float = SLACK_TIMEOUT
    # The workspace's address from auth.test, for links to messages; set by the running bot.
    workspace_url: str | None = None
    stoppers: list = field(default_factory=list)
    # Set by the running bot: tells the outbox worker that new work was written.
    wake_worker: Callable[[], None] = lambda: None
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


def slack_client(settings: Settings, timeout: float = SLACK_TIMEOUT) -> WebClient:
    # Results must reach Slack even when it is rate limiting or briefly failing; message posts
    # are not repeated blindly (bot/slack_retries.py).
    return WebClient(
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
    repo.create_schema()
    client = bigcommerce or bigcommerce_client(settings, stoppers)
    slack = slack_client(settings, slack_timeout)
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
        slack_timeout=slack_timeout,
        stoppers=stoppers,
    )
