"""What the koordinator's /ekspor holds: every cluster in scope by month, the ranking by their
criteria, their shortlist, and who exported what when (for the Keterangan sheet)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.dates import Month
from bot.domain import Actor, ClusterInfo, NotAllowed, NotFound, RoleScope
from bot.services import criteria, summaries
from bot.services.criteria import Ranking
from bot.services.summaries import DEFAULT_DEADLINE, Deadline, Figures
from db.uow import UnitOfWork

EXPORT_MONTHS = 12


@dataclass(frozen=True)
class ExportData:
    month: Month  # the last month in the file
    months: int
    clusters: dict[int, ClusterInfo]
    rows: tuple[Figures, ...]  # by kabupaten, cluster, then month
    ranking: Ranking
    exported_at: datetime
    exporter_id: int
    exporter_name: str | None  # the koordinator's name where they are also a member
    scopes: tuple[RoleScope, ...]
    # The reader's whole region (their kabupaten, or the programme) for the last month, where
    # their scope is one such region: its growth since joining by cohort.
    region: Figures | None = None


async def export_for(
    uow: UnitOfWork, actor: Actor, month: Month, now: datetime, deadline: Deadline = DEFAULT_DEADLINE,
    months: int = EXPORT_MONTHS,
) -> ExportData:
    """Everything /ekspor writes, read under the reader's current role; the export is audited."""
    if not actor.is_koordinator:
        raise NotAllowed("export")
    ranking = await criteria.ranking(uow, actor, month, now, deadline)
    rows = await summaries.export_rows(uow, actor, month, now, months, deadline)
    clusters = {c.id: c for c in await summaries.scope_clusters(uow, actor)}
    try:
        region = await summaries.region_figures(uow, actor, month, None, now, deadline)
    except (NotAllowed, NotFound):
        region = None  # several pieces of scope: no region of theirs alone (summaries._region_of)

    def order(f: Figures) -> tuple:
        c = clusters[f.cluster_id]
        return (" ".join(c.kabupaten.split()).casefold(), c.name.casefold(), f.month)

    return ExportData(
        month=month, months=months, clusters=clusters,
        rows=tuple(sorted((f for f in rows if f.cluster_id in clusters), key=order)),
        ranking=ranking, exported_at=now, exporter_id=actor.telegram_user_id,
        exporter_name=actor.member.name if actor.member is not None else None, scopes=actor.roles,
        region=region,
    )
