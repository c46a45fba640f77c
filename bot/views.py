"""Block Kit for the request modal, the reject modal and the form's answers, as pure functions."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot import ids
from commands.changes import read_version, version_text
from commands.models import PAYMENT_METHODS, TARGET_STATUSES, FormField, RequestForm
from commands.proof import MAX_PROOF_FILES, PROOF_FILETYPES

Block = dict[str, Any]


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": _plain(label), "value": value}


def _input(field: FormField, label: str, element: dict[str, Any], *, optional: bool = False,
           hint: str | None = None) -> Block:
    block: Block = {"type": "input", "block_id": field.value, "label": _plain(label),
                    "optional": optional, "element": {"action_id": ids.VALUE, **element}}
    if hint:
        block["hint"] = _plain(hint)
    return block


def _find(action_id: str, label: str, placeholder: str, hint: str) -> Block:
    """A typeahead: Slack asks the bot for options (block_suggestion) and, with
    dispatch_action, tells it at once what was chosen (block_actions)."""
    return {"type": "input", "block_id": action_id, "label": _plain(label), "optional": True,
            "dispatch_action": True, "hint": _plain(hint),
            "element": {"type": "external_select", "action_id": action_id,
                        "min_query_length": 2, "placeholder": _plain(placeholder)}}


def _text(max_length: int = 255, **extra: Any) -> dict[str, Any]:
    return {"type": "plain_text_input", "max_length": max_length, **extra}


def _number(**extra: Any) -> dict[str, Any]:
    return {"type": "number_input", "is_decimal_allowed": True, "min_value": "0", **extra}


def request_modal(*, origin_channel: str | None,
                  payment_methods: tuple[str, ...] = PAYMENT_METHODS,
                  storefronts: tuple[tuple[int, str], ...] = (),
                  editing: str | None = None, answers: RequestForm | None = None,
                  edited_at: datetime | None = None,
                  require_proof: bool = False) -> dict[str, Any]:
    """The form; a Storefront select only when the store sells on more than one. With
    `editing` (a request's reference) it is that request's form, filled in with `answers`;
    `edited_at` (its last edit) goes along, so saving can tell whether it changed since."""
    payment_options = [_option(m, m) for m in payment_methods]
    status_options = [_option(name, str(sid)) for sid, name in TARGET_STATUSES.items()]
    blocks = [
        _find(ids.FIND_CUSTOMER, "Find a customer", "Type a name or an email address",
              "Fills in the email, name, phone and first saved address"),
        _input(FormField.EMAIL, "Customer email", {"type": "email_text_input"}),
        _input(FormField.FIRST_NAME, "First name", _text()),
        _input(FormField.LAST_NAME, "Last name", _text()),
        _input(FormField.PHONE, "Phone", _text(50), optional=True),
        _input(FormField.STREET, "Street address", _text()),
        _input(FormField.CITY, "City", _text()),
        _input(FormField.STATE, "State", _text(), hint="Full name, e.g. Texas"),
        _input(FormField.ZIP, "ZIP / Postal code", _text(20)),
        _input(FormField.COUNTRY, "Country", _text(2, initial_value="US"),
               hint="Two-letter code, e.g. US, CA, GB"),
        _find(ids.FIND_PRODUCT, "Find a product", "Type a name or a SKU",
              "Adds a line to Items; change its quantity or price there"),
        _input(FormField.ITEMS, "Items", _text(3000, multiline=True, placeholder=_plain(
            "TSHIRT-RED-M x 2")), hint=ITEMS_HINT),
        _input(FormField.SHIPPING_COST, "Shipping cost", _number(initial_value="0"),
               optional=True),
        _input(FormField.DISCOUNT, "Discount", _number(), optional=True,
               hint="An amount off the order, at most the items plus shipping"),
        _input(FormField.TAX, "Tax", _text(20), optional=True,
               hint="A rate like 8.25% or an amount like 4.95; leave empty for none"),
        *_storefront(storefronts),
        _input(FormField.PAYMENT_METHOD, "Payment method",
               {"type": "static_select", "options": payment_options,
                "placeholder": _plain("How was it paid?")}),
        _input(FormField.TRANSACTION_ID, "Transaction ID", _text(100),
               hint="The payment's reference: bank reference, receipt or terminal id"),
        _input(FormField.AMOUNT_PAID, "Amount paid", _number()),
        _input(FormField.ORDER_STATUS, "Order status",
               {"type": "static_select", "options": status_options,
                "initial_option": status_options[0]}),
        _input(FormField.NOTES, "Notes", _text(3000, multiline=True), optional=True,
               hint="Staff notes on the order; not shown to the customer"),
        payment_proof_input(required=require_proof, editing=bool(editing)),
    ]
    about: dict[str, Any] = {"channel": origin_channel, "storefronts": len(storefronts) > 1}
    if editing:
        about["edit"] = editing
        about["seen"] = version_text(edited_at)
        blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": (
            f"Editing *{editing}*. Saving updates its card and clears any approval given so "
            "far.")}]}, *_filled(blocks, answers or RequestForm())]
    return {
        "type": "modal",
        "callback_id": ids.REQUEST_MODAL,
        "title": _plain("Edit request" if editing else "Record a paid order"),
        "submit": _plain("Save changes" if editing else "Submit for approval"),
        "close": _plain("Close" if editing else "Cancel"),
        "private_metadata": json.dumps(about),
        "blocks": blocks,
    }


def overlong_input(view: dict[str, Any]) -> str | None:
    """The label of an input whose initial value is longer than it may hold (Slack refuses
    the whole view), or None."""
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        initial, longest = element.get("initial_value"), element.get("max_length")
        if isinstance(initial, str) and longest is not None and len(initial) > longest:
            return str(block["label"]["text"])
    return None


def _filled(blocks: list[Block], answers: RequestForm) -> list[Block]:
    """The inputs showing `answers`: text as their initial value, a select's choice as its
    initial option when it still offers it (a payment method since removed is chosen anew)."""
    given = answers.model_dump()
    for block in blocks:
        value = given.get(block_field(str(block.get("block_id"))))
        element = block.get("element") or {}
        if block.get("type") != "input" or value is None or "action_id" not in element:
            continue
        if element["type"] == "static_select":
            chosen = [o for o in element["options"] if o["value"] == value]
            element.pop("initial_option", None)
            if chosen:
                element["initial_option"] = chosen[0]
        elif element["type"] in {"plain_text_input", "email_text_input", "number_input"}:
            element["initial_value"] = value
    return blocks


ITEMS_HINT = ('One per line: SKU x QTY · SKU x QTY @ PRICE for the price charged · '
              '"Name" x QTY @ PRICE for an item not in the catalog · '
              'SKU x QTY {Option: value; Other: value}')


def payment_proof_input(*, required: bool, editing: bool = False) -> Block:
    """Slack's file_input; the submission is checked again (commands/proof.py). It can't be
    filled in, so an edit that attaches nothing keeps the files the request has."""
    hint = f"A photo, screenshot or PDF of the payment; up to {MAX_PROOF_FILES} files"
    if editing:
        hint += "; attach none to keep the files already attached"
    return _input(FormField.PROOF, "Payment proof",
                  {"type": "file_input", "filetypes": list(PROOF_FILETYPES),
                   "max_files": MAX_PROOF_FILES},
                  optional=not required or editing, hint=hint)


def _storefront(storefronts: tuple[tuple[int, str], ...]) -> list[Block]:
    if len(storefronts) < 2:
        return []
    # A select shows at most 100 options of at most 75 characters (Block Kit).
    options = [_option(name[:75], str(channel_id)) for channel_id, name in storefronts[:100]]
    return [_input(FormField.STOREFRONT, "Storefront",
                   {"type": "static_select", "options": options,
                    "placeholder": _plain("Which storefront is this order for?")})]


def reject_modal(ref: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.REJECT_MODAL,
        "title": _plain("Reject request"),
        "submit": _plain("Reject"),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps({"ref": ref}),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"Rejecting *{ref}*."}},
            {"type": "input", "block_id": ids.REASON_BLOCK, "label": _plain("Reason"),
             "element": {"type": "plain_text_input", "action_id": ids.VALUE, "multiline": True,
                         "max_length": 2000}},
        ],
    }


def block_field(block_id: str) -> str:
    """The field a block is for: `items` and `items.3` (a block the bot rewrote) both say
    Items. Slack keeps typed input across views.update only for an unchanged block_id, so a
    block whose value the bot sets gets a new one each time."""
    return block_id.split(".", 1)[0]


def form_from_view(view: dict[str, Any]) -> RequestForm:
    """The answers of a submitted request modal, as text, whatever element carried them."""
    values = view.get("state", {}).get("values", {})
    fields = {field.value for field in FormField}
    answers: dict[str, Any] = {}
    for block_id, state in values.items():
        field = block_field(str(block_id))
        if field == FormField.PROOF and isinstance(state, dict):
            answers[field] = _files(state.get(ids.VALUE) or {})
        elif field in fields and isinstance(state, dict):
            answers[field] = _answer(state.get(ids.VALUE) or {})
    return RequestForm(**answers)


def _files(state: Any) -> tuple[Any, ...]:
    files = state.get("files") if isinstance(state, dict) else None
    return tuple(files) if isinstance(files, list) else ()


def errors_on_blocks(view: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """`errors` keyed by field, re-keyed by the block ids the view has now."""
    current = {block_field(str(b.get("block_id"))): str(b.get("block_id"))
               for b in view.get("blocks") or [] if b.get("type") == "input"}
    return {current.get(str(field), str(field)): message for field, message in errors.items()}


def _answer(state: dict[str, Any]) -> str | None:
    selected = state.get("selected_option")
    if selected:
        return str(selected.get("value"))
    value = state.get("value")
    return None if value is None else str(value)


def seen_edit(about: dict[str, Any]) -> datetime | None:
    """The request's last edit as an edit form's metadata recorded it; None: not edited."""
    return read_version(str(about.get("seen") or ""))


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
