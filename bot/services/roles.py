"""Role grants and their scopes; every change goes to the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import (
    Actor,
    AlreadyDone,
    ClusterInfo,
    InvalidInput,
    MemberStatus,
    NotAllowed,
    NotFound,
    Role,
    StaleAction,
    UnknownKabupaten,
)
from bot.i18n import I18n
from bot.messages import people
from bot.services import notices
from bot.services.converters import cluster_info
from bot.services.text_fields import PLACE_MAX, clean_text
from db.models import RoleGrant
from db.uow import UnitOfWork


@dataclass(frozen=True)
class GrantRow:
    """One grant as the operator sees it in `klasterbot role list`."""

    telegram_user_id: int
    role: Role
    cluster_name: str | None
    kabupaten: str | None
    member_name: str | None


async def _scope_cluster(uow: UnitOfWork, cluster: str | None) -> ClusterInfo | None:
    if cluster is None:
        return None
    found = await uow.clusters.by_name_or_code(cluster)
    if found is None:
        raise NotFound("cluster")
    return cluster_info(found)


def _validate_scope(role: Role, cluster: ClusterInfo | None, kabupaten: str | None) -> None:
    if role is Role.KETUA and (cluster is None or kabupaten is not None):
        raise InvalidInput("ketua_needs_cluster")
    if cluster is not None and kabupaten is not None:
        raise InvalidInput("cluster_or_kabupaten")


async def _known_kabupaten(uow: UnitOfWork, kabupaten: str) -> str:
    """The kabupaten as its clusters spell it; a scope no cluster is in would silently reach
    nothing (a typo such as "Pekalonan"), so it is refused with the names that exist."""
    known = await uow.clusters.kabupaten_names()
    for name in known:
        if name.casefold() == kabupaten.casefold():
            return name
    raise UnknownKabupaten(kabupaten, tuple(sorted(known, key=str.casefold)))


async def grant_role(
    uow: UnitOfWork,
    telegram_user_id: int,
    role: Role,
    *,
    cluster: str | None = None,
    kabupaten: str | None = None,
    granted_by: int | None = None,
) -> bool:
    """Grant a role from the command line; False when the same grant already exists."""
    scope_cluster = await _scope_cluster(uow, cluster)
    if kabupaten is not None:
        kabupaten = clean_text(kabupaten, max_length=PLACE_MAX)
    _validate_scope(role, scope_cluster, kabupaten)
    if kabupaten is not None:
        kabupaten = await _known_kabupaten(uow, kabupaten)
    cluster_id = scope_cluster.id if scope_cluster else None
    if await uow.roles.find(telegram_user_id, role, cluster_id=cluster_id, kabupaten=kabupaten):
        return False
    await uow.roles.add(
        RoleGrant(
            telegram_user_id=telegram_user_id,
            role=role.value,
            cluster_id=cluster_id,
            kabupaten=kabupaten,
            granted_by=granted_by,
        )
    )
    await uow.audit.record(
        "role.grant",
        actor=granted_by,
        subject=str(telegram_user_id),
        role=role.value,
        cluster_id=cluster_id,
        kabupaten=kabupaten,
    )
    await uow.commit()
    return True


async def revoke_role(
    uow: UnitOfWork,
    telegram_user_id: int,
    role: Role,
    *,
    cluster: str | None = None,
    kabupaten: str | None = None,
    revoked_by: int | None = None,
) -> int:
    """Revoke matching grants; without a scope, every grant of that role. Returns how many."""
    scope_cluster = await _scope_cluster(uow, cluster)
    if scope_cluster is None and kabupaten is None:
        grants = [g for g in await uow.roles.of_user(telegram_user_id) if g.role == role.value]
    else:
        grants = list(
            await uow.roles.find(
                telegram_user_id,
                role,
                cluster_id=scope_cluster.id if scope_cluster else None,
                kabupaten=kabupaten,
            )
        )
    if not grants:
        raise NotFound("grant")
    await uow.roles.remove(grants)
    await uow.audit.record(
        "role.revoke",
        actor=revoked_by,
        subject=str(telegram_user_id),
        role=role.value,
        count=len(grants),
        cluster_id=scope_cluster.id if scope_cluster else None,
        kabupaten=kabupaten,
    )
    await uow.commit()
    return len(grants)


async def list_grants(uow: UnitOfWork) -> list[GrantRow]:
    """Every grant with the names an operator recognises."""
    rows = []
    for grant in await uow.roles.all():
        cluster = await uow.clusters.get(grant.cluster_id) if grant.cluster_id else None
        member = await uow.members.by_telegram_id(grant.telegram_user_id)
        rows.append(
            GrantRow(
                telegram_user_id=grant.telegram_user_id,
                role=Role(grant.role),
                cluster_name=cluster.name if cluster else None,
                kabupaten=grant.kabupaten,
                member_name=member.name if member else None,
            )
        )
    return rows


@dataclass(frozen=True)
class ChairCandidate:
    member_id: int
    telegram_user_id: int
    name: str
    business_name: str
    is_chair: bool


async def chair_candidates(
    uow: UnitOfWork, actor: Actor, cluster_id: int
) -> tuple[ClusterInfo, list[ChairCandidate]]:
    """Active members of a cluster in scope, marking who chairs it."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        raise NotFound("cluster")
    info = cluster_info(cluster)
    if not actor.is_koordinator or not actor.can_manage(info):
        raise NotAllowed("appoint_chair")
    chairs = set(await uow.roles.chairs_of(cluster_id))
    candidates = [
        ChairCandidate(
            member_id=m.id,
            telegram_user_id=m.telegram_user_id,
            name=m.name or "",
            business_name=m.business_name or "",
            is_chair=m.telegram_user_id in chairs,
        )
        for m in await uow.members.of_cluster(cluster_id)
        if m.status == MemberStatus.ACTIVE and m.telegram_user_id is not None
    ]
    return info, candidates


