"""Shared fixtures: the sandbox store, the Slack stand-in, a running bot, and databases.

Everything runs over real HTTP on 127.0.0.1 with port 0. PostgreSQL variants run when
TEST_DATABASE_URL points at a server (`.ci/run` starts one) and skip with a reason otherwise.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bot.config import Settings, load_settings
from bot.runtime import Bot
from commands.repository import Repository, connect
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests

SALES, APPROVALS = "C0SALES", "C0APPROVALS"
REQUESTER, APPROVER, OUTSIDER = "U0REQ", "U0APPROVER", "U0OUTSIDER"
APPROVER_GROUP = "S0FINANCE"
GROUP_APPROVER = "U0GROUPIE"
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
WEBHOOK_SECRET = "test-webhook-secret"

# BigCommerce's official OpenAPI files: beside the repository in shared/, or wherever
# PAIDORDER_BC_SPEC_DIR says. Tests that need them skip with a reason when they are absent.
BC_SPEC_DIR = Path(
    os.environ.get("PAIDORDER_BC_SPEC_DIR")
    or Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "bigcommerce-spec"
)

def address(**overrides: Any) -> dict[str, Any]:
    """A complete BigCommerce address (the orders v2 spec's billing/shipping address)."""
    return {
        "first_name": "Jane", "last_name": "Doe", "street_1": "12 Main St", "city": "Austin",
        "state": "Texas", "zip": "78701", "country": "United States", "country_iso2": "US",
        "email": "jane@example.com", **overrides,
    }


def order_body(ref: str, lines: list[tuple[int, int, int]] | None = None) -> dict[str, Any]:
    """The reference's example order (§2.4), pointed at the sandbox catalog."""
    lines = lines or [(111, 201, 2)]
    return {
        "status_id": 11,
        "customer_id": 0,
        "billing_address": address(phone="+1 512 555 0100"),
        "shipping_addresses": [address()],
        "products": [{"product_id": p, "variant_id": v, "quantity": q} for p, v, q in lines],
        "shipping_cost_ex_tax": Decimal("5.00"),
        "shipping_cost_inc_tax": Decimal("5.00"),
        "payment_method": "Bank transfer",
        "payment_provider_id": "TXN-48213",
        "external_source": "Slack (paidorder)",
        "external_order_id": ref,
        "staff_notes": "Paid by bank transfer; approved in Slack",
    }


GOOD_FORM: dict[str, str | None] = {
    "email": "jane@example.com", "first_name": "Jane", "last_name": "Doe",
    "phone": None, "street": "12 Main St", "city": "Austin", "state": "Texas",
    "zip": "78701", "country": "US", "items": "TSHIRT-RED-M x 2\nMUG-WHT",
    "shipping_cost": "5.00", "payment_method": "Bank transfer",
    "transaction_id": "BT-1", "amount_paid": "56.98", "order_status": None, "notes": None,
}


@pytest.fixture(autouse=True)
def _no_real_slack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real tokens in a developer's environment must never reach a test."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "BIGCOMMERCE_", "PAIDORDER_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def store() -> Iterator[SandboxServer]:
    server = SandboxServer(quota=0).start()
    yield server
    server.stop()


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    standin = SlackStandIn(
        bot_token=BOT_TOKEN, channels={SALES: "sales", APPROVALS: "approvals"},
        users={REQUESTER: "Riley", APPROVER: "Avery", OUTSIDER: "Olly", GROUP_APPROVER: "Gus"},
        usergroups={APPROVER_GROUP: [GROUP_APPROVER]},
    ).start()
    yield standin
    standin.stop()


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite in a temp dir, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'paidorder.db'}"
        return
    server = _postgres_url()
    if server is None:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (set by .ci/run)")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def repo(database_url: str) -> Iterator[Repository]:
    repository = Repository(connect(database_url))
    repository.create_schema()
    yield repository
    repository.engine.dispose()


def settings_for(store: SandboxServer, slack: SlackStandIn, database: Path,
                 **overrides: Any) -> dict[str, Any]:
    """`load_settings` keywords for a bot wired to these stand-ins (no .env, no environment)."""
    return dict(
        _env_file=None,
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        bigcommerce_store_hash=store.store_hash, bigcommerce_access_token=store.access_token,
        bigcommerce_api_url=store.url,
        database_url=f"sqlite:///{database}",
        paidorder_approval_channel=APPROVALS,
        paidorder_approvers=f"{APPROVER},{APPROVER_GROUP}",
        # Many tests write requests at past instants straight through the Repository; a bot
        # reminding about or expiring them meanwhile would race those tests. The reminder and
        # expiry tests turn both back on.
        paidorder_remind_after="off", paidorder_expire_after="off",
    ) | overrides


@pytest.fixture
def make_settings(store: SandboxServer, slack: SlackStandIn, tmp_path: Path
                  ) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        return load_settings(**settings_for(
            store, slack, tmp_path / "bot.db",
            **{"paidorder_webhook_secret": WEBHOOK_SECRET, **overrides}))
    return make


@pytest.fixture
def start_bot(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Bot]]:
    """Start a bot (several, if a test wants replicas); all are stopped after the test."""
    running: list[Bot] = []

    def start(*, lease: timedelta = timedelta(seconds=30), **overrides: Any) -> Bot:
        bot = Bot(make_settings(**overrides), host="127.0.0.1", port=0, lease=lease).start()
        running.append(bot)
        return bot

    yield start
    for bot in reversed(running):
        bot.stop()


@pytest.fixture
def bot(start_bot: Callable[..., Bot]) -> Bot:
    return start_bot()


@pytest.fixture
def player(bot: Bot, slack: SlackStandIn) -> SlackRequests:
    """Signed Slack requests to the running bot."""
    return SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                         response_url=slack.response_url("test", channel=SALES))


def open_form(player: SlackRequests, slack: SlackStandIn, user: str = REQUESTER
              ) -> dict[str, Any]:
    """Run `/paidorder` as `user` and return the modal the bot opened."""
    before = len(slack.calls_to("views.open"))
    response = player.command(user, SALES)
    assert response.status_code == 200, response.text
    return slack.wait_for("views.open", count=before + 1)[-1].args["view"]


def submit_request(player: SlackRequests, slack: SlackStandIn, **changes: str | None
                   ) -> dict[str, Any]:
    """Open the form, submit GOOD_FORM with `changes`, wait for the card; return the card."""
    before = len([m for m in slack.messages(APPROVALS)])
    view = open_form(player, slack)
    response = player.submit(REQUESTER, view, {**GOOD_FORM, **changes})
    assert response.status_code == 200 and not response.content, response.text
    slack.wait_for("chat.postMessage", count=before + 1,
                   where=lambda c: c.args.get("channel") == APPROVALS)
    message = slack.messages(APPROVALS)[-1]
    ref = next(e["value"] for b in message.blocks if b.get("type") == "actions"
               for e in b["elements"])
    return {"ts": message.ts, "text": message.text, "blocks": message.blocks, "ref": ref}
