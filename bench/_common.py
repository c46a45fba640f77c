"""Shared pieces of the benchmarks: a bot wired to the sandbox store and the Slack stand-in,
a low-overhead concurrent HTTP client, and small statistics helpers.

Everything listens on 127.0.0.1 with port 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.slack_requests import SlackRequests, signed_headers

SALES, APPROVALS = "C0SALES", "C0APPROVALS"
REQUESTER, APPROVER = "U0REQ", "U0APPROVER"
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
WEBHOOK_SECRET = "bench-webhook-secret"
APPROVE_ACTION = "paidorder_approve"

GOOD_FORM: dict[str, str | None] = {
    "email": "jane@example.com", "first_name": "Jane", "last_name": "Doe",
    "phone": None, "street": "12 Main St", "city": "Austin", "state": "Texas",
    "zip": "78701", "country": "US", "items": "TSHIRT-RED-M x 2\nMUG-WHT",
    "shipping_cost": "5.00", "payment_method": "Bank transfer",
    "transaction_id": "BT-1", "amount_paid": "56.98", "order_status": None, "notes": None,
}


def quiet_logs() -> None:
    logging.basicConfig(level=logging.WARNING)
    for name in ("slack_bolt", "paidorder.bolt", "waitress", "apscheduler", "bot", "commands",
                 "sandbox", "urllib3"):
        logging.getLogger(name).setLevel(logging.ERROR)


def clean_env() -> None:
    """A developer's real tokens must never reach a benchmark."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "BIGCOMMERCE_", "PAIDORDER_")) or name == "DATABASE_URL":
            del os.environ[name]


def standin(latency: float = 0.0):
    from sandbox.slack import SlackStandIn

    return SlackStandIn(bot_token=BOT_TOKEN, channels={SALES: "sales", APPROVALS: "approvals"},
                        users={REQUESTER: "Riley", APPROVER: "Avery"},
                        latency=latency).start()


