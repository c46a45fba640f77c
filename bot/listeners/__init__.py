"""Bolt listeners: parse the Slack payload, call the command layer, render, done."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import changes, decisions, find, home, request_form, slash
from bot.services import Services


def register(app: App, services: Services, wake_worker) -> None:
    slash.register(app, services)
    request_form.register(app, services, wake_worker)
    find.register(app, services)
    decisions.register(app, services, wake_worker)
    changes.register(app, services, wake_worker)
    home.register(app, services)
