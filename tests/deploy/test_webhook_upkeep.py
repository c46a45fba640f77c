"""Webhook upkeep over HTTP: BigCommerce switches failing hooks off; the bot turns its own on.

The sandbox store deactivates a hook whose deliveries keep failing, as BigCommerce does after
about 48 hours; the tests shorten that to no time at all.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests

from bot import check
from bot.runtime import Bot
from commands.bigcommerce import BigCommerceClient
from commands.bigcommerce_answers import Hook
from commands.webhooks import SCOPES, register_webhooks
from sandbox.bigcommerce import SandboxServer
from tests.conftest import WEBHOOK_SECRET, order_body

DEAD_END = "http://127.0.0.1:9"  # nothing listens there: every delivery fails


def client_for(store: SandboxServer) -> BigCommerceClient:
    return BigCommerceClient(store.url, store.store_hash, store.access_token)


def hooks_by_scope(store: SandboxServer) -> dict[str, bool]:
    answer = client_for(store).request("GET", "/v3/hooks")
    return {h["scope"]: h["is_active"] for h in answer["data"]}


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def deactivated_hooks(store: SandboxServer) -> list[Hook]:
    """The bot's hooks, plus someone else's, all switched off on BigCommerce's side."""
    bigcommerce = client_for(store)
    ours = register_webhooks(bigcommerce, DEAD_END, WEBHOOK_SECRET)
    theirs = bigcommerce.create_hook("store/order/created", "https://erp.example.com/hooks", {})
    for hook in [*ours, theirs]:
        store.deactivate_hook(hook.id)
    return ours


def test_the_sandbox_deactivates_a_hook_whose_deliveries_keep_failing(
        store: SandboxServer) -> None:
    store.webhooks.deactivate_after = 0
    store.webhooks.retry_delays = ()
    register_webhooks(client_for(store), DEAD_END, WEBHOOK_SECRET)
    order = client_for(store).create_order(order_body("PO-UPKEEP"))

    store.set_status(order.id, 2)

    wait_until(lambda: hooks_by_scope(store)["store/order/statusUpdated"] is False,
               "the failing hook was never deactivated")
    assert hooks_by_scope(store)["store/shipment/created"] is True  # it had nothing to send
    [hook] = client_for(store).request("GET", "/v3/hooks", params={"is_active": "false"})["data"]

    answer = client_for(store).request("PUT", f"/v3/hooks/{hook['id']}",
                                       json={"is_active": True})

    assert answer["meta"] == {} and answer["data"]["id"] == hook["id"]
    assert answer["data"]["is_active"] is True and answer["data"]["scope"] == hook["scope"]


def test_the_bot_re_enables_its_own_deactivated_hooks_at_start_up(
        store: SandboxServer, start_bot: Callable[..., Bot],
        caplog: pytest.LogCaptureFixture) -> None:
    ours = deactivated_hooks(store)
    caplog.set_level(logging.WARNING, logger="commands.webhook_upkeep")

    bot = start_bot()

    wait_until(lambda: all(hooks_by_scope(store)[h.scope] for h in ours),
               "the bot's hooks stayed inactive")
    assert hooks_by_scope(store)["store/order/created"] is False  # not ours: left alone
    puts = [r.path for r in store.requests if r.method == "PUT"]
    assert sorted(puts) == sorted(f"/stores/{store.store_hash}/v3/hooks/{h.id}" for h in ours)
    wait_until(lambda: len(requests.get(f"{bot.url}/healthz", timeout=5)
                           .json()["webhooks"]["hooks"]) == len(ours),
               "/healthz never showed the hooks")
    report = requests.get(f"{bot.url}/healthz", timeout=5).json()["webhooks"]
    assert report["upkeep"] == "on" and report["error"] is None
    assert {(h["scope"], h["active"], h["reactivated"]) for h in report["hooks"]} == {
        (scope, True, True) for scope in SCOPES}
    assert sum("re-enabled it" in r.getMessage() for r in caplog.records) == len(SCOPES)


def test_an_inactive_hook_shows_in_healthz_without_making_it_unhealthy(
        store: SandboxServer, bot: Bot) -> None:
    wait_until(lambda: bot.services.hooks.report()["checked_at"] is not None,
               "the start-up upkeep never ran")
    ours = deactivated_hooks(store)
    store.inject("PUT", r"/stores/[^/]+/v3/hooks/\d+", "500_before", times=100)

    bot.services.hooks.run()  # the daily run, now

    answer = requests.get(f"{bot.url}/healthz", timeout=5)
    assert answer.status_code == 200 and answer.json()["ok"] is True
    hooks = answer.json()["webhooks"]["hooks"]
    assert {h["id"]: h["active"] for h in hooks} == {h.id: False for h in ours}


def test_without_a_webhook_secret_upkeep_is_off(
        store: SandboxServer, start_bot: Callable[..., Bot]) -> None:
    ours = deactivated_hooks(store)

    bot = start_bot(paidorder_webhook_secret=None)
    bot.services.hooks.run()

    report = requests.get(f"{bot.url}/healthz", timeout=5).json()["webhooks"]
    assert report["upkeep"] == "off"
    assert not any(hooks_by_scope(store)[h.scope] for h in ours)
    assert not [r for r in store.requests if r.method == "PUT"]


def test_paidorder_check_shows_each_hook_and_its_state(
        store: SandboxServer, settings_values: dict[str, Any]) -> None:
    ours = deactivated_hooks(store)
    client_for(store).request("PUT", f"/v3/hooks/{ours[0].id}", json={"is_active": True})
    out = io.StringIO()

    status = check.run(out, **settings_values, paidorder_webhook_secret=WEBHOOK_SECRET)

    lines = out.getvalue().splitlines()
    assert status == 0, lines  # informational: polling covers an inactive hook
    destination = f"{DEAD_END}/bigcommerce/webhooks"
    assert (f"✓ Webhook {ours[0].id} (store/order/statusUpdated → {destination}) "
            "is active.") in lines
    [inactive] = [line for line in lines if f"Webhook {ours[1].id} " in line]
    assert "store/shipment/created" in inactive and "is inactive" in inactive
    assert not [line for line in lines if "erp.example.com" in line]
