"""Keeping the bot's BigCommerce webhooks switched on.

BigCommerce sets a hook to `is_active: false` after about 48 hours of failed deliveries or 90
days without traffic, and only `PUT /v3/hooks/{id}` with `{"is_active": true}` turns it back on
(BigCommerce webhooks docs; webhooks.v3.yml `updateWebhook`). Polling catches every change in
the meantime, so an inactive hook is worth repairing and reporting but never makes the bot unfit
to serve.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from commands.bigcommerce import BigCommerceClient, BigCommerceError
from commands.bigcommerce_answers import Hook
from commands.webhooks import SCOPES, WEBHOOK_PATH

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HookState:
    id: int
    scope: str
    destination: str
    active: bool
    reactivated: bool = False


def is_ours(hook: Hook) -> bool:
    """A hook `paidorder webhooks register` made: one of our scopes, to our endpoint."""
    return hook.scope in SCOPES and hook.destination.rstrip("/").endswith(WEBHOOK_PATH)


def hook_states(bigcommerce: BigCommerceClient) -> list[HookState]:
    """The bot's hooks as BigCommerce has them now (`GET /v3/hooks` lists this account's only)."""
    return [HookState(h.id, h.scope, h.destination, h.is_active)
            for h in bigcommerce.hooks() if is_ours(h)]


def reactivate_hooks(bigcommerce: BigCommerceClient) -> list[HookState]:
    """Turn every deactivated hook of the bot's back on; return all of them, as they are now.

    One hook that cannot be re-enabled does not stop the others; it stays inactive, reported.
    """
    states = []
    for hook in hook_states(bigcommerce):
        if not hook.active:
            try:
                bigcommerce.request("PUT", f"/v3/hooks/{hook.id}", json={"is_active": True})
            except BigCommerceError as exc:
                log.warning("BigCommerce had deactivated webhook %s (%s → %s) and refused to "
                            "re-enable it: %s", hook.id, hook.scope, hook.destination, exc)
            else:
                log.warning("BigCommerce had deactivated webhook %s (%s → %s); re-enabled it",
                            hook.id, hook.scope, hook.destination)
                hook = HookState(hook.id, hook.scope, hook.destination, True, reactivated=True)
        states.append(hook)
    return states


class WebhookUpkeep:
    """Runs `reactivate_hooks` on a schedule and remembers what it found, for /healthz.

    With no webhook secret the bot refuses every delivery, so switching hooks back on would
    only produce failures: upkeep is off then.
    """

    def __init__(self, bigcommerce: BigCommerceClient, *, enabled: bool,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.bigcommerce = bigcommerce
        self.enabled = enabled
        self._clock = clock
        self._lock = threading.Lock()
        self._hooks: list[HookState] = []
        self._checked_at: datetime | None = None
        self._error: str | None = None

    def run(self) -> None:
        if not self.enabled:
            return
        try:
            hooks, error = reactivate_hooks(self.bigcommerce), None
        except BigCommerceError as exc:
            log.warning("could not check the BigCommerce webhooks: %s", exc)
            hooks, error = self._hooks, str(exc)
        with self._lock:
            self._hooks, self._error, self._checked_at = hooks, error, self._clock()

    def report(self) -> dict[str, Any]:
        if not self.enabled:
            return {"upkeep": "off", "reason": "PAIDORDER_WEBHOOK_SECRET is not set"}
        with self._lock:
            return {
                "upkeep": "on",
                "checked_at": self._checked_at.isoformat() if self._checked_at else None,
                "error": self._error,
                "hooks": [asdict(h) for h in self._hooks],
            }
