"""The Home tab: published whenever a user opens it, after Bolt has acknowledged the event.

Its Approve and Reject buttons carry the card's action ids, so bot/listeners/decisions.py
handles them; only the way a refusal reaches the clicker differs (see `decisions.refuse`).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.services import Services
from commands.app_home import home_opened

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab
        user = str(event.get("user") or "")
        if not user:
            return

        def remember_and_publish() -> None:
            try:
                home_opened(services.repo, user)
            except Exception:
                # The Home is still worth showing; it is only not republished after decisions.
                log.exception("could not remember that %s opened Home", user)
            services.refresh_home([user])

        services.later(remember_and_publish)

    app.event("app_home_opened")(opened)
