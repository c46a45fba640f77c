"""Turning the modal's raw text into an `OrderRequest`, or into plain-words errors per field."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pycountry

from commands.form_text import multiline_problem, single_line_problem
from commands.items import ItemLine, parse_items
from commands.models import (
    AWAITING_FULFILLMENT,
    PAYMENT_METHODS,
    TARGET_STATUSES,
    TEXT_FIELDS,
    Address,
    FormField,
    LineItem,
    OrderRequest,
    RequestForm,
    TaxCharge,
)
from commands.order_lines import CatalogEntry, CatalogLookup, CatalogUnavailable, resolve_lines
from commands.proof import check_proof
from commands.transaction_key import KEY_LENGTH, transaction_key

__all__ = ["DEFAULT_TERMS", "CatalogEntry", "CatalogLookup", "CatalogUnavailable", "FormTerms",
           "validate_request"]

MAX_TEXT = 255
MAX_TRANSACTION_ID = 100
MAX_NOTES = 3000
MAX_AMOUNT = Decimal("10000000")
# Plain ASCII digits only, a dot for cents, commas only as thousands separators ("12,50" could
# mean 12.50 or 1250). Decimal() alone would also take 1e3, 12_000, NaN, "١٢" and "１２".
_AMOUNT = re.compile(r"(?P<minus>-)?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<cents>\d*))?", re.ASCII)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_RATE = re.compile(r"^(?P<rate>\d{1,3}(?:\.\d{1,4})?)\s*%$", re.ASCII)

Errors = dict[str, str]
PaymentBooked = Callable[[str, str], bool]
# The BigCommerce customer id for an email (0: none, a guest order); raises CatalogUnavailable.
CustomerLookup = Callable[[str], int]


@dataclass(frozen=True)
class FormTerms:
    """What the settings and the store decide about the form."""

    payment_methods: tuple[str, ...] = PAYMENT_METHODS
    tax_inclusive: bool = False  # /v2/store is_price_entered_with_tax
    # (channel id, name) of the active storefronts; with more than one the form asks which.
    storefronts: tuple[tuple[int, str], ...] = ()
    require_proof: bool = False  # PAIDORDER_REQUIRE_PROOF


DEFAULT_TERMS = FormTerms()


def validate_request(
    form: RequestForm, *, lookup: CatalogLookup, payment_booked: PaymentBooked,
    terms: FormTerms = DEFAULT_TERMS, customer: CustomerLookup | None = None,
) -> OrderRequest | Errors:
    """Check every field; return the request or `{field: message}` for each field that is wrong.

    Cheap checks run first so the catalog is only asked about a form that is otherwise sound
    enough to be worth it, and is asked once for every SKU of the request.
    """
    errors: Errors = {}
    text = {f: _clean(getattr(form, f.value)) for f in TEXT_FIELDS}

    _check_email(text[FormField.EMAIL], errors)
    for field, label in _REQUIRED_TEXT.items():
        _check_text(text[field], label, errors, field)
    _check_optional_text(text[FormField.PHONE], "Phone", errors, FormField.PHONE, limit=50)
    country = _check_country(text[FormField.COUNTRY], errors)
    shipping = _money(text[FormField.SHIPPING_COST], "Shipping cost", errors,
                      FormField.SHIPPING_COST, required=False, allow_zero=True)
    paid = _money(text[FormField.AMOUNT_PAID], "Amount paid", errors, FormField.AMOUNT_PAID,
                  required=True, allow_zero=False)
    discount = _money(text[FormField.DISCOUNT], "Discount", errors, FormField.DISCOUNT,
                      required=False, allow_zero=True)
    tax = _check_tax(text[FormField.TAX], errors)
    channel_id = _check_storefront(text[FormField.STOREFRONT], terms, errors)
    method = _check_choice(text[FormField.PAYMENT_METHOD], terms.payment_methods,
                           "a payment method", errors, FormField.PAYMENT_METHOD)
    status_id = _check_status(text[FormField.ORDER_STATUS], errors)
    transaction_id = _check_transaction(text[FormField.TRANSACTION_ID], errors)
    notes = _check_notes(form.notes or "", errors)
    proof, proof_problem = check_proof(form.proof, required=terms.require_proof)
    if proof_problem:
        errors[FormField.PROOF] = proof_problem
    lines, problems = parse_items(form.items or "", _price)
    if problems:
        errors[FormField.ITEMS] = _join(problems)

    if method and transaction_id and payment_booked(method, transaction_id):
        errors[FormField.TRANSACTION_ID] = (
            f"Transaction ID {transaction_id} was already booked as a {method} payment."
        )
    items: tuple[LineItem, ...] = ()
    if lines and not problems:
        items = _resolve(lines, lookup, errors)
    shipping = shipping if shipping is not None else Decimal("0.00")
    if items:
        _check_discount_and_tax(items, shipping, discount, tax, terms, errors)
    customer_id = 0
    if customer is not None and not errors and text[FormField.EMAIL]:
        try:
            customer_id = customer(text[FormField.EMAIL])
        except CatalogUnavailable as exc:
            errors[FormField.EMAIL] = str(exc)
    if errors:
        return errors

    assert country and method and transaction_id and paid is not None and status_id is not None
    address = Address(
        first_name=text[FormField.FIRST_NAME] or "",
        last_name=text[FormField.LAST_NAME] or "",
        street_1=text[FormField.STREET] or "",
        city=text[FormField.CITY] or "",
        state=text[FormField.STATE] or "",
        zip=text[FormField.ZIP] or "",
        country=country.name,
        country_iso2=country.alpha_2,
        email=text[FormField.EMAIL] or "",
        phone=text[FormField.PHONE] or "",
    )
    return OrderRequest(
        customer_email=address.email,
        address=address,
        items=items,
        shipping_cost=shipping,
        discount=discount or Decimal("0.00"),
        tax=tax,
        tax_inclusive=terms.tax_inclusive,
        channel_id=channel_id,
        customer_id=customer_id if customer is not None else None,
        payment_method=method,
        transaction_id=transaction_id,
        amount_paid=paid,
        status_id=status_id,
        notes=notes,
        proof=proof,
    )


_REQUIRED_TEXT: dict[FormField, str] = {
    FormField.FIRST_NAME: "First name",
    FormField.LAST_NAME: "Last name",
    FormField.STREET: "Street address",
    FormField.CITY: "City",
    FormField.STATE: "State",
    FormField.ZIP: "ZIP / Postal code",
}


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _check_email(value: str | None, errors: Errors) -> None:
    if value is None:
        errors[FormField.EMAIL] = "Enter the customer's email address."
    elif len(value) > 254 or not value.isprintable() or not _EMAIL.match(value):
        errors[FormField.EMAIL] = "Enter a valid email address, like jane@example.com."


def _check_text(value: str | None, label: str, errors: Errors, field: FormField) -> None:
    if value is None:
        errors[field] = f"{label} is required."
    else:
        _check_optional_text(value, label, errors, field, limit=MAX_TEXT)


def _check_optional_text(
    value: str | None, label: str, errors: Errors, field: FormField, *, limit: int
) -> None:
    if value is None:
        return
    problem = single_line_problem(value, label)
    if len(value) > limit:
        errors[field] = f"{label} can be at most {limit} characters."
    elif problem:
        errors[field] = problem


def _check_notes(notes: str, errors: Errors) -> str:
    problem = multiline_problem(notes, "Notes")
    if len(notes) > MAX_NOTES:
        errors[FormField.NOTES] = f"Notes can be at most {MAX_NOTES:,} characters."
    elif problem:
        errors[FormField.NOTES] = problem
    return notes.strip()


def _check_country(value: str | None, errors: Errors):  # -> pycountry country | None
    if value is None:
        errors[FormField.COUNTRY] = "Country is required: a two-letter code such as US."
        return None
    country = pycountry.countries.get(alpha_2=value.upper()) if len(value) == 2 else None
    if country is None:
        errors[FormField.COUNTRY] = (
            f'"{value[:20]}" is not a two-letter country code (ISO 3166), such as US or GB.'
        )
    return country


def _money(
    value: str | None, label: str, errors: Errors, field: FormField, *,
    required: bool, allow_zero: bool,
) -> Decimal | None:
    if value is None:
        if required:
            errors[field] = f"{label} is required."
        return None
    amount, problem = _plain_amount(value, label, allow_zero=allow_zero)
    if amount is None:
        errors[field] = problem
        return None
    if amount >= MAX_AMOUNT:
        errors[field] = f"{label} is too large."
        return None
    return amount.quantize(Decimal("0.01"))


def _plain_amount(value: str, label: str, *, allow_zero: bool) -> tuple[Decimal | None, str]:
    """The amount in `value`, or None and what is wrong with it in plain words."""
    match = _AMOUNT.fullmatch(value) if len(value) <= 20 else None
    if match is None or not any(ch.isdigit() for ch in value):
        if any(ch.isdigit() and not ch.isascii() for ch in value):
            return None, f"{label} must be written with the digits 0-9, like 49.90."
        return None, f"{label} must be an amount like 49.90."
    if match["minus"]:
        return None, (f"{label} can't be negative." if allow_zero
                      else f"{label} must be more than 0.")
    if len(match["cents"] or "") > 2:
        return None, f"{label} can have at most 2 decimal places."
    amount = Decimal(value.replace(",", ""))
    if amount == 0 and not allow_zero:
        return None, f"{label} must be more than 0."
    return amount, ""


def _check_choice(
    value: str | None, choices: tuple[str, ...], what: str, errors: Errors, field: FormField
) -> str | None:
    if value in choices:
        return value
    errors[field] = f"Choose {what}."
    return None


def _check_status(value: str | None, errors: Errors) -> int | None:
    if value is None:
        return AWAITING_FULFILLMENT
    if value.isascii() and value.isdigit() and int(value) in TARGET_STATUSES:
        return int(value)
    errors[FormField.ORDER_STATUS] = "Choose Awaiting Fulfillment or Completed."
    return None


def _check_transaction(value: str | None, errors: Errors) -> str | None:
    if value is None:
        errors[FormField.TRANSACTION_ID] = "Transaction ID is required: the payment's reference."
    elif len(value) > MAX_TRANSACTION_ID or len(transaction_key(value)) > KEY_LENGTH:
        # The key can be longer than the id ("ﷺ" is 18 letters in NFKC); it must fit its column.
        errors[FormField.TRANSACTION_ID] = (
            f"Transaction ID can be at most {MAX_TRANSACTION_ID} characters."
        )
    elif problem := single_line_problem(value, "Transaction ID"):
        errors[FormField.TRANSACTION_ID] = problem
    else:
        return value
    return None


def _price(value: str) -> Decimal | None:
    """A unit price on an Items line: the same rule as every amount on the form."""
    errors: Errors = {}
    return _money(value, "Price", errors, FormField.ITEMS, required=True, allow_zero=True)


def _check_tax(value: str | None, errors: Errors) -> TaxCharge | None:
    if value is None:
        return None
    rate = _RATE.match(value)
    if rate:
        percent = Decimal(rate["rate"])
        if percent > 100:
            errors[FormField.TAX] = "A tax rate is from 0% to 100%."
            return None
        return TaxCharge(rate=percent)
    amount = _money(value, "Tax", errors, FormField.TAX, required=True, allow_zero=True)
    if amount is None:
        errors[FormField.TAX] = "Tax is a rate like 8.25% or an amount like 4.95."
        return None
    return TaxCharge(amount=amount)


def _check_storefront(value: str | None, terms: FormTerms, errors: Errors) -> int | None:
    if len(terms.storefronts) < 2:
        return None
    ids = {str(channel_id): channel_id for channel_id, _name in terms.storefronts}
    if value in ids:
        return ids[value]
    errors[FormField.STOREFRONT] = "Choose the storefront the order belongs to."
    return None


def _resolve(lines: list[ItemLine], lookup: CatalogLookup, errors: Errors
             ) -> tuple[LineItem, ...]:
    try:
        items, problems = resolve_lines(lines, lookup)
    except CatalogUnavailable as exc:
        errors[FormField.ITEMS] = str(exc)
        return ()
    if problems:
        errors[FormField.ITEMS] = _join(problems)
    return items


def _check_discount_and_tax(items: tuple[LineItem, ...], shipping: Decimal,
                            discount: Decimal | None, tax: TaxCharge | None, terms: FormTerms,
                            errors: Errors) -> None:
    subtotal = sum((item.line_total for item in items), Decimal("0"))
    # Each amount is capped, but 9,999 × 9,999,999.99 is not: BigCommerce would take an order
    # whose total the bot then can't store or read back.
    largest = subtotal + shipping + (tax.amount if tax and tax.amount is not None else 0)
    if tax and tax.rate is not None:
        largest += (subtotal + shipping) * tax.rate / 100
    if largest >= MAX_AMOUNT:
        errors[FormField.ITEMS] = (f"The order would come to more than {MAX_AMOUNT:,.2f}; "
                                   "split it into smaller requests.")
        return
    if discount is not None and discount > subtotal + shipping:
        errors[FormField.DISCOUNT] = "The discount can't be more than the items plus shipping."
        return
    base = subtotal - (discount or 0) + shipping
    if tax and tax.amount is not None and terms.tax_inclusive and tax.amount > base:
        errors[FormField.TAX] = ("On this store prices include tax: the tax can't be more than "
                                 "the order's total.")


def _join(problems: list[str], shown: int = 3) -> str:
    text = " ".join(problems[:shown])
    if len(problems) > shown:
        text += f" (and {len(problems) - shown} more)"
    return text
