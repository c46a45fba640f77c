"""`paidorder webhooks register --url`: creates the hooks the bot listens to, once."""

from __future__ import annotations

from typing import Any

import pytest

from bot.cli import main
from sandbox.bigcommerce import SandboxServer
from tests.conftest import WEBHOOK_SECRET


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any,
                settings_values: dict[str, Any]) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for key, value in settings_values.items():
        if not key.startswith("_"):
            monkeypatch.setenv(key.upper(), str(value))


def hooks(store: SandboxServer) -> list[tuple[str, str, dict[str, str]]]:
    return sorted((h.scope, h.destination, dict(h.headers)) for h in store.state.hooks.values())


def test_registers_its_hooks_with_the_secret_header_once(
    environment: None, monkeypatch: pytest.MonkeyPatch, store: SandboxServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PAIDORDER_WEBHOOK_SECRET", WEBHOOK_SECRET)

    assert main(["webhooks", "register", "--url", "https://bot.example.com"]) == 0
    assert main(["webhooks", "register", "--url", "https://bot.example.com/"]) == 0

    destination = "https://bot.example.com/bigcommerce/webhooks"
    header = {"X-Paidorder-Secret": WEBHOOK_SECRET}
    assert hooks(store) == [
        ("store/order/statusUpdated", destination, header),
        # Product changes keep the Find a product search fresh between polls.
        ("store/product/created", destination, header),
        ("store/product/deleted", destination, header),
        ("store/product/updated", destination, header),
        ("store/shipment/created", destination, header),
    ]
    out = capsys.readouterr().out
    assert "created hook" in out and "already exist" in out
    assert WEBHOOK_SECRET not in out


def test_refuses_without_a_webhook_secret(
    environment: None, store: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["webhooks", "register", "--url", "https://bot.example.com"]) == 2
    assert "PAIDORDER_WEBHOOK_SECRET" in capsys.readouterr().err
    assert hooks(store) == []


def test_refuses_a_plain_http_address(
    environment: None, monkeypatch: pytest.MonkeyPatch, store: SandboxServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PAIDORDER_WEBHOOK_SECRET", WEBHOOK_SECRET)
    assert main(["webhooks", "register", "--url", "http://bot.example.com"]) == 2
    assert "https://" in capsys.readouterr().err
    assert hooks(store) == []
