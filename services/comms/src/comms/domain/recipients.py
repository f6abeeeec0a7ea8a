"""Who an email goes to, with which names, and who a mass email must skip (with the reason)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .templates import format_amount

SKIP_NO_EMAIL = "no email address"
SKIP_OPTED_OUT = "opted out of email"
SKIP_DORMANT = "dormant customer (automated sends are not made to dormant customers)"
SKIP_UNKNOWN = "no such customer"
SKIP_REMOVED = "customer deleted"
SKIP_MERGED = "merged into a customer already among the recipients"


@dataclass(frozen=True)
class Person:
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    preferences: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CustomerView:
    """What the rules need of a customer: its own fields and its primary contact, if any."""

    id: str
    display_name: str | None
    status: str
    person: Person  # the customer's own name, email and preferences
    primary_contact: Person | None = None
    address_line_1: str | None = None
    address_line_2: str | None = None
    town: str | None = None
    postcode: str | None = None
    accounts_ref: str | None = None
    balance: Decimal | None = None


@dataclass(frozen=True)
class Recipient:
    address: str | None
    title: str | None
    first_name: str | None
    last_name: str | None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


def recipient_of(customer: CustomerView) -> Recipient:
    """The primary contact drives emails: its address and names; the customer's fill the gaps."""
    contact = customer.primary_contact or Person()
    own = customer.person
    return Recipient(
        address=(contact.email or own.email or None),
        title=contact.title or own.title,
        first_name=contact.first_name or own.first_name,
        last_name=contact.last_name or own.last_name,
    )


def opted_out(customer: CustomerView) -> bool:
    """Opted out when the customer, or the primary contact the email goes to, says email: false."""
    if customer.person.preferences.get("email") is False:
        return True
    contact = customer.primary_contact
    return contact is not None and contact.preferences.get("email") is False


def skip_reason(customer: CustomerView, *, automated: bool) -> str | None:
    """Why a bulk send must not go to this customer; None when it may."""
    if not recipient_of(customer).address:
        return SKIP_NO_EMAIL
    if opted_out(customer):
        return SKIP_OPTED_OUT
    if automated and customer.status == "dormant":
        return SKIP_DORMANT
    return None


def placeholder_values(customer: CustomerView) -> dict[str, str | None]:
    r = recipient_of(customer)
    return {
        "title": r.title,
        "first_name": r.first_name,
        "last_name": r.last_name,
        "surname": r.last_name,
        "full_name": r.name,
        "email": r.address,
        "customer_name": customer.display_name,
        "customer_address_line_1": customer.address_line_1,
        "customer_address_line_2": customer.address_line_2,
        "customer_town": customer.town,
        "customer_postcode": customer.postcode,
        "accounts_ref": customer.accounts_ref,
        "balance": format_amount(customer.balance),
    }
