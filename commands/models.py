"""The domain's plain data: what a requester submits and what the bot keeps of it."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from commands.money import Figures, Tax, figures

# BigCommerce status ids (orders v2 spec, `GET /v2/order_statuses`). Names can be relabelled by the
# merchant, so the bot matches on ids and only shows names.
AWAITING_FULFILLMENT = 11
COMPLETED = 10
SHIPPED = 2
PARTIALLY_SHIPPED = 3
TARGET_STATUSES: dict[int, str] = {
    AWAITING_FULFILLMENT: "Awaiting Fulfillment",
    COMPLETED: "Completed",
}

PAYMENT_METHODS: tuple[str, ...] = (
    "Bank transfer",
    "Cash",
    "Card terminal",
    "Invoice",
    "Check",
    "Other",
)


class FormField(StrEnum):
    """The form's fields. Their values are the modal's input block ids, or start them when the
    bot has rewritten an input (`items.2`): bot/views.py `errors_on_blocks` puts an error
    keyed by field on the block the view has now."""

    EMAIL = "email"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    PHONE = "phone"
    STREET = "street"
    CITY = "city"
    STATE = "state"
    ZIP = "zip"
    COUNTRY = "country"
    ITEMS = "items"
    SHIPPING_COST = "shipping_cost"
    DISCOUNT = "discount"
    TAX = "tax"
    STOREFRONT = "storefront"
    PAYMENT_METHOD = "payment_method"
    TRANSACTION_ID = "transaction_id"
    AMOUNT_PAID = "amount_paid"
    ORDER_STATUS = "order_status"
    NOTES = "notes"
    PROOF = "proof"  # a file_input: files, not text


# The fields a requester types (or picks) text into.
TEXT_FIELDS: tuple[FormField, ...] = tuple(f for f in FormField if f is not FormField.PROOF)


class RequestForm(BaseModel):
    """The modal's raw answers, as text. Nothing here is trusted yet."""

    model_config = ConfigDict(frozen=True)

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    items: str | None = None
    shipping_cost: str | None = None
    discount: str | None = None
    tax: str | None = None
    storefront: str | None = None
    payment_method: str | None = None
    transaction_id: str | None = None
    amount_paid: str | None = None
    order_status: str | None = None
    notes: str | None = None
    # The Payment proof input's file objects, as the submitted view state carries them.
    proof: tuple[Any, ...] = ()


class ProofFile(BaseModel):
    """A Payment proof file as the request keeps it: Slack's file id, a name safe to show, its
    type, and the permalink people open it with ("" when Slack gave none fit to link)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    mimetype: str
    permalink: str = ""
    # The bot's copy in the card's thread, once made: the requester's own upload stays private
    # to them, the copy is open to everyone in the approval channel.
    shared_link: str = ""

    @property
    def link(self) -> str:
        """The link to show people: the shared copy, else the upload itself."""
        return self.shared_link or self.permalink


class Address(BaseModel):
    model_config = ConfigDict(frozen=True)

    first_name: str
    last_name: str
    street_1: str
    city: str
    state: str
    zip: str
    country: str
    country_iso2: str
    email: str
    phone: str = ""


class ChosenValue(BaseModel):
    """An option or modifier value of a line: sent as `product_options`, shown on the card."""

    model_config = ConfigDict(frozen=True)

    id: int  # the option or modifier id
    value: str  # the value id as a string, or the text of a text modifier
    name: str
    label: str


class LineItem(BaseModel):
    """One line, resolved against BigCommerce at submission time.

    A custom line (not in the catalog) has product_id 0 and no SKU; a catalog line keeps the
    storefront price it resolved to, so a price charged below or above it shows on the card.
    """

    model_config = ConfigDict(frozen=True)

    sku: str
    name: str
    product_id: int
    variant_id: int
    quantity: int
    unit_price: Decimal  # as charged
    catalog_price: Decimal | None = None
    options: tuple[ChosenValue, ...] = ()

    @property
    def custom(self) -> bool:
        return self.product_id == 0

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def negotiated(self) -> bool:
        return self.catalog_price is not None and self.unit_price != self.catalog_price


class TaxCharge(BaseModel):
    """The form's Tax: a rate in percent, or an amount."""

    model_config = ConfigDict(frozen=True)

    rate: Decimal | None = None
    amount: Decimal | None = None

    def as_tax(self) -> Tax:
        return Tax(rate=self.rate, amount=self.amount)


class OrderRequest(BaseModel):
    """A validated request, ready to be stored and shown for approval.

    What BigCommerce was asked at submission travels with it (`customer_id`, the resolved
    prices, the store's tax mode), so approving needs no second look-up.
    """

    model_config = ConfigDict(frozen=True)

    customer_email: str
    address: Address
    items: tuple[LineItem, ...] = Field(min_length=1)
    shipping_cost: Decimal
    payment_method: str
    transaction_id: str
    amount_paid: Decimal
    status_id: int
    notes: str = ""
    discount: Decimal = Decimal("0")
    tax: TaxCharge | None = None
    tax_inclusive: bool = False
    channel_id: int | None = None
    # The BigCommerce customer found by email at submission (0: a guest); None for requests
    # stored before the customer travelled with the request.
    customer_id: int | None = None
    # Empty for requests stored before the form took Payment proof.
    proof: tuple[ProofFile, ...] = ()

    @property
    def figures(self) -> Figures:
        return figures([item.line_total for item in self.items], discount=self.discount,
                       shipping=self.shipping_cost,
                       tax=self.tax.as_tax() if self.tax else None,
                       tax_inclusive=self.tax_inclusive)

    @property
    def total(self) -> Decimal:
        """What the order comes to: what the card shows and BigCommerce must hold."""
        return self.figures.total

    @property
    def amount_mismatch(self) -> Decimal:
        """Amount paid minus the total; zero when they agree."""
        return self.amount_paid - self.total


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"  # decided; the order is being created
    ORDERED = "ordered"  # the BigCommerce order exists
    REJECTED = "rejected"
    FAILED = "failed"  # BigCommerce refused the order; a person must look
    EXPIRED = "expired"  # nobody decided within PAIDORDER_EXPIRE_AFTER
    CANCELLED = "cancelled"  # its requester withdrew it before anyone decided


# A request in one of these states no longer holds its payment method and transaction id, so a
# new request may book them.
RELEASES_PAYMENT: tuple[RequestState, ...] = (RequestState.REJECTED, RequestState.EXPIRED,
                                              RequestState.CANCELLED)