@dataclass(frozen=True)
class ChairChange:
    cluster: ClusterInfo
    member_name: str
    telegram_user_id: int
    appointed: bool


async def set_chair(
    uow: UnitOfWork, actor: Actor, cluster_id: int, member_id: int, *, appoint: bool, now: datetime, i18n: I18n
) -> ChairChange:
    """A koordinator appoints (or removes) a member as the chair of a cluster in scope; the
    member is told through the outbox, in this transaction."""
    cluster = await uow.clusters.get(cluster_id)
    member = await uow.members.get(member_id)
    if cluster is None or member is None or member.telegram_user_id is None:
        raise StaleAction("chair_target")
    info = cluster_info(cluster)
    if not actor.is_koordinator or not actor.can_manage(info):
        raise NotAllowed("appoint_chair")
    if member.cluster_id != cluster_id or member.status != MemberStatus.ACTIVE:
        raise StaleAction("chair_target")
    # The insert (decided by the unique chair index) or the delete is the claim: a second
    # press, or a second instance at the same moment, changes nothing and is told so.
    if appoint:
        changed = await uow.roles.add_chair(member.telegram_user_id, cluster_id, granted_by=actor.telegram_user_id)
    else:
        changed = await uow.roles.remove_chair(member.telegram_user_id, cluster_id)
    if not changed:
        raise AlreadyDone("chair_appointed" if appoint else "chair_removed", nama=member.name or "", klaster=info.name)
    await uow.audit.record(
        "role.grant" if appoint else "role.revoke",
        actor=actor.telegram_user_id,
        subject=str(member.telegram_user_id),
        role=Role.KETUA.value,
        cluster_id=cluster_id,
    )
    user = await uow.users.get(member.telegram_user_id)
    note = people.chair_change(i18n.translator(user.language if user else None), info.name, appoint)
    key = f"chair:{cluster_id}:{member.telegram_user_id}:{'set' if appoint else 'unset'}:{now.isoformat()}"
    await notices.enqueue(uow, [notices.Notice("chair_change", key, member.telegram_user_id, note)], now)
    await uow.commit()
    return ChairChange(info, member.name or "", member.telegram_user_id, appoint)