def settings_values(store: Any, slack: Any, db_path: Path, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict(
        _env_file=None,
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url if not isinstance(slack, str) else slack,
        bigcommerce_store_hash=store.store_hash, bigcommerce_access_token=store.access_token,
        bigcommerce_api_url=store.url,
        database_url=f"sqlite:///{db_path}",
        paidorder_approval_channel=APPROVALS,
        paidorder_approvers=APPROVER,
        paidorder_webhook_secret=WEBHOOK_SECRET,
    )
    values.update(overrides)
    return values


def start_bot(store: Any, slack: Any, db_path: Path, **overrides: Any):
    from bot.config import load_settings
    from bot.runtime import Bot

    settings = load_settings(**settings_values(store, slack, db_path, **overrides))
    return Bot(settings, host="127.0.0.1", port=0).start()


def player(bot_url: str, slack: Any) -> SlackRequests:
    return SlackRequests(bot_url, SIGNING_SECRET, team_id=slack.team_id,
                         response_url=slack.response_url("bench", channel=SALES))


class Prepared(SlackRequests):
    """Builds the exact signed requests SlackRequests would send, without sending them, so a
    burst can be fired from one event loop with almost no client-side overhead."""

    def send(self, body: str, **_: Any) -> tuple[bytes, dict[str, str]]:  # type: ignore[override]
        return body.encode(), signed_headers(self.secret, body)


def trigger_of(body: bytes) -> str:
    fields = parse_qs(body.decode())
    if "trigger_id" in fields:
        return fields["trigger_id"][0]
    import json

    return json.loads(fields["payload"][0])["trigger_id"]


def make_pending(bot: Any, count: int, prefix: str) -> list[str]:
    """Pending requests created through the submit handler (what a valid form does)."""
    from commands.handlers import Submitted, submit_request
    from commands.models import RequestForm

    refs = []
    services = bot.services
    for i in range(count):
        form = RequestForm(**{**GOOD_FORM, "transaction_id": f"{prefix}-{i}"})
        result = submit_request(form, requester_id=REQUESTER, origin_channel=SALES,
                                repo=services.repo, lookup=services.catalog.lookup,
                                currency=services.store_info.currency)
        assert isinstance(result, Submitted), result
        refs.append(result.stored.ref)
    bot.worker.wake()
    return refs


@contextmanager
def bot_process(values: dict[str, Any], *, stop_wait: float = 60.0
                ) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The bot alone in its own process (bench/_botproc.py), for memory figures: yields the
    process and its URL once it serves; closing its stdin stops it."""
    script = Path(__file__).resolve().parent / "_botproc.py"
    child = subprocess.Popen([sys.executable, str(script), json.dumps(values)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline().strip() if child.stdout else ""
        assert line.startswith("READY "), line
        yield child, line.split()[1]
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(stop_wait)


def insert_history(repo: Any, rows: list[dict[str, Any]], audit: list[dict[str, Any]]) -> None:
    """Bulk-insert generated request rows and their audit lines, in chunks SQLite accepts."""
    from sqlalchemy import insert

    from commands.schema import audit_log, requests

    with repo.transaction() as conn:
        for chunk in range(0, len(rows), 2000):
            conn.execute(insert(requests), rows[chunk:chunk + 2000])
        for chunk in range(0, len(audit), 5000):
            conn.execute(insert(audit_log), audit[chunk:chunk + 5000])


def drained(bot: Any, timeout: float) -> bool:
    return bool(wait_until(lambda: not bot.services.repo.pending_jobs(), timeout, 0.2))


# ------------------------------------------------------------------ a tiny concurrent client


@dataclass
class Sample:
    sent: float  # time.monotonic() just before connecting
    seconds: float  # until the whole response was read
    status: int


async def _one(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> Sample:
    sent = time.monotonic()
    status = 0
    try:
        reader, writer = await asyncio.open_connection(host, port)
        head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
                f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        data = await reader.read()  # Connection: close → read to EOF
        writer.close()
        status = int(data.split(b" ", 2)[1]) if data else 0
    except (OSError, ValueError, IndexError):
        status = -1
    return Sample(sent, time.monotonic() - sent, status)


def fire(url: str, requests: list[tuple[bytes, dict[str, str]]], *,
         concurrency: int | None = None) -> list[Sample]:
    """POST every request to `url`; at most `concurrency` in flight (all at once if None)."""
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path

    async def run() -> list[Sample]:
        limit = asyncio.Semaphore(concurrency or len(requests) or 1)

        async def guarded(body: bytes, headers: dict[str, str]) -> Sample:
            async with limit:
                return await _one(host, port, path, body, headers)

        return list(await asyncio.gather(*(guarded(b, h) for b, h in requests)))

    return asyncio.run(run())


# ------------------------------------------------------------------ statistics and reporting


def pct(values: Iterable[float], p: float) -> float:
    data = sorted(values)
    if not data:
        return float("nan")
    k = (len(data) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def median(values: Iterable[float]) -> float:
    data = list(values)
    return statistics.median(data) if data else float("nan")


def wait_until(probe: Callable[[], Any], timeout: float, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(interval)


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"nproc={os.cpu_count()} · Python {platform.python_version()} · CPU {cpu} · "
            f"{platform.system()} {platform.release()}")


def table(headers: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def begin(title: str, doc: str | None, argv: list[str] | None) -> argparse.Namespace:
    """The shared start of every benchmark: `--quick`, a clean environment, quiet logs, a title."""
    parser = argparse.ArgumentParser(description=(doc or title).splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    args = parser.parse_args(argv)
    clean_env()
    quiet_logs()
    header(title, args.quick)
    return args


def header(title: str, quick: bool) -> None:
    print(f"# {title}{' (quick smoke mode)' if quick else ''}")
    print(machine())
    print()


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of `pid` in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, rest = line.split(":", 1)
            values[key] = int(rest.split()[0])
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


def python() -> str:
    return sys.executable

