"""Clusters: creation, lookup, invite codes, member lists within a role's scope."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from bot.domain import (
    Actor,
    ClusterInfo,
    DomainError,
    InvalidInput,
    MemberProfile,
    NotAllowed,
    NotFound,
    cluster_zone,
)
from bot.services.converters import cluster_info, member_profile
from bot.services.text_fields import CLUSTER_NAME_MAX, PLACE_MAX, clean_text
from db.models import Cluster
from db.uow import UnitOfWork

# Deep-link parameters allow A-Z a-z 0-9 _ - (64 max). We leave out look-alikes (0/O, 1/l/I)
# because chairs read codes aloud and copy them by hand.
INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
INVITE_LENGTH = 8
_INVITE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# Above this many clusters, people pick a kabupaten first: 133 buttons fit no phone screen.
DIRECT_CHOICE_LIMIT = 12


def new_invite_code() -> str:
    """A random, unguessable invite code that is valid in a t.me deep link."""
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def is_well_formed_invite(code: str) -> bool:
    """Whether the text could be an invite code at all (Telegram's deep-link alphabet)."""
    return bool(_INVITE_PATTERN.match(code))


def invite_link(bot_username: str, cluster: ClusterInfo) -> str:
    """The t.me link that opens the bot and starts registration into the cluster."""
    return f"https://t.me/{bot_username}?start={cluster.invite_code}"


async def create_cluster(
    uow: UnitOfWork,
    *,
    name: str,
    kabupaten: str,
    commodity: str,
    timezone: str = "Asia/Jakarta",
    requires_approval: bool = False,
    province: str = "Jawa Tengah",
    actor: Actor | None = None,
) -> ClusterInfo:
    """Create a cluster (operator from the CLI when actor is None, else a koordinator)."""
    name = clean_text(name, max_length=CLUSTER_NAME_MAX)
    kabupaten = clean_text(kabupaten, max_length=PLACE_MAX)
    commodity = clean_text(commodity, max_length=PLACE_MAX)
    timezone = cluster_zone(timezone)  # WIB, WITA or WIT; reminders and summaries run by it
    if actor is not None and not actor.can_create_cluster_in(kabupaten):
        raise NotAllowed("create_cluster")
    if await uow.clusters.name_taken(name):
        raise InvalidInput("cluster_name_taken")
    code = new_invite_code()
    while await uow.clusters.by_invite_code(code) is not None:
        code = new_invite_code()
    cluster = await uow.clusters.add(
        Cluster(
            name=name,
            kabupaten=kabupaten,
            commodity=commodity,
            timezone=timezone,
            requires_approval=requires_approval,
            province=province,
            invite_code=code,
        )
    )
    await uow.audit.record(
        "cluster.create",
        actor=actor.telegram_user_id if actor else None,
        subject=name,
        cluster_id=cluster.id,
        kabupaten=kabupaten,
    )
    await uow.commit()
    return cluster_info(cluster)


@dataclass(frozen=True)
class ZoneChange:
    """A cluster's zone before and after a change (the same when nothing changed)."""

    cluster: ClusterInfo
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


async def zone_choice(uow: UnitOfWork, actor: Actor, cluster_id: int) -> ClusterInfo:
    """The cluster whose zone a koordinator in scope may change (a chair may not)."""
    cluster = await cluster_by_id(uow, cluster_id)
    if not actor.coordinates(cluster):
        raise NotAllowed("cluster_scope")
    return cluster


async def change_zone(uow: UnitOfWork, cluster_id: int, zone: str, *, actor: Actor | None = None) -> ZoneChange:
    """Move a cluster to WIB, WITA or WIT (operator when actor is None, else a koordinator in
    scope); audited. Reminders and summaries follow from their next run."""
    zone = cluster_zone(zone)
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        raise NotFound("cluster")
    if actor is not None and not actor.coordinates(cluster_info(cluster)):
        raise NotAllowed("cluster_scope")
    old = cluster.timezone
    if old != zone:
        cluster.timezone = zone
        await uow.audit.record(
            "cluster.zone",
            actor=actor.telegram_user_id if actor else None,
            subject=cluster.name,
            cluster_id=cluster.id,
            old=old,
            new=zone,
        )
        await uow.commit()
    return ZoneChange(cluster_info(cluster), old, zone)


async def all_clusters(uow: UnitOfWork) -> list[ClusterInfo]:
    """Every cluster, by name."""
    return [cluster_info(c) for c in await uow.clusters.all()]


async def find_cluster(
    uow: UnitOfWork, name_or_code: str, *, partial_for: Actor | None = None
) -> ClusterInfo:
    """A cluster by its invite code or (case-insensitive) name; with `partial_for`, also by any
    part of its name ("simbang kulon" finds "Batik Simbang Kulon") among the clusters that
    actor manages (other names are never revealed). Several matches: AmbiguousCluster."""
    cluster = await uow.clusters.by_name_or_code(name_or_code)
    if cluster is not None:
        return cluster_info(cluster)
    words = " ".join(name_or_code.split()).casefold().split()
    if partial_for is None or not words:
        raise NotFound("cluster")
    found = tuple(
        c for c in (cluster_info(x) for x in await uow.clusters.all())
        if partial_for.can_manage(c) and all(w in c.name.casefold() for w in words)
    )
    if not found:
        raise NotFound("cluster")
    if len(found) > 1:
        raise AmbiguousCluster(" ".join(name_or_code.split()), found)
    return found[0]


async def cluster_by_id(uow: UnitOfWork, cluster_id: int) -> ClusterInfo:
    """A cluster by id, or NotFound (a stale button may name a deleted one)."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        raise NotFound("cluster")
    return cluster_info(cluster)


class AmbiguousCluster(DomainError):
    """A part of a name that fits several clusters: `candidates` to choose from."""

    def __init__(self, text: str, candidates: tuple[ClusterInfo, ...]) -> None:
        super().__init__(text)
        self.text = text
        self.candidates = candidates


@dataclass(frozen=True)
class ClusterChoices:
    """What to show as buttons: kabupaten first when there are many clusters."""

    kabupaten: tuple[str, ...] = ()
    clusters: tuple[ClusterInfo, ...] = ()
    # True when the clusters are those of one chosen kabupaten (offer a way back).
    narrowed: bool = False
    # Which kabupaten they are (its place in `kabupaten` order), and the page of the picker:
    # Telegram takes at most 100 buttons, a province can have more clusters than that.
    kabupaten_index: int | None = None
    page: int = 0


async def cluster_choices(
    uow: UnitOfWork, actor: Actor | None = None, *, kabupaten_index: int | None = None, page: int = 0
) -> ClusterChoices:
    """Clusters to pick from: all (registration) or those in the actor's scope; `page` is the
    page of the picker to show (the keyboard cuts it)."""
    clusters = [cluster_info(c) for c in await uow.clusters.all()]
    if actor is not None:
        clusters = [c for c in clusters if actor.can_manage(c)]
    names = sorted({c.kabupaten for c in clusters}, key=str.casefold)
    if kabupaten_index is not None:
        if not 0 <= kabupaten_index < len(names):
            raise NotFound("kabupaten")
        chosen = names[kabupaten_index]
        return ClusterChoices(
            clusters=tuple(c for c in clusters if c.kabupaten == chosen), narrowed=True,
            kabupaten_index=kabupaten_index, page=page,
        )
    if len(clusters) > DIRECT_CHOICE_LIMIT and len(names) > 1:
        return ClusterChoices(kabupaten=tuple(names), page=page)
    return ClusterChoices(clusters=tuple(clusters), page=page)


async def managed_cluster(uow: UnitOfWork, actor: Actor, cluster_id: int) -> ClusterInfo:
    """A cluster the actor may manage; NotAllowed otherwise (never reveal others)."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        raise NotFound("cluster")
    info = cluster_info(cluster)
    if not actor.can_manage(info):
        raise NotAllowed("cluster_scope")
    return info


async def default_managed_cluster(uow: UnitOfWork, actor: Actor) -> ClusterInfo | None:
    """The one cluster a chair (or narrowly scoped koordinator) manages, when unambiguous."""
    choices = await cluster_choices(uow, actor)
    if not choices.kabupaten and len(choices.clusters) == 1:
        return choices.clusters[0]
    if not actor.roles:
        raise NotAllowed("no_role")
    if not choices.kabupaten and not choices.clusters:
        raise NotFound("no_clusters_in_scope")
    return None


async def members_of(uow: UnitOfWork, actor: Actor, cluster_id: int) -> list[MemberProfile]:
    """A cluster's members with their status, for its chair or a koordinator in scope."""
    await managed_cluster(uow, actor, cluster_id)
    return [member_profile(m) for m in await uow.members.of_cluster(cluster_id)]
