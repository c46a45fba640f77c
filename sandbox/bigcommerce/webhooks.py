"""V3 webhooks: checking a hook's body, and delivering events to hook destinations (§11)."""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from sandbox import catalog
from sandbox.bigcommerce.records import Hook
from sandbox.bigcommerce.values import ApiError

# One logger for the whole store, under the name it had as a single module.
log = logging.getLogger("sandbox.bigcommerce")


def _hook_fields(payload: Any, *, creating: bool) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ApiError(422, "Input is invalid", errors={"body": "must be a JSON object"})
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {}
    for key in ("scope", "destination"):
        if key in payload or creating:
            value = payload.get(key)
            if not isinstance(value, str) or not value:
                errors[key] = f"{key} is required and must be a non-empty string"
            fields[key] = value
    if isinstance(fields.get("scope"), str) and not fields["scope"].startswith("store/"):
        errors["scope"] = "scope must be a store/... event"
    if "is_active" in payload:
        if not isinstance(payload["is_active"], bool):
            errors["is_active"] = "is_active must be a boolean"
        fields["is_active"] = payload["is_active"]
    if "headers" in payload:
        headers = payload["headers"] or {}
        if not isinstance(headers, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            errors["headers"] = "headers must map strings to strings"
        fields["headers"] = headers
    if errors:
        raise ApiError(422, "Input is invalid", errors=errors)
    return fields


# BigCommerce sets a hook to is_active: false after about 48 hours of failed deliveries (§11).
DEACTIVATE_AFTER = 48 * 3600.0


class WebhookDispatcher:
    """Delivers events off the request thread, in order, retrying failures with the same body.

    Redeliveries reuse the exact envelope, so receivers see the same `hash` (§11). A hook whose
    deliveries have failed for `deactivate_after` seconds is deactivated, as BigCommerce does;
    its queued retries are then dropped, and only `PUT /v3/hooks/{id}` turns it back on.
    """

    def __init__(self, store_hash: str, hooks_for: Callable[[str], list[Hook]],
                 deactivate: Callable[[int], None] = lambda hook_id: None) -> None:
        self.store_hash = store_hash
        self.hooks_for = hooks_for
        self.deactivate = deactivate
        self.retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0)
        self.deactivate_after = DEACTIVATE_AFTER
        self._failing_since: dict[int, float] = {}
        self.deliveries: list[dict[str, Any]] = []  # what was posted, for tests and debugging
        self._queue: queue.Queue[tuple[Hook, bytes, int] | None] = queue.Queue()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._queue.put(None)

    def emit(self, scope: str, data: dict) -> None:
        for hook in self.hooks_for(scope):
            self._queue.put((hook, self.envelope(scope, data), 0))

    def envelope(self, scope: str, data: dict) -> bytes:
        payload = {"scope": scope, "store_id": str(catalog.STORE_NUMERIC_ID), "data": data,
                   "created_at": int(time.time()), "producer": f"stores/{self.store_hash}"}
        digest = hashlib.sha1(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        return json.dumps({**payload, "hash": digest}).encode()

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            hook, body, attempt = job
            if not hook.is_active:
                continue
            if self._deliver(hook, body):
                self._failing_since.pop(hook.id, None)
                continue
            since = self._failing_since.setdefault(hook.id, time.monotonic())
            if time.monotonic() - since >= self.deactivate_after:
                log.warning("webhook %s failed for too long; deactivating it", hook.id)
                self._failing_since.pop(hook.id, None)
                self.deactivate(hook.id)
            elif attempt < len(self.retry_delays):
                self._retry_later(hook, body, attempt)

    def _retry_later(self, hook: Hook, body: bytes, attempt: int) -> None:
        def requeue() -> None:
            if not self._stopped.is_set():
                self._queue.put((hook, body, attempt + 1))

        timer = threading.Timer(self.retry_delays[attempt], requeue)
        timer.daemon = True
        timer.start()

    def _deliver(self, hook: Hook, body: bytes) -> bool:
        headers = {**hook.headers, "Content-Type": "application/json"}
        request = urllib.request.Request(hook.destination, data=body, headers=headers,
                                         method="POST")
        status = 0
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            log.warning("webhook to %s failed: %s", hook.destination, exc)
        self.deliveries.append({"hook_id": hook.id, "destination": hook.destination,
                                "body": json.loads(body), "status": status})
        return 200 <= status < 300
