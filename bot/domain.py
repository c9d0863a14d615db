"""Plain values and rules of the programme: no Telegram, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

# Bump when the consent text shown to members changes; every member row records the version
# they agreed to (UU PDP: keep proof of consent). The versions so far (README, "Data pribadi"):
#   2026-11  the first text: what is stored and why, who sees what, /profil to see and correct
#   2026-12  names /profil, /dataku (a copy of everything) and /hapusdata (deletion, which also
#            withdraws consent) in plain words
CONSENT_VERSION = "2026-12"

DEFAULT_LANGUAGE = "id"
SUPPORTED_LANGUAGES = ("id", "en")

# Indonesia's three zones (none keeps daylight saving), the only ones a cluster can be in:
# short name -> zone name, WIB first (the default).
CLUSTER_ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def cluster_zone(text: str) -> str:
    """The zone name for "WIB" or "Asia/Jakarta" (any case); InvalidInput for anything else."""
    wanted = text.strip().casefold()
    for short, zone in CLUSTER_ZONES.items():
        if wanted in (short.casefold(), zone.casefold()):
            return zone
    raise InvalidInput("unknown_timezone")


def zone_short_name(zone: str) -> str:
    """WIB, WITA or WIT for a cluster's zone (the zone itself if it is none of the three)."""
    return next((short for short, name in CLUSTER_ZONES.items() if name == zone), zone)


class Role(StrEnum):
    KETUA = "ketua"
    KOORDINATOR = "koordinator"


class AnnouncementKind(StrEnum):
    PELUANG = "peluang"  # peluang pasar: a buyer, an exhibition, a bazar
    PELATIHAN = "pelatihan"
    UMUM = "umum"


class AnswerChoice(StrEnum):
    """A member's one-tap answer to an announcement."""

    IKUT = "ikut"
    TIDAK = "tidak"
    TERTARIK = "tertarik"


class MemberStatus(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # waiting for the chair's approval
    REJECTED = "rejected"
    LEFT = "left"  # removed from the cluster by its chair or a koordinator (left_at is set)


@dataclass(frozen=True)
class ClusterInfo:
    id: int
    name: str
    kabupaten: str
    province: str
    commodity: str
    timezone: str
    invite_code: str
    requires_approval: bool


@dataclass(frozen=True)
class RoleScope:
    """One role grant: a chair of a cluster, or a koordinator of a cluster, kabupaten or all."""

    role: Role
    cluster_id: int | None = None
    kabupaten: str | None = None
    cluster_name: str | None = None

    @property
    def is_province_wide(self) -> bool:
        return self.role is Role.KOORDINATOR and self.cluster_id is None and self.kabupaten is None

    def covers(self, cluster: ClusterInfo) -> bool:
        """Whether this grant reaches the cluster."""
        if self.is_province_wide:
            return True
        if self.cluster_id is not None:
            return self.cluster_id == cluster.id
        return self.kabupaten is not None and _same_name(self.kabupaten, cluster.kabupaten)


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


@dataclass(frozen=True)
class MemberProfile:
    id: int
    telegram_user_id: int | None
    name: str
    business_name: str
    main_product: str
    phone: str | None
    cluster: ClusterInfo
    status: MemberStatus
    joined_at: datetime
    consent_at: datetime
    consent_version: str


@dataclass(frozen=True)
class Actor:
    """Who sent an update, resolved once per update: role, scope, language."""

    telegram_user_id: int
    language: str | None
    member: MemberProfile | None = None
    roles: tuple[RoleScope, ...] = field(default_factory=tuple)

    @property
    def is_koordinator(self) -> bool:
        return any(r.role is Role.KOORDINATOR for r in self.roles)

    @property
    def is_ketua(self) -> bool:
        return any(r.role is Role.KETUA for r in self.roles)

    @property
    def is_active_member(self) -> bool:
        return self.member is not None and self.member.status is MemberStatus.ACTIVE

    def can_manage(self, cluster: ClusterInfo) -> bool:
        """Chairs manage their own cluster; koordinator the clusters in their scope."""
        return any(r.covers(cluster) for r in self.roles)

    def can_create_cluster_in(self, kabupaten: str) -> bool:
        """Koordinator create clusters province-wide, or within their own kabupaten."""
        return any(
            r.is_province_wide
            or (r.role is Role.KOORDINATOR and r.kabupaten and _same_name(r.kabupaten, kabupaten))
            for r in self.roles
        )

    def coordinates(self, cluster: ClusterInfo) -> bool:
        """A koordinator whose scope reaches the cluster (a chair does not)."""
        return any(r.role is Role.KOORDINATOR and r.covers(cluster) for r in self.roles)

    def can_appoint_chairs(self) -> bool:
        return self.is_koordinator


@dataclass(frozen=True)
class Sender:
    """Who an announcement is from, as members read it: a name (where the author is also a
    member) and the role it is sent in, with its cluster or kabupaten (None: province-wide)."""

    name: str | None
    role: Role
    place: str | None = None
    # The place is a kabupaten/kota (False: a cluster's name, for a koordinator of one cluster).
    region: bool = True


@dataclass(frozen=True)
class Recipient:
    """Someone the bot writes to on its own initiative, in their language."""

    telegram_user_id: int
    language: str | None


class DomainError(Exception):
    """A rule said no; handlers turn it into a translated message."""


class NotAllowed(DomainError):
    """The actor's role or scope does not allow this."""


class NotFound(DomainError):
    """The thing asked for does not exist (any more)."""


class StaleAction(DomainError):
    """A button or step that no longer applies (an old message, a finished flow)."""


class AlreadyDone(StaleAction):
    """The action was claimed already (a double press, another chair, a second instance);
    `what` names it, so the second press is told what happened instead of "no longer valid";
    `names` fill the sentence (a member's name, a cluster's)."""

    def __init__(self, what: str, **names: str) -> None:
        super().__init__(what)
        self.what = what
        self.names = names


@dataclass
class InvalidInput(DomainError):
    """What the person typed cannot be used; `reason` picks the message shown."""

    reason: str

    def __post_init__(self) -> None:
        super().__init__(self.reason)


@dataclass
class TooLong(InvalidInput):
    """A text is longer than Telegram lets the bot send it: `limit` characters, `given` written."""

    limit: int = 0
    given: int = 0


class UnknownKabupaten(DomainError):
    """No cluster is in that kabupaten/kota; `known` are those that have one."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known


class NotRegistered(DomainError):
    """The sender is not a member of any cluster (yet): point them to /daftar."""


class MemberNotActive(DomainError):
    """The member may not do this until the chair accepts them (or they were rejected)."""

    def __init__(self, status: MemberStatus) -> None:
        super().__init__(status.value)
        self.status = status
