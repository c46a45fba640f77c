"""Fixtures for the deployment tests: logging left as it was found, settings as plain values."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from tests.conftest import settings_for

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """`paidorder serve`/`check` replace the root handlers; later tests must not inherit them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture
def settings_values(store: SandboxServer, slack: SlackStandIn, tmp_path: Path
                    ) -> dict[str, Any]:
    """Settings for a deployment that passes every check, as `load_settings` keywords."""
    return settings_for(store, slack, tmp_path / "check.db")
