"""`paidorder demo`: the whole story offline, with the real bot, over real HTTP.

Starts the built-in BigCommerce sandbox store and the local Slack stand-in, runs the bot against
them in HTTP mode, plays a requester and two approvers with signed Slack requests, and prints
the Slack conversation as text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from bot import ids
from bot.config import load_settings
from bot.demo_changes import edit_and_cancel
from bot.runtime import Bot
from bot.views import block_field
from commands.models import FormField
from commands.webhooks import register_webhooks
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SAMPLE_PDF, SlackStandIn, render_blocks
from sandbox.slack_requests import SlackRequests

SALES, APPROVALS = "C0SALES", "C0APPROVALS"
RILEY, AVERY, MORGAN = "U0RILEY", "U0AVERY", "U0MORGAN"
# Above the demo's other requests (the wholesale invoice is 278.20), so only the large one needs
# two approvers.
SECOND_APPROVAL_OVER = "500.00"
SIGNING_SECRET = "demo-signing-secret"
BOT_TOKEN = "xoxb-demo"
WEBHOOK_SECRET = "demo-webhook-secret"

FIRST_REQUEST = {
    "email": "jane@example.com", "first_name": "Jane", "last_name": "Doe",
    "phone": "+1 512 555 0100", "street": "12 Main St", "city": "Austin", "state": "Texas",
    "zip": "78701", "country": "US", "shipping_cost": "5.00",
    "payment_method": "Bank transfer", "transaction_id": "BT-2026-11-27-0042",
    "amount_paid": "56.98", "notes": "Wire received at 10:12; customer picks blue gift wrap",
}
SECOND_REQUEST = {
    "email": "sam@example.com", "first_name": "Sam", "last_name": "Lee",
    "street": "500 Pine St", "city": "Seattle", "state": "Washington", "zip": "98101",
    "country": "US", "items": "BEANIE-GRY x 1", "payment_method": "Cash",
    "transaction_id": "RCPT-7781", "amount_paid": "20.00",
}


# A wholesale customer (the sandbox store reprices their lines with a price list unless the
# order says otherwise) paid a negotiated price, a custom service, less a discount, plus tax.
NEGOTIATED_REQUEST = {
    "email": "buyer@wholesale.example.com", "first_name": "Robin", "last_name": "Park",
    "street": "9 Harbor Way", "city": "Portland", "state": "Oregon", "zip": "97201",
    "country": "US",
    "items": 'TSHIRT-BLUE-M x 10 @ 16.50\n"Screen printing setup" x 1 @ 45.00\n'
             "BOTTLE-ENG x 2 {Engraving: Park & Co}",
    "shipping_cost": "12.00", "discount": "15.00", "tax": "8.25%",
    "payment_method": "Invoice", "transaction_id": "INV-2026-0117", "amount_paid": "278.20",
}


# A bulk order paid by bank transfer, over SECOND_APPROVAL_OVER: two approvers must approve it.
LARGE_REQUEST = {
    "email": "ops@example.com", "first_name": "Alex", "last_name": "Kim",
    "street": "77 Market St", "city": "San Francisco", "state": "California", "zip": "94105",
    "country": "US", "items": "TOTE-NAT x 40", "shipping_cost": "20.00",
    "payment_method": "Bank transfer", "transaction_id": "BT-2026-11-30-0107",
    "amount_paid": "600.00",
}


class DemoFailed(Exception):
    pass


class Demo:
    def __init__(self, out: TextIO, workdir: Path) -> None:
        self.out = out
        self.workdir = workdir

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def run(self) -> int:
        with ExitStack() as stack:
            store = SandboxServer().start()
            stack.callback(store.stop)
            slack = SlackStandIn(
                bot_token=BOT_TOKEN, channels={SALES: "sales", APPROVALS: "approvals"},
                users={RILEY: "Riley (sales)", AVERY: "Avery (finance)",
                       MORGAN: "Morgan (finance)"},
                usergroups={"S0FINANCE": [AVERY, MORGAN]},
            ).start()
            stack.callback(slack.stop)
            bot = Bot(_settings(store, slack, self.workdir), host="127.0.0.1", port=0).start()
            stack.callback(bot.stop)
            self.say(f"Sandbox store {store.url} · Slack stand-in {slack.api_url} · "
                     f"bot {bot.url}\n")
            player = SlackRequests(bot.url, SIGNING_SECRET, response_url=slack.response_url(
                "demo", channel=SALES))
            order_id = self.story(player, slack)
            self.check(bot, order_id)
            card_ts = slack.messages(APPROVALS)[0].ts
            self.follow_up(player, slack, store, bot, order_id, card_ts)
            self.say("\n=== The Slack conversation ===\n")
            self.say(slack.transcript())
            final = bot.services.bigcommerce.get_order(order_id)
            self.say(f"\nDone: BigCommerce order #{order_id} was created once, paid, and is now "
                     f"{final.status}.")
        return 0

    def story(self, player: SlackRequests, slack: SlackStandIn) -> int:
        self.say("1. Riley runs /paidorder in #sales; the form opens.")
        form = self.find(player, slack, self.open_form(player, slack))
        self.say("2. Riley submits it with a typo in the items:")
        answer = self.submit_typed(player, slack, form, {
            **FIRST_REQUEST, "items": "TSHIRT-RED-M x 2\nHAT-XL x 1"}).json()
        for block_id, message in answer.get("errors", {}).items():
            self.say(f"   inline error on {block_field(block_id)}: {message}")
        if "errors" not in answer:
            raise DemoFailed(f"expected inline errors, got {answer}")
        self.say("3. Riley fixes line 2, attaches the wire receipt as Payment proof and submits; "
                 "the request card appears in #approvals, the receipt linked on it.")
        slack.attach(form["id"], FormField.PROOF.value,
                     [slack.upload_as(RILEY, "wire-receipt.pdf", SAMPLE_PDF)])
        done = self.submit_typed(player, slack, form, {**FIRST_REQUEST,
                                                       "items": "TSHIRT-RED-M x 2\nMUG-WHT"})
        _expect(done.status_code == 200 and not done.content, f"submission answered {done.text}")
        first = self.card(slack, 1)
        slack.wait_for("files.completeUploadExternal", timeout=15)  # its copy in the thread
        self.say("4. Riley tries to approve their own request and is told no.")
        player.click(RILEY, APPROVALS, first, ids.APPROVE, first["value"])
        slack.wait_for("chat.postEphemeral", where=lambda c: c.args.get("user") == RILEY
                       and "own request" in str(c.args.get("text")))
        self.say("5. A second request (paid in cash, amount off by 4.00) is submitted...")
        form = self.open_form(player, slack)
        player.submit(RILEY, form, SECOND_REQUEST)
        second = self.card(slack, 2)
        self.home(player, slack, [first["value"], second["value"]])
        self.say("6. ...and Avery (finance approvers group) rejects it with a reason.")
        player.click(AVERY, APPROVALS, second, ids.REJECT, second["value"])
        reject_form = slack.wait_for("views.open", count=3)[-1].args["view"]
        player.submit(AVERY, {**reject_form, "id": "VREJECT"},
                      {ids.REASON_BLOCK: "Receipt says 20.00 but the beanie is 24.00 — "
                                         "please check with the customer."})
        self.wait_card(slack, second["ts"], "Rejected")
        self.say("7. Avery approves the first request; the bot creates the paid order.")
        player.click(AVERY, APPROVALS, first, ids.APPROVE, first["value"])
        text = self.wait_card(slack, first["ts"], "Status:")
        order_id = int(re.search(r"BigCommerce order \S*#(\d+)", text)[1])
        self.say(f"   card now shows BigCommerce order #{order_id}.")
        return order_id

    def home(self, player: SlackRequests, slack: SlackStandIn, waiting: list[str]) -> None:
        """Avery opens the bot's Home tab: what waits for them, with the card's buttons."""
        self.say("   Avery opens the bot's Home tab and sees what waits for them:")
        player.open_home(AVERY)

        def showing_them() -> dict[str, Any] | None:
            home = slack.home(AVERY)
            shown = render_blocks(home["blocks"]) if home else ""
            return home if home and all(ref in shown for ref in waiting) else None

        view = _wait(showing_them, 15, "Avery's Home never showed the waiting requests")
        for line in render_blocks(view["blocks"]).splitlines():
            self.say(f"   | {line}")

    def follow_up(self, player: SlackRequests, slack: SlackStandIn, store: SandboxServer,
                  bot: Bot, order_id: int, card_ts: str) -> None:
        register_webhooks(bot.services.bigcommerce, bot.url, WEBHOOK_SECRET)
        self.say("8. Riley ships the two T-shirts: "
                 f"/paidorder ship {order_id} ups 1Z999AA10123456784 TSHIRT-RED-M x 2")
        player.command(RILEY, SALES, f"ship {order_id} ups 1Z999AA10123456784 TSHIRT-RED-M x 2")
        self.say("   " + self.reply(slack, "Shipment"))
        self.wait_card(slack, card_ts, "Partially Shipped")
        self.say("   the card's thread gets the shipment; its status reads Partially Shipped.")
        self.say("9. The warehouse ships the mug from the BigCommerce control panel; the "
                 "webhook brings it to Slack.")
        store.ship_from_control_panel(order_id, shipping_provider="usps",
                                      tracking_number="9400111899223197428490")
        self.wait_card(slack, card_ts, "Status: *Shipped*")
        _wait(lambda: len(slack.thread(APPROVALS, card_ts)) >= 2, 15, "no second thread reply")
        self.say("   a second thread reply; the card now reads Shipped.")
        self.say(f"10. Riley checks: /paidorder status {order_id}")
        player.command(RILEY, SALES, f"status {order_id}")
        self.say("   " + self.reply(slack, "items shipped").replace("\n", "\n   "))
        self.say("11. Someone asks for the summary now: /paidorder summary")
        player.command(AVERY, SALES, "summary")
        slack.wait_for("chat.postMessage", where=lambda c: "so far today" in json.dumps(
            c.args.get("blocks")))
        self.save_chart(slack)
        self.say("12. Avery exports this month's orders: /paidorder export")
        player.command(AVERY, SALES, "export")
        self.say("   " + self.reply(slack, "CSV file"))
        self.reconciled(player, slack, bot)
        self.two_approvals(player, slack, bot)
        edit_and_cancel(self, player, slack, bot)

    def reconciled(self, player: SlackRequests, slack: SlackStandIn, bot: Bot) -> None:
        """An order whose money BigCommerce would otherwise change: it lands as the card says."""
        self.say("13. Riley records an invoice for a wholesale customer: 10 T-shirts at a "
                 "negotiated 16.50, a custom setup fee, 2 engraved bottles, 15.00 off, "
                 "8.25% tax.")
        card = self.new_card(player, slack, NEGOTIATED_REQUEST)
        player.click(AVERY, APPROVALS, card, ids.APPROVE, card["value"])
        text = self.wait_card(slack, card["ts"], "Status:")
        order_id = int(re.search(r"BigCommerce order \S*#(\d+)", text)[1])
        order = bot.services.bigcommerce.request("GET", f"/v2/orders/{order_id}")
        stored = bot.services.repo.by_order_id(order_id)
        _expect(stored is not None, f"order #{order_id} is not the bot's")
        money = stored.request.figures
        rows = [("subtotal", money.subtotal, "subtotal_ex_tax"),
                ("discount", money.discount, "discount_amount"),
                ("shipping", money.shipping, "shipping_cost_ex_tax"),
                ("tax", money.tax, "total_tax"),
                ("total", money.total, "total_inc_tax")]
        self.say(f"   Avery approves; order #{order_id} as the card shows it and as BigCommerce "
                 "holds it:")
        for name, card_value, field in rows:
            held = Decimal(str(order[field]))
            self.say(f"     {name:<9}{card_value:>10}   {order[field]:>10}  ({field})")
            _expect(held == card_value, f"BigCommerce's {field} is {held}, the card's "
                                        f"{name} {card_value}")
        self.say("   Same to the cent: the price list and the store's tax settings changed "
                 "nothing.")

    def two_approvals(self, player: SlackRequests, slack: SlackStandIn, bot: Bot) -> None:
        """A request at or above PAIDORDER_SECOND_APPROVAL_OVER needs two different approvers."""
        self.say(f"14. Riley records a bank transfer of 600.00 for 40 tote bags; at or above "
                 f"{SECOND_APPROVAL_OVER} it needs two approvers.")
        card = self.new_card(player, slack, LARGE_REQUEST)
        player.click(AVERY, APPROVALS, card, ids.APPROVE, card["value"])
        self.wait_card(slack, card["ts"], f"1 of 2 approvals by <@{AVERY}>")
        _expect(bot.services.repo.get(card["value"]).order_id is None,  # type: ignore[union-attr]
                "an order was created on the first of two approvals")
        self.say("   Avery approves: the card shows 1 of 2 approvals and keeps its buttons; no "
                 "order yet.")
        player.click(AVERY, APPROVALS, card, ids.APPROVE, card["value"])
        self.say("   Avery clicks Approve again: " + self.reply(slack, "waiting for a second"))
        player.click(MORGAN, APPROVALS, card, ids.APPROVE, card["value"])
        text = self.wait_card(slack, card["ts"], "Status:")
        order_id = int(re.search(r"BigCommerce order \S*#(\d+)", text)[1])
        _expect(f"Approved* by <@{AVERY}> and <@{MORGAN}>" in text,
                f"the card does not name both approvers: {text}")
        self.say(f"   Morgan gives the second approval; the card reads \"Approved by Avery and "
                 f"Morgan\" and shows BigCommerce order #{order_id}.")

    def new_card(self, player: SlackRequests, slack: SlackStandIn,
                 answers: dict[str, str]) -> dict[str, Any]:
        """Riley submits `answers`; the new card's ts and reference once it is posted."""
        form = self.open_form(player, slack)
        seen = {m.ts for m in slack.messages(APPROVALS)}
        answer = player.submit(RILEY, form, answers)
        _expect(not answer.content, f"the submission answered {answer.text}")
        posted = _wait(lambda: next((m for m in slack.messages(APPROVALS) if m.ts not in seen
                                     and "Approve" in json.dumps(m.blocks)), None), 15,
                       "the request's card never appeared")
        return {"ts": posted.ts, "value": next(
            e["value"] for b in posted.blocks if b.get("type") == "actions"
            for e in b["elements"] if e["action_id"] == ids.APPROVE)}

    def save_chart(self, slack: SlackStandIn) -> None:
        """Keep the summary's chart where the user can open it after the demo."""
        chart = _wait(lambda: next((f for f in slack.uploaded_to(APPROVALS)
                                    if f.filename.endswith(".png")), None), 15,
                      "the summary's chart was never posted")
        path = Path(tempfile.gettempdir()) / "paidorder-demo-summary-chart.png"
        path.write_bytes(chart.content or b"")
        self.say(f"   the summary came with its chart; saved to {path}")

    def reply(self, slack: SlackStandIn, words: str) -> str:
        """The latest ephemeral answer containing `words`."""
        return _wait(lambda: next((e.text for e in reversed(slack.ephemerals)
                                   if words in e.text), None), 15, f"no answer with {words!r}")

    def find(self, player: SlackRequests, slack: SlackStandIn, form: dict[str, Any]
             ) -> dict[str, Any]:
        """Riley finds the customer and a product by typing; the bot fills the form in."""
        view_id = slack.views[-1]["id"]
        typing = ((ids.FIND_CUSTOMER, "Find a customer", "jane"),
                  (ids.FIND_PRODUCT, "Find a product", "mug"))
        for step, (action_id, label, typed) in enumerate(typing, start=1):
            view = slack.open_view(view_id)
            deadline = time.monotonic() + 10  # the catalog index syncs as the bot starts
            while not (options := player.suggest(RILEY, view, action_id, typed).json()
                       .get("options")) and time.monotonic() < deadline:
                time.sleep(0.1)
            _expect(bool(options), f"typing {typed!r} found nothing")
            self.say(f"   Riley types {typed!r} in {label} and picks "
                     f"{options[0]['text']['text']!r}.")
            player.choose(RILEY, view, action_id, options[0])
            slack.wait_for("views.update", count=step)
        filled = slack.open_view(view_id)
        typed = {block_field(b): next(iter(s.values())).get("value")
                 for b, s in filled["state"]["values"].items()}
        self.say(f"   The form now has {typed['email']}, {typed['first_name']} "
                 f"{typed['last_name']}, {typed['street']}, and Items: {typed['items']!r}.")
        return filled

    def submit_typed(self, player: SlackRequests, slack: SlackStandIn, form: dict[str, Any],
                     answers: dict[str, str | None]) -> Any:
        """Type `answers` (by field) into the open form as it is now, and submit it."""
        view = slack.open_view(form["id"])
        blocks = {block_field(b["block_id"]): b["block_id"] for b in view["blocks"]
                  if b.get("type") == "input"}
        slack.type_into(view["id"], {blocks[f]: v for f, v in answers.items() if f in blocks})
        return player.submit_view(RILEY, slack.open_view(view["id"]))

    def open_form(self, player: SlackRequests, slack: SlackStandIn) -> dict[str, Any]:
        before = len(slack.calls_to("views.open"))
        response = player.command(RILEY, SALES)
        _expect(response.status_code == 200, f"/paidorder answered {response.status_code}")
        opened = slack.wait_for("views.open", count=before + 1)[-1]
        view = opened.args["view"]
        return view if isinstance(view, dict) else {}

    def card(self, slack: SlackStandIn, count: int) -> dict[str, Any]:
        call = slack.wait_for("chat.postMessage", count=count,
                              where=lambda c: c.args.get("channel") == APPROVALS)[-1]
        message = slack.messages(APPROVALS)[-1]
        value = next(e["value"] for b in message.blocks if b.get("type") == "actions"
                     for e in b["elements"] if e["action_id"] == ids.APPROVE)
        _expect(bool(call), "no card")
        return {"ts": message.ts, "text": message.text, "blocks": message.blocks, "value": value}

    def wait_card(self, slack: SlackStandIn, ts: str, words: str, timeout: float = 15.0) -> str:
        return _wait(lambda: _card_text(slack, ts, words), timeout,
                     f"the card never showed {words!r}")

    def check(self, bot: Bot, order_id: int) -> None:
        """Ask the store itself, over its API, what exists now."""
        client = bot.services.bigcommerce
        orders = list(client.get_many("/v2/orders"))
        _expect([o["id"] for o in orders] == [order_id],
                f"expected exactly order #{order_id}, the store has {[o['id'] for o in orders]}")
        order = client.request("GET", f"/v2/orders/{order_id}")  # every field, as stored
        self.say(f"   In the store: order #{order['id']} · {order['status']} · "
                 f"{order['payment_method']} {order['payment_provider_id']} · "
                 f"external_order_id {order['external_order_id']} · "
                 f"total {order['total_inc_tax']} {order['currency_code']}")


