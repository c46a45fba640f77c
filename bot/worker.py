"""The outbox worker: carries out the follow-up work that state changes wrote to the database.

Jobs are claimed with a lease the worker keeps renewing while it runs them; a worker that dies
(even by SIGKILL) stops renewing, and another worker — or this one after a restart — takes the
job over once the lease has run out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from commands.repository import Job, Repository

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=5)


class OutboxWorker:
    def __init__(self, repo: Repository, run: Callable[[Job], None], *,
                 lease: timedelta = timedelta(seconds=30), idle_wait: float = 1.0,
                 threads: int = 8) -> None:
        self.repo = repo
        self.run = run
        self.lease = lease
        self.idle_wait = idle_wait
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="outbox")
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._running: set[int] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.last_loop: datetime | None = None

    def start(self) -> OutboxWorker:
        for target, name in ((self._loop, "outbox-claim"), (self._heartbeat, "outbox-lease")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def wake(self) -> None:
        """New work was written; look now instead of at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)

    @property
    def alive(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.last_loop = datetime.now(UTC)
            try:
                claimed = self._claim()
            except Exception:
                log.exception("could not read the outbox")
                claimed = 0
            if not claimed:
                self._wake.wait(self.idle_wait)
                self._wake.clear()

    def _claim(self) -> int:
        with self._lock:
            room = self._pool._max_workers - len(self._running)  # noqa: SLF001
        if room <= 0:
            return 0
        jobs = self.repo.claim_jobs(self.worker_id, lease=self.lease, limit=room)
        for job in jobs:
            with self._lock:
                self._running.add(job.id)
            self._pool.submit(self._execute, job)
        return len(jobs)

    def _execute(self, job: Job) -> None:
        try:
            self.run(job)
        except Exception as exc:
            delay = min(timedelta(seconds=2 ** min(job.attempts, 10)), MAX_BACKOFF)
            log.warning("job %s %s for %s failed (attempt %d), retrying in %ss: %s",
                        job.id, job.kind, job.ref, job.attempts, delay.seconds, exc)
            self._safely(self.repo.retry_job, job, f"{type(exc).__name__}: {exc}", delay)
        else:
            self._safely(self.repo.finish_job, job)
        finally:
            with self._lock:
                self._running.discard(job.id)
            self._wake.set()

    def _heartbeat(self) -> None:
        interval = max(self.lease.total_seconds() / 3, 0.2)
        while not self._stop.wait(interval):
            with self._lock:
                running = list(self._running)
            self._safely(self.repo.extend_lease, self.worker_id, running, self.lease)

    @staticmethod
    def _safely(action: Callable[..., None], *args: object) -> None:
        try:
            action(*args)
        except Exception:
            log.exception("outbox bookkeeping failed; the lease will expire and the job rerun")
