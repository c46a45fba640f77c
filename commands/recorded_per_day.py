"""The amount recorded per day and payment method over the last days, for the summary's chart.

A day is a local day in the store's time zone (23 or 25 hours when the clocks change), and an
order counts on the day it was recorded, as in the daily summary and the export.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select

from commands.repository import Repository
from commands.schema import audit_log, requests
from commands.summary import day_bounds

CHART_DAYS = 14
RECORDED = ("order_created", "order_adopted")


@dataclass(frozen=True)
class RecordedPerDay:
    days: list[date]  # oldest first, ending on the summary's day
    currency: str  # the one the chart shows: the most recorded one
    # payment method → amount per day (in `days` order), biggest method first
    by_method: dict[str, list[Decimal]] = field(default_factory=dict)
    other_currencies: dict[str, Decimal] = field(default_factory=dict)  # left off the chart

    @property
    def per_day(self) -> list[Decimal]:
        totals = [Decimal(0)] * len(self.days)
        for amounts in self.by_method.values():
            totals = [t + a for t, a in zip(totals, amounts, strict=True)]
        return totals

    @property
    def total(self) -> Decimal:
        return sum(self.per_day, Decimal(0))


def recorded_per_day(repo: Repository, last_day: date, tz: ZoneInfo, *,
                     days: int = CHART_DAYS) -> RecordedPerDay:
    span = [last_day - timedelta(days=n) for n in reversed(range(days))]
    # (currency, method) → day index → amount; one grouped query per local day keeps the day
    # boundaries exact without time-zone arithmetic in SQL.
    amounts: dict[tuple[str, str], dict[int, Decimal]] = defaultdict(dict)
    with repo.engine.connect() as conn:
        for index, day in enumerate(span):
            start, end = day_bounds(day, tz)
            query = (select(requests.c.order_currency, requests.c.payment_method,
                            func.sum(requests.c.order_total))
                     .join(audit_log, and_(audit_log.c.ref == requests.c.ref,
                                           audit_log.c.action.in_(RECORDED)))
                     .where(audit_log.c.at >= start, audit_log.c.at < end)
                     .group_by(requests.c.order_currency, requests.c.payment_method))
            for currency, method, total in conn.execute(query):
                amounts[(currency or "", method)][index] = Decimal(total or 0)
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for (currency, _), per_day in amounts.items():
        by_currency[currency] += sum(per_day.values(), Decimal(0))
    if not by_currency:
        return RecordedPerDay(span, "")
    shown = max(by_currency, key=lambda c: (by_currency[c], c))
    methods = {method: [per_day.get(i, Decimal(0)).quantize(Decimal("0.01"))
                        for i in range(days)]
               for (currency, method), per_day in amounts.items() if currency == shown}
    ordered = dict(sorted(methods.items(), key=lambda kv: (-sum(kv[1]), kv[0])))
    others = {c: t.quantize(Decimal("0.01")) for c, t in sorted(by_currency.items())
              if c != shown}
    return RecordedPerDay(span, shown, ordered, others)
