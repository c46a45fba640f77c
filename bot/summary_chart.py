"""The summary's chart: amount recorded per day for the last 14 days, stacked by payment method,
drawn as a PNG and posted beside the text summary with `files_upload_v2`.

Drawn with matplotlib's object API on the Agg canvas: no display and no pyplot global state.
Sized for Slack's preview (1200×600 px) with large type.
"""

from __future__ import annotations

import io
import logging
import threading
from datetime import date
from decimal import Decimal

from slack_sdk.errors import SlackApiError

from bot.services import Services
from commands.recorded_per_day import RecordedPerDay, recorded_per_day
from commands.summary import record_report_failure

log = logging.getLogger(__name__)

WIDTH_IN, HEIGHT_IN, DPI = 12, 6, 100  # 1200 × 600 px
# Colour-blind-safe (Okabe–Ito), one per payment method in the order the legend lists them.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
ALT_TEXT_LIMIT = 1000  # files.getUploadURLExternal answers alt_txt_too_large beyond this
_DRAWING = threading.Lock()


def post_summary_chart(services: Services, day: date) -> None:
    """Upload the chart for the 14 days ending on `day`; a failure is logged and recorded for
    the next summary's "needs a person", never raised: the text summary is already out."""
    try:
        chart = recorded_per_day(services.repo, day, services.settings.timezone)
        services.slack.files_upload_v2(
            channel=services.settings.summary_channel, content=draw_chart(chart),
            filename=f"paid-orders-{day:%Y-%m-%d}.png",
            title=f"Amount recorded per day · 14 days to {day:%a %d %b}",
            alt_txt=alt_text(chart))
    except Exception as exc:
        log.exception("could not post the summary chart for %s", day)
        record_report_failure(services.repo, "chart", day, _reason(exc))


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return f"Slack answered {exc.response.get('error')}"
    return f"{type(exc).__name__}: {str(exc)[:120]}"


def draw_chart(chart: RecordedPerDay) -> bytes:
    """The chart as PNG bytes."""
    # Matplotlib does not promise thread safety (fonts and caches are shared); two summaries
    # asked for at once draw one after the other.
    with _DRAWING:
        return _draw(chart)


def _draw(chart: RecordedPerDay) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = range(len(chart.days))
    bottom = [0.0] * len(chart.days)
    for n, (method, amounts) in enumerate(chart.by_method.items()):
        # Floats only for drawing; every figure a person reads (alt text, labels) is Decimal.
        heights = [float(a) for a in amounts]
        axes.bar(positions, heights, bottom=bottom, width=0.72, label=_short(method),
                 color=COLOURS[n % len(COLOURS)], edgecolor="white", linewidth=0.8)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    currency = chart.currency
    axes.set_title(f"Amount recorded per day{f' ({currency})' if currency else ''}"
                   f" · {chart.days[0]:%d %b} – {chart.days[-1]:%d %b %Y}",
                   fontsize=20, loc="left", pad=14)
    axes.set_xticks(list(positions), _day_labels(chart.days), fontsize=13)
    axes.tick_params(axis="y", labelsize=15)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6, min_n_ticks=3))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f} {currency}".strip()))
    axes.set_xlim(-0.6, len(chart.days) - 0.4)
    axes.set_ylim(bottom=0, top=max(max(bottom, default=0) * 1.05, 1))
    axes.grid(axis="y", color="#dddddd")
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if chart.by_method:
        # Beside the bars, so it never hides the tallest day; top to bottom as they stack.
        handles, labels = axes.get_legend_handles_labels()
        axes.legend(handles[::-1], labels[::-1], fontsize=14, frameon=False,
                    loc="upper left", bbox_to_anchor=(1.01, 1))
    else:
        axes.set_yticks([])
        axes.text(0.5, 0.5, "No orders recorded in these 14 days", transform=axes.transAxes,
                  ha="center", va="center", fontsize=20, color="#555555")
    if chart.other_currencies:
        axes.set_xlabel("Also recorded, not shown: " + ", ".join(
            f"{_money(t)} {c}" for c, t in chart.other_currencies.items()),
            fontsize=13, color="#555555", loc="right")
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _day_labels(days: list[date]) -> list[str]:
    """Weekday and day of month; the month only where it starts or changes, to stay short."""
    return [f"{d:%a}\n{d:%d %b}" if n == 0 or d.day == 1 else f"{d:%a}\n{d:%d}"
            for n, d in enumerate(days)]


def _short(method: str) -> str:
    # A pair of "$" would start matplotlib's math mode; names are shown as typed.
    shown = method if len(method) <= 22 else method[:21] + "…"
    return shown.replace("$", r"\$")


def alt_text(chart: RecordedPerDay) -> str:
    """What the chart shows, in words, for people who cannot see it."""
    span = f"{chart.days[0]:%d %b} to {chart.days[-1]:%d %b %Y}"
    if not chart.by_method:
        return f"Bar chart of the amount recorded per day from {span}: no orders were recorded."
    per_day = chart.per_day
    best = max(range(len(per_day)), key=lambda i: per_day[i])
    methods = "; ".join(f"{m} {_money(sum(a, Decimal(0)))}" for m, a in chart.by_method.items())
    text = (f"Stacked bar chart of the amount recorded per day in {chart.currency} from {span}, "
            f"by payment method. Total {_money(chart.total)} {chart.currency}; the highest day "
            f"was {chart.days[best]:%a %d %b} with {_money(per_day[best])}. By method: "
            f"{methods}.")
    if chart.other_currencies:
        text += " Not shown: " + ", ".join(
            f"{_money(t)} {c}" for c, t in chart.other_currencies.items()) + "."
    return text if len(text) <= ALT_TEXT_LIMIT else text[:ALT_TEXT_LIMIT - 1] + "…"


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"
