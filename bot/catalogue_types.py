"""The catalogue's plain values: the steps of its flows and what its renderers show."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    NAME = "name"
    PHOTO = "photo"
    KIND = "kind"
    UNIT = "unit"
    RETAIL = "retail"
    WHOLESALE = "wholesale"
    MIN_ORDER = "min_order"
    CAPACITY = "capacity"
    LEAD = "lead"
    CERTIFICATES = "certificates"


# Kinds offered as buttons (typing any other is still taken): batik by its making; other
# commodities by grade. (code on the button, what is stored)
BATIK_KINDS = (("tulis", "tulis"), ("cap", "cap"), ("kombinasi", "kombinasi"), ("printing", "printing"))
GRADES = (("a", "Grade A"), ("b", "Grade B"), ("c", "Grade C"))
# Certificates offered as toggle buttons (the typed list also knows SNI and BPOM).
CERTIFICATE_BUTTONS = ("batikmark", "pirt", "halal", "nib")


def is_batik(commodity: str | None) -> bool:
    return "batik" in (commodity or "").lower()


def kind_choices(commodity: str | None) -> tuple[tuple[str, str], ...]:
    """The kinds a member of this commodity picks from."""
    return BATIK_KINDS if is_batik(commodity) else GRADES


class AskStep(StrEnum):
    WHAT = "what"
    QUANTITY = "quantity"
    WHEN = "when"
    WHERE = "where"
    CONSENT = "consent"


class ReplyStep(StrEnum):
    MESSAGE = "message"


@dataclass(frozen=True)
class ProductView:
    """A product as its member or a buyer sees it."""

    id: int
    name: str
    kind: str | None
    unit: str
    retail_price: int | None
    wholesale_price: int | None
    min_order: int | None
    capacity_per_month: int | None
    lead_days: int | None
    certificates: dict[str, str]
    published: bool
    show_phone: bool
    photos: tuple[str, ...]
    business_name: str
    cluster_name: str
    kabupaten: str
    commodity: str
    # Only when the member chose to show it.
    phone: str | None = None


@dataclass(frozen=True)
class Shelf:
    """A member's products, and whether buyers may write to them."""

    products: tuple[ProductView, ...]
    enquiries_stopped: bool


@dataclass(frozen=True)
class Question:
    """The next question of the product flow."""

    step: Step
    product: ProductView
    commodity: str
    photos: int = 0
    # At the certificates step: the certificate just chosen by its button, whose number may be
    # typed next.
    pending_certificate: str | None = None


@dataclass(frozen=True)
class AskQuestion:
    step: AskStep
    product: ProductView


@dataclass(frozen=True)
class EnquiryFields:
    """A buyer's four answers."""

    id: int
    what: str
    quantity: int
    needed_by: str
    deliver_to: str


@dataclass(frozen=True)
class Contact:
    """What one side of an enquiry learns of the other once both agreed."""

    name: str
    business_name: str | None
    phone: str | None
    telegram_user_id: int | None
    username: str | None
