"""A busy, full or unreachable database, over real HTTP: the form says so inside the ack,
nothing is stored and no card is posted, `/healthz` answers 503 meanwhile, and the same
submission goes through once the database is back."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, event, func, select, text

from bot import ids
from bot.runtime import Bot
from commands.database import BUSY, DOWN
from commands.schema import requests as requests_table
from commands.schema import webhook_events
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from tests.conftest import (
    APPROVALS,
    APPROVER,
    GOOD_FORM,
    REQUESTER,
    WEBHOOK_SECRET,
    open_form,
    submit_request,
)
from tests.reliability.conftest import player_for, settle

# Holds SQLite's write lock from another process, as a backup job or a second tool would.
_SQLITE_LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


@contextmanager
def write_locked(database_url: str) -> Iterator[None]:
    """Another process holds the database so that nothing else can write (or, on PostgreSQL,
    even read the requests)."""
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        holder = subprocess.Popen([sys.executable, "-c", _SQLITE_LOCKER, path],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout and holder.stdout.readline().strip() == "locked"
            yield
        finally:
            assert holder.stdin
            holder.stdin.close()
            holder.wait(10)
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn, conn.begin():
            conn.execute(text("LOCK TABLE requests IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def stored(bot: Bot) -> int:
    with bot.services.repo.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(requests_table)).scalar_one())


def cards(slack: SlackStandIn) -> int:
    return len([c for c in slack.calls_to("chat.postMessage")
                if c.args.get("channel") == APPROVALS])


def health(bot: Bot) -> tuple[int, dict[str, Any]]:
    answer = requests.get(bot.url + "/healthz", timeout=10)
    return answer.status_code, answer.json()


def refused_inline(answer: requests.Response, message: str) -> None:
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"response_action": "errors", "errors": {"items": message}}


def test_a_write_locked_database_refuses_inline_and_keeps_nothing(
        start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str) -> None:
    bot = start_bot(database_url=database_url)
    player = player_for(bot, slack)
    view = open_form(player, slack)

    with write_locked(database_url):
        refused_inline(player.submit(REQUESTER, view, GOOD_FORM), BUSY)
        if database_url.startswith("sqlite"):
            status, report = health(bot)
            assert status == 503 and report["database"] == "busy", report

    settle(bot.services.repo)
    assert stored(bot) == 0 and cards(slack) == 0
    assert health(bot)[0] == 200
    submit_request(player, slack)  # the same transaction id: it was never booked
    assert stored(bot) == 1 and cards(slack) == 1


def test_a_lock_released_late_still_leaves_time_to_answer_inside_the_ack(
        start_bot: Callable[..., Bot], slack: SlackStandIn, store: SandboxServer,
        database_url: str) -> None:
    # The lock goes away just before the budget is spent, and the catalog is slow: the catalog
    # gets only what the wait on the database left, not its own 2 s on top.
    bot = start_bot(database_url=database_url)
    player = player_for(bot, slack)
    view = open_form(player, slack)
    store.inject("GET", r"/stores/[^/]+/v3/catalog/variants", "delay_after", delay=1.5, times=5)
    locked = threading.Event()

    def hold_briefly() -> None:
        with write_locked(database_url):
            locked.set()
            time.sleep(2.2)

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    try:
        assert locked.wait(10)
        answer = player.submit(REQUESTER, view, GOOD_FORM)
    finally:
        holder.join()
    assert answer.status_code == 200, answer.text
    assert answer.json()["response_action"] == "errors"
    settle(bot.services.repo)
    assert stored(bot) == 0 and cards(slack) == 0


def test_a_reject_reason_is_refused_inline_while_the_database_is_locked(
        start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str) -> None:
    bot = start_bot(database_url=database_url)
    player = player_for(bot, slack)
    card = submit_request(player, slack)
    settle(bot.services.repo)
    player.click(APPROVER, APPROVALS, card, ids.REJECT, card["ref"])
    modal = slack.wait_for("views.open", where=lambda c: c.args["view"].get("callback_id")
                           == ids.REJECT_MODAL)[-1].args["view"]
    reason = {ids.REASON_BLOCK: "Paid twice"}

    with write_locked(database_url):
        answer = player.submit(APPROVER, modal, reason)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"response_action": "errors",
                                 "errors": {ids.REASON_BLOCK: BUSY}}

    assert bot.services.repo.get(card["ref"]).state == "pending"  # type: ignore[union-attr]
    answer = player.submit(APPROVER, modal, reason)
    assert answer.status_code == 200 and not answer.content, answer.text
    assert bot.services.repo.get(card["ref"]).state == "rejected"  # type: ignore[union-attr]


def test_a_webhook_delivery_is_refused_while_the_database_is_locked_and_taken_later(
        start_bot: Callable[..., Bot], database_url: str,
        caplog: pytest.LogCaptureFixture) -> None:
    bot = start_bot(database_url=database_url)
    delivery = json.dumps({"scope": "store/order/statusUpdated", "store_id": "1",
                           "data": {"type": "order", "id": 250}, "hash": "a1b2c3"})

    def deliver() -> int:
        return requests.post(bot.url + "/bigcommerce/webhooks", data=delivery, timeout=10,
                             headers={"X-Paidorder-Secret": WEBHOOK_SECRET}).status_code

    with write_locked(database_url):
        assert deliver() == 503  # BigCommerce sends it again later
    assert "Traceback" not in caplog.text
    with bot.services.repo.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(webhook_events)).scalar_one() == 0
    assert deliver() == 202
    with bot.services.repo.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(webhook_events)).scalar_one() == 1


def test_a_full_sqlite_file_refuses_inline_and_fails_health(
        start_bot: Callable[..., Bot], slack: SlackStandIn) -> None:
    bot = start_bot()
    engine = bot.services.repo.engine
    player = player_for(bot, slack)
    notes = "Paid in two parts. " * 150
    submit_request(player, slack, notes=notes, transaction_id="BT-0")
    view = open_form(player, slack)
    # The file may not grow by a single page; a second request with long notes does not fit
    # in the page the first one is on.
    with engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())

    def cap(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    event.listen(engine, "connect", cap)
    engine.dispose()
    refused_inline(player.submit(REQUESTER, view, {**GOOD_FORM, "notes": notes}), DOWN)
    status, report = health(bot)
    assert status == 503 and report["database"] == "full", report

    event.remove(engine, "connect", cap)
    engine.dispose()
    settle(bot.services.repo)
    assert stored(bot) == 1 and cards(slack) == 1
    assert health(bot)[0] == 200
    submit_request(player, slack, notes=notes)
    assert stored(bot) == 2


class Relay:
    """A TCP hop between the bot and PostgreSQL that can be cut, like a network failure or a
    stopped server: afterwards nothing listens on its port."""

    def __init__(self, port: int) -> None:
        self.upstream = ("127.0.0.1", port)
        self._open: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self._open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        # shutdown() first: on Linux it is what wakes the accept() and stops the listening.
        with suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for end in self._open:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        self._open.clear()

    def restore(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()


def test_postgresql_going_away_refuses_inline_and_fails_health(
        start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("a database server that goes away is a PostgreSQL matter")
    host_port = database_url.split("@", 1)[1].split("/", 1)[0]
    relay = Relay(int(host_port.rsplit(":", 1)[1]))
    bot = start_bot(database_url=database_url.replace(host_port, f"127.0.0.1:{relay.port}"))
    player = player_for(bot, slack)
    view = open_form(player, slack)

    relay.cut()
    try:
        refused_inline(player.submit(REQUESTER, view, GOOD_FORM), DOWN)
        status, report = health(bot)
        assert status == 503 and report["database"] == "unreachable", report
    finally:
        relay.restore()

    assert health(bot)[0] == 200
    settle(bot.services.repo)
    assert stored(bot) == 0 and cards(slack) == 0
    submit_request(player, slack)
    assert stored(bot) == 1


def test_a_read_only_postgresql_refuses_inline_and_fails_health(
        start_bot: Callable[..., Bot], slack: SlackStandIn, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("a read-only server (a standby, a failover) is a PostgreSQL matter")
    bot = start_bot(database_url=database_url)
    player = player_for(bot, slack)
    view = open_form(player, slack)
    name = database_url.rsplit("/", 1)[1]
    admin = create_engine(database_url.rsplit("/", 1)[0] + "/postgres",
                          isolation_level="AUTOCOMMIT")

    def read_only(on: bool) -> None:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = '
                              f'{"on" if on else "off"}'))
        bot.services.repo.engine.dispose()  # the setting applies to new sessions

    read_only(True)
    try:
        refused_inline(player.submit(REQUESTER, view, GOOD_FORM), DOWN)
        status, report = health(bot)
        assert status == 503 and report["database"] == "read-only", report
    finally:
        read_only(False)
        admin.dispose()

    assert health(bot)[0] == 200
    submit_request(player, slack)
    assert stored(bot) == 1
