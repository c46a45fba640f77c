"""`/paidorder export`: the CSV goes to the user by direct message (v2 file upload)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.services import Services
from bot.text import escape
from commands.export import ExportRefused, export_orders, parse_range
from commands.permissions import may_export

log = logging.getLogger(__name__)


def export(services: Services, command: dict[str, Any], rest: str) -> str:
    user = command["user_id"]
    # Exports show every recorded payment; who may have them is decided with every other rule.
    refusal = may_export(user, services.approvers)
    if refusal:
        return refusal.message
    tz = services.settings.timezone
    try:
        span = parse_range(rest, today=datetime.now(tz).date())
    except ExportRefused as exc:
        return exc.shown(escape)
    report = export_orders(services.repo, span, tz)
    if not report.orders:
        return f"No orders were recorded {span.describe()}, so there is nothing to export."
    try:
        dm = services.slack.conversations_open(users=user)["channel"]["id"]
        services.slack.files_upload_v2(
            channel=dm, content=report.content, filename=span.filename,
            title=f"Paid orders {span.describe()}",
            initial_comment=f"{report.orders} order(s) recorded {span.describe()} ({tz}).")
    except (SlackApiError, SlackClientError, OSError):
        log.exception("could not send the export to %s", user)
        return "I couldn't send you the file just now; please try again in a minute."
    return (f"I've sent you the {report.orders} order(s) recorded {span.describe()} "
            "as a CSV file in a direct message.")
