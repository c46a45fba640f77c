"""The domain's plain data: what a requester submits and what the bot keeps of it."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

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
    """The form's fields. Their values double as the modal's input block ids, so an error found
    here lands on the block it is about without a mapping table."""

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
    PAYMENT_METHOD = "payment_method"
    TRANSACTION_ID = "transaction_id"
    AMOUNT_PAID = "amount_paid"
    ORDER_STATUS = "order_status"
    NOTES = "notes"


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
    payment_method: str | None = None
    transaction_id: str | None = None
    amount_paid: str | None = None
    order_status: str | None = None
    notes: str | None = None


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


class LineItem(BaseModel):
    """One catalog line, resolved against BigCommerce at submission time."""

    model_config = ConfigDict(frozen=True)

    sku: str
    name: str
    product_id: int
    variant_id: int
    quantity: int
    unit_price: Decimal

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class OrderRequest(BaseModel):
    """A validated request, ready to be stored and shown for approval."""

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

    @property
    def catalog_total(self) -> Decimal:
        return sum((item.line_total for item in self.items), Decimal("0")) + self.shipping_cost

    @property
    def amount_mismatch(self) -> Decimal:
        """Amount paid minus catalog total; zero when they agree."""
        return self.amount_paid - self.catalog_total


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"  # decided; the order is being created
    ORDERED = "ordered"  # the BigCommerce order exists
    REJECTED = "rejected"
    FAILED = "failed"  # BigCommerce refused the order; a person must look
