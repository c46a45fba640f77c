"""Ack latency: HTTP response time of `/paidorder` commands and Approve clicks under bursts.

The real bot and a bare Bolt app (ack + views.open, same waitress server and thread counts, same
Slack stand-in) run side by side in this process and are measured alternately, so machine noise
hits both alike. Bursts of 1 (sequential samples), 50 and 200 concurrent requests, with the
stand-in answering in 0 ms and 300 ms.

    python bench/ack_latency.py            # full run (~2 min)
    python bench/ack_latency.py --quick    # smoke run for CI
"""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _common import (
    APPROVALS,
    APPROVE_ACTION,
    APPROVER,
    BOT_TOKEN,
    REQUESTER,
    SALES,
    SIGNING_SECRET,
    Prepared,
    Sample,
    begin,
    drained,
    fire,
    make_pending,
    pct,
    standin,
    start_bot,
    table,
    trigger_of,
    wait_until,
)

TRIGGER_WINDOW = 3.0
VIEW = {"type": "modal", "callback_id": "baseline",
        "title": {"type": "plain_text", "text": "Baseline"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}]}


def baseline_server(slack_api_url: str):
    """A bare Bolt app on the bot's own server setup: waitress with the same thread counts."""
    from slack_bolt import App
    from slack_bolt.authorization import AuthorizeResult
    from slack_sdk import WebClient

    from bot.app import LISTENER_THREADS
    from bot.server import HTTPServer, wsgi_app

    logger = logging.getLogger("bench.baseline")
    logger.setLevel(logging.ERROR)
    app = App(
        logger=logger,
        client=WebClient(token=BOT_TOKEN, base_url=slack_api_url),
        signing_secret=SIGNING_SECRET,
        authorize=lambda enterprise_id, team_id, **_: AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, bot_token=BOT_TOKEN,
            bot_user_id="UPAIDBOT", bot_id="BPAIDBOT"),
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS),
    )

    @app.command("/paidorder")
    def command(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        with contextlib.suppress(Exception):
            client.views_open(trigger_id=body["trigger_id"], view=VIEW)

    @app.action(APPROVE_ACTION)
    def click(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        with contextlib.suppress(Exception):
            client.views_open(trigger_id=body["trigger_id"], view=VIEW)

    server = HTTPServer(wsgi_app(app, signing_secret=SIGNING_SECRET, health=lambda: (True, {}),
                                 webhook=lambda h, b: (404, {})), host="127.0.0.1", port=0)
    return server.start()


def burst(url: str, prepared: Prepared, kind: str, size: int, rounds: int,
          refs: list[str] | None) -> list[Sample]:
    samples: list[Sample] = []
    for _ in range(rounds):
        if kind == "command":
            reqs = [prepared.command(REQUESTER, SALES) for _ in range(size)]
        else:
            reqs = [prepared.click(APPROVER, APPROVALS, {"ts": "1.000001"}, APPROVE_ACTION,
                                   refs.pop() if refs is not None else "PO-BASELINE")
                    for _ in range(size)]
        samples += fire(url, reqs, concurrency=1 if size == 1 else None)
        for (body, _), sample in zip(reqs, samples[-size:], strict=True):
            sample.trigger = trigger_of(body)  # type: ignore[attr-defined]
    return samples


def views_in_time(slack: Any, samples: list[Sample]) -> tuple[int, int, float]:
    """(landed within 3 s of the send, accepted by the stand-in, worst delay in s)."""
    sent = {s.trigger: s.sent for s in samples}  # type: ignore[attr-defined]

    def landed() -> list[Any]:
        return [c for c in slack.calls_to("views.open") if c.args.get("trigger_id") in sent]

    calls = wait_until(lambda: len(landed()) >= len(sent) and landed(), 15) or landed()
    delays = [c.at - sent[c.args["trigger_id"]] for c in calls]
    within = sum(1 for d in delays if d <= TRIGGER_WINDOW)
    accepted = sum(1 for c in calls if c.response.get("ok"))
    return within, accepted, max(delays, default=float("nan"))


def main(argv: list[str] | None = None) -> int:
    args = begin("Ack latency", __doc__, argv)

    sizes = [(1, 3, 1), (5, 1, 5)] if args.quick else [(1, 30, 1), (50, 2, 50), (200, 1, 200)]
    latencies = (0.0, 0.3)
    clicks_per_latency = sum(n * r if n > 1 else r for n, r, _ in sizes)

    from sandbox.bigcommerce import SandboxServer

    with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp:
        store = SandboxServer(quota=0).start()
        slack = standin(0.0)
        bot = start_bot(store, slack, Path(tmp) / "bot.db", paidorder_poll_seconds=3600)
        base = baseline_server(slack.api_url)
        targets = {"baseline": base.url + "/slack/events", "bot": bot.url + "/slack/events"}
        prepared = Prepared(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                            response_url=slack.response_url("bench", channel=SALES))
        try:
            refs = make_pending(bot, clicks_per_latency * len(latencies), "ACK")
            drained(bot, 120)
            time.sleep(5.5)  # let the startup poll pass
            rows = []
            results: dict[tuple, dict[str, Any]] = {}
            for latency in latencies:
                slack.latency = latency
                for kind in ("command", "click"):
                    for size, rounds, _ in sizes:
                        for name in ("baseline", "bot"):
                            samples = burst(targets[name], prepared, kind, size, rounds,
                                            refs if name == "bot" else None)
                            secs = [s.seconds for s in samples]
                            cell: dict[str, Any] = {
                                "p50": pct(secs, 50), "p99": pct(secs, 99), "n": len(secs),
                                "bad": sum(1 for s in samples if s.status != 200),
                            }
                            cell["views"] = (views_in_time(slack, samples)
                                             if kind == "command" or name == "baseline"
                                             else (0, 0, float("nan")))
                            if name == "bot":
                                drained(bot, 90)
                            time.sleep(0.3)
                            results[(latency, kind, size, name)] = cell
                        b = results[(latency, kind, size, "baseline")]
                        o = results[(latency, kind, size, "bot")]
                        ratio = o["p99"] / b["p99"] if b["p99"] else float("nan")
                        rows.append([
                            f"{int(latency * 1000)} ms", kind, size, o["n"],
                            f"{o['p50'] * 1000:.1f}", f"{o['p99'] * 1000:.1f}",
                            f"{b['p50'] * 1000:.1f}", f"{b['p99'] * 1000:.1f}",
                            f"{ratio:.2f}",
                            (f"{o['views'][0]}/{o['n']} ({o['views'][1]} ok, max "
                             f"{o['views'][2]:.2f}s)") if kind == "command" else "n/a",
                            f"{b['views'][0]}/{b['n']}",
                            f"{o['bad']}/{b['bad']}",
                            "yes" if ratio <= 1.2 and (kind == "click" or
                                                       o["views"][0] == o["n"]) else "NO",
                        ])
                        print(table(["Slack latency", "request", "concurrent", "samples",
                                     "bot p50 ms", "bot p99 ms", "baseline p50 ms",
                                     "baseline p99 ms", "p99 ratio",
                                     "bot views.open ≤3 s", "baseline views.open ≤3 s",
                                     "non-200 bot/base", "met?"], rows[-1:]).splitlines()[-1],
                              flush=True)
            print()
            print(table(["Slack latency", "request", "concurrent", "samples", "bot p50 ms",
                         "bot p99 ms", "baseline p50 ms", "baseline p99 ms", "p99 ratio",
                         "bot views.open ≤3 s", "baseline views.open ≤3 s",
                         "non-200 bot/base", "met?"], rows))
            print("\nviews.open for clicks: the bot opens none on Approve (it acks, records "
                  "the approval, and posts nothing synchronously); the baseline opens one.")
        finally:
            base.stop()
            bot.stop()
            slack.stop()
            store.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
