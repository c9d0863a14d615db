"""Plain values of market access (requests with quantities, pledges, allocation, follow-ups and
the "Peluang pasar" figures), shared by bot.services.requests and the renderers in
bot.messages.requests. No Telegram, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.dates import Month
from bot.domain import Sender  # who sent a request, as for announcements


class RequestStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALLOCATED = "allocated"


class DealAnswer(StrEnum):
    """The author's answer to "Jadi transaksi?"."""

    DEAL = "deal"
    NEGO = "nego"
    NO = "no"
    DECLINED = "declined"  # "Tidak mau menjawab"


@dataclass(frozen=True)
class RequestView:
    """A request as its readers see it; id 0 is the author's preview."""

    id: int
    product: str
    details: str
    quantity: int
    unit: str
    deadline: date
    place: str
    sender: Sender | None
    price_per_unit: int | None = None
    requirements: str | None = None
    photo: str | None = None
    status: RequestStatus = RequestStatus.OPEN
    zone: str = "Asia/Jakarta"
    cluster_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fill:
    """How far a request is pledged: never whose pledges."""

    pledged: int
    pledgers: int


@dataclass(frozen=True)
class PledgeOffer:
    """What a member sees after "Sanggup": the amounts to choose, the total so far, their own."""

    request: RequestView
    fill: Fill
    choices: tuple[int, ...]
    mine: int | None
    phone_missing: bool


@dataclass(frozen=True)
class Pledged:
    """A member's pledge saved (new, changed, or withdrawn when quantity is None)."""

    request: RequestView
    quantity: int | None
    ready_by: date | None
    fill: Fill
    changed: bool
    phone_missing: bool


@dataclass(frozen=True)
class PledgeLine:
    """One pledge in the author's list (only from clusters the author manages now)."""

    number: int
    pledge_id: int
    name: str
    business: str
    phone: str | None
    quantity: int
    ready_by: date | None
    allocated: int | None = None
    confirmation: str | None = None


@dataclass(frozen=True)
class AuthorView:
    """The author's view of a request: its fill and the pledges they may read."""

    request: RequestView
    fill: Fill
    lines: tuple[PledgeLine, ...]


@dataclass(frozen=True)
class Proposal:
    """An allocation being prepared: a part for each pledge, within it."""

    request: RequestView
    lines: tuple[PledgeLine, ...]  # allocated = the proposed part

    @property
    def total(self) -> int:
        return sum(line.allocated or 0 for line in self.lines)


@dataclass(frozen=True)
class Allocated:
    request: RequestView
    members: int
    total: int


@dataclass(frozen=True)
class Part:
    """A member's confirmed (or declined) part of an allocated request."""

    request: RequestView
    quantity: int
    accepted: bool


@dataclass(frozen=True)
class FollowUpSubject:
    """What a follow-up asks about: a request, or a plain *peluang pasar* (its first words)."""

    title: str
    request_id: int | None = None
    announcement_id: int | None = None
    quantity: int | None = None
    unit: str | None = None
    allocated: int | None = None


@dataclass(frozen=True)
class FollowUpAnswered:
    subject: FollowUpSubject
    role: str
    answer: str
    value: int | None = None
    delivered: int | None = None


@dataclass(frozen=True)
class PaidThrough:
    """A month's payment through a request or opportunity whose place in the omzet is unknown."""

    followup_id: int
    title: str
    paid: int


@dataclass(frozen=True)
class UnitTotal:
    unit: str
    quantity: int


@dataclass(frozen=True)
class MarketFigures:
    """A cluster's "Peluang pasar" month. Sums over members are None under the small-numbers
    rule (fewer than MIN_REPORTERS members behind them); counts of requests and members are
    always shown."""

    cluster_id: int
    title: str
    month: Month
    requests: int
    reached: int
    pledgers: int
    pledged: tuple[UnitTotal, ...] | None
    allocated_members: int
    allocated: tuple[UnitTotal, ...] | None
    answered_members: int
    delivered: tuple[UnitTotal, ...] | None
    paid: int | None
    paid_in_omzet: int | None
    deals: int
    deal_value: int | None
    published: bool = True
    publishes_at: datetime | None = None
    zone: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def active(self) -> bool:
        """Whether anything happened in the cluster's market that month (else nothing is shown)."""
        return bool(self.requests or self.pledgers or self.allocated_members or self.answered_members or self.deals)
