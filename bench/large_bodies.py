"""Large bodies: RSS of a bot process while strangers send it 200 MB requests.

The bot runs alone in a subprocess (as in memory.py); VmRSS and VmHWM are read from
/proc/<pid>/status after each round. Every request is unsigned (or, for the webhooks, carries
the right secret), as an attacker or a broken client would send it. Each round sends its
requests at once, over raw sockets: the headers, then the body in 1 MiB pieces until the server
answers or stops reading. A status of "reset" means the server closed the connection before
the client could read an answer.

    python bench/large_bodies.py
    python bench/large_bodies.py --quick
"""

from __future__ import annotations

import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import WEBHOOK_SECRET, begin, bot_process, rss_kib, settings_values, standin, table

MIB = 1024 * 1024
PIECE = b"x" * MIB


def send(port: int, path: str, size: int, *, chunked: bool, secret: bool) -> str:
    """POST `size` bytes to `path`; the status code, or "reset"."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = (f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            f"{framing}\r\n" + (f"X-Paidorder-Secret: {WEBHOOK_SECRET}\r\n" if secret else "")
            + "\r\n")

    def body() -> Iterator[bytes]:
        left = size
        while left > 0:
            piece = PIECE[:min(left, MIB)]
            left -= len(piece)
            yield b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
        if chunked:
            yield b"0\r\n\r\n"

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=120) as conn:
            conn.sendall(head.encode())
            try:
                for piece in body():
                    conn.sendall(piece)
            except OSError:
                pass  # the server answered and closed before the body was all sent
            line = conn.makefile("rb").readline().decode()
            return line.split()[1] if line else "reset"
    except OSError:
        return "reset"


def main(argv: list[str] | None = None) -> int:
    args = begin("Large bodies", __doc__, argv)
    big = (20 if args.quick else 200) * MIB
    many = 10 if args.quick else 100
    rounds = [
        # (what, path, size, how many at once, chunked, with the webhook secret)
        ("slack, Content-Length 200 MB", "/slack/events", big, 4, False, False),
        ("slack, chunked 200 MB", "/slack/events", big, 4, True, False),
        ("webhook, Content-Length 200 MB", "/bigcommerce/webhooks", big, 4, False, True),
        ("webhook, chunked 200 MB", "/bigcommerce/webhooks", big, 4, True, True),
        ("slack, 500 KB (under its cap)", "/slack/events", 500 * 1024, many, False, False),
        ("webhook, 500 KB (over its cap)", "/bigcommerce/webhooks", 500 * 1024, many, False,
         True),
    ]
    if args.quick:
        rounds = [(w, p, min(s, big), n, c, k) for w, p, s, n, c, k in rounds]

    from sandbox.bigcommerce import SandboxServer

    with tempfile.TemporaryDirectory(prefix="bench-bodies-") as tmp:
        store = SandboxServer(quota=0).start()
        slack = standin(0.0)
        values = settings_values(store, slack, Path(tmp) / "bot.db",
                                 paidorder_poll_seconds=3600,
                                 paidorder_webhook_secret=WEBHOOK_SECRET)
        rows = []
        try:
            with bot_process(values) as (child, url):
                port = int(url.rsplit(":", 1)[1])
                time.sleep(2)
                rows.append(["idle", "", "", *rss_kib(child.pid)])
                for what, path, size, count, chunked, secret in rounds:
                    started = time.monotonic()
                    with ThreadPoolExecutor(max_workers=min(count, 8)) as pool:
                        futures = [pool.submit(send, port, path, size, chunked=chunked,
                                               secret=secret) for _ in range(count)]
                        statuses = Counter(f.result() for f in futures)
                    took = time.monotonic() - started
                    answers = ", ".join(f"{n}× {s}" for s, n in sorted(statuses.items()))
                    rows.append([what, answers, f"{took:.1f} s", *rss_kib(child.pid)])
                    print(rows[-1], flush=True)
        finally:
            slack.stop()
            store.stop()
    idle = rows[0][3]
    print()
    print(table(["round", "answers", "took", "VmRSS MiB", "VmHWM MiB", "vs idle"],
                [[w, a, t, f"{r / 1024:.1f}", f"{h / 1024:.1f}", f"{r / idle:.2f}×"]
                 for w, a, t, r, h in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