def _card_text(slack: SlackStandIn, ts: str, words: str) -> str | None:
    message = slack.message(APPROVALS, ts)
    text = render_blocks(message.blocks)
    return text if words in text else None


def _wait(probe: Callable[[], Any], timeout: float, failure: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    raise DemoFailed(failure)


def _expect(condition: bool, failure: str) -> None:
    if not condition:
        raise DemoFailed(failure)


def _settings(store: SandboxServer, slack: SlackStandIn, workdir: Path):
    return load_settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url, slack_app_token=None,
        bigcommerce_store_hash=store.store_hash, bigcommerce_access_token=store.access_token,
        bigcommerce_api_url=store.url, bigcommerce_sandbox=False,
        database_url=f"sqlite:///{workdir / 'demo.db'}",
        paidorder_approval_channel=APPROVALS, paidorder_approvers="S0FINANCE",
        paidorder_requesters="", paidorder_webhook_secret=WEBHOOK_SECRET,
        paidorder_second_approval_over=SECOND_APPROVAL_OVER,
    )


def run(out: TextIO = sys.stdout) -> int:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="paidorder-demo-") as workdir:
        try:
            return Demo(out, Path(workdir)).run()
        except DemoFailed as exc:
            print(f"\nDEMO FAILED: {exc}", file=out)
            return 1
