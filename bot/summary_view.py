"""The summary as a Slack message: a header, a few short sections, amounts aligned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.text import escape, money
from commands.summary import Summary

SHOWN = 5  # lines per part before "and N more"


def summary_message(summary: Summary, *, title: str) -> tuple[str, list[dict[str, Any]]]:
    sections = [
        _orders(summary),
        _decisions(summary),
        _statuses(summary),
        _mismatches(summary),
        _problems(summary),
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": (
            f"{summary.day:%A %d %B %Y} · {summary.timezone}")}]},
    ]
    for text in sections:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}})
    fallback = (f"{title}: {summary.orders} order(s) recorded, {summary.approved} approved, "
                f"{summary.rejected} rejected, {len(summary.pending)} pending")
    return fallback, blocks


def _orders(summary: Summary) -> str:
    if not summary.orders:
        return "*Orders recorded:* none"
    rows = sorted(summary.totals.items(), key=lambda kv: (kv[0][1], -kv[1]))
    width = max(len(money(total)) for _, total in rows)
    lines = [f"{money(total):>{width}} {currency}  {escape(method)}"
             for (method, currency), total in rows[:SHOWN]]
    return (f"*Orders recorded:* {summary.orders}\n```" + "\n".join(lines) + "```"
            + _more(rows))


def _decisions(summary: Summary) -> str:
    expired = f"{summary.expired} expired · " if summary.expired else ""
    cancelled = f"{summary.cancelled} cancelled · " if summary.cancelled else ""
    text = (f"*Requests:* {summary.approved} approved · {summary.rejected} rejected · "
            f"{expired}{cancelled}{len(summary.pending)} pending")
    lines = [f"• {p.ref} from <@{p.requester_id}>, waiting {_age(p.age)}"
             for p in summary.pending[:SHOWN]]
    return text + ("\n" + "\n".join(lines) if lines else "") + _more(summary.pending)


def _statuses(summary: Summary) -> str:
    if not summary.by_status:
        return "*Orders by status:* none yet"
    return "*Orders by status:* " + " · ".join(
        f"{name} {count}" for name, count in summary.by_status.items())


def _mismatches(summary: Summary) -> str:
    if not summary.mismatches:
        return "*Amount mismatches:* none"
    lines = [f"• {ref}: paid {money(paid)}, total {money(total)}"
             for ref, paid, total in summary.mismatches[:SHOWN]]
    return f"*Amount mismatches:* {len(summary.mismatches)}\n" + "\n".join(lines) + _more(
        summary.mismatches)


def _problems(summary: Summary) -> str:
    if not summary.problems:
        return "*Needs a person:* nothing"
    lines = [f"• {p.ref}: {escape(p.what)}"[:300] for p in summary.problems[:SHOWN]]
    return (f":warning: *Needs a person:* {len(summary.problems)}\n" + "\n".join(lines)
            + _more(summary.problems))


def _more(items: list[Any]) -> str:
    return f"\n_and {len(items) - SHOWN} more_" if len(items) > SHOWN else ""


def _age(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"
