"""Copy rows into plain domain values, so no live ORM object leaves a service."""

from __future__ import annotations

from bot.domain import ClusterInfo, MemberProfile, MemberStatus, Role, RoleScope
from db.models import Cluster, Member, RoleGrant


def cluster_info(cluster: Cluster) -> ClusterInfo:
    return ClusterInfo(
        id=cluster.id,
        name=cluster.name,
        kabupaten=cluster.kabupaten,
        province=cluster.province,
        commodity=cluster.commodity,
        timezone=cluster.timezone,
        invite_code=cluster.invite_code,
        requires_approval=cluster.requires_approval,
    )


def member_profile(member: Member) -> MemberProfile:
    return MemberProfile(
        id=member.id,
        telegram_user_id=member.telegram_user_id,
        name=member.name or "",
        business_name=member.business_name or "",
        main_product=member.main_product or "",
        phone=member.phone,
        cluster=cluster_info(member.cluster),
        status=MemberStatus(member.status),
        joined_at=member.joined_at,
        consent_at=member.consent_at,
        consent_version=member.consent_version,
    )


def role_scope(grant: RoleGrant, cluster_name: str | None = None) -> RoleScope:
    return RoleScope(
        role=Role(grant.role),
        cluster_id=grant.cluster_id,
        kabupaten=grant.kabupaten,
        cluster_name=cluster_name,
    )
