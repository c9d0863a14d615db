"""Agreed criteria to choose the clusters to develop, the ranking by them, and the shortlist.

A koordinator saves a set of criteria with weights under a name (`Pilihan 2027: tumbuh 40,
tren6 20, lapor 20, pasar 20`); saving under a name that exists adds the next version, and
every koordinator sees and may use every set. `/ringkasan banding` ranks the clusters in the
reader's scope by the set they use:

- each criterion's value per cluster, from published figures only (so the small-numbers rule
  of bot.services.summaries holds: a money criterion of a cluster with fewer than 5 reporters
  has no value) and from counts;
- each value scored 0-100 against the clusters compared (min-max: the lowest value 0, the
  highest 100; all equal: 100 for everyone);
- the total score the weighted mean of the scores;
- a cluster without a value for some weighted criterion is not ranked but listed as "data
  belum cukup" with the criteria it lacks: a missing figure is never read as zero.

A koordinator keeps a shortlist of 3 to 5 clusters with a note each; it shows only the clusters
their role reaches at the moment of reading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from bot.dates import Month
from bot.domain import (
    Actor,
    AlreadyDone,
    ClusterInfo,
    InvalidInput,
    NotAllowed,
    NotFound,
    StaleAction,
)
from bot.flows import Flow
from bot.services import summaries
from bot.services.converters import cluster_info
from bot.services.summaries import DEFAULT_DEADLINE, Deadline, Figures
from bot.services.text_fields import clean_text
from db import criteria_queries as cq
from db.models import CriteriaSet
from db.summary_queries import month_bounds
from db.uow import UnitOfWork


class Criterion(StrEnum):
    """What a cluster can be ranked by; the value is the code a koordinator types."""

    GROWTH = "tumbuh"  # growth since joining, in the month ranked
    TREND3 = "tren3"  # change of the cluster's median omzet over 3 months
    TREND6 = "tren6"  # ... over 6 months
    REPORTING = "lapor"  # reporting rate in the month ranked
    CONSISTENCY = "konsisten"  # mean reporting rate over the 6 months up to it
    MEMBERS = "anggota"  # members in the month ranked
    TRAINING = "pelatihan"  # share of training invitations (6 months) answered "Ikut"
    MARKET = "pasar"  # share of market opportunities (6 months) answered "Saya tertarik"


CRITERIA: tuple[Criterion, ...] = tuple(Criterion)
# Criteria read from money figures: no value where the small-numbers rule hides them.
MONEY_CRITERIA = frozenset({Criterion.GROWTH, Criterion.TREND3, Criterion.TREND6})

# Other words people use for the same criterion (folded, spaces removed).
_ALIASES = {
    "tumbuh": Criterion.GROWTH, "pertumbuhan": Criterion.GROWTH, "growth": Criterion.GROWTH,
    "tren3": Criterion.TREND3, "tren3bulan": Criterion.TREND3, "trend3": Criterion.TREND3,
    "tren6": Criterion.TREND6, "tren6bulan": Criterion.TREND6, "trend6": Criterion.TREND6,
    "lapor": Criterion.REPORTING, "pelaporan": Criterion.REPORTING, "reporting": Criterion.REPORTING,
    "konsisten": Criterion.CONSISTENCY, "konsistensi": Criterion.CONSISTENCY, "consistency": Criterion.CONSISTENCY,
    "anggota": Criterion.MEMBERS, "members": Criterion.MEMBERS,
    "pelatihan": Criterion.TRAINING, "hadir": Criterion.TRAINING, "training": Criterion.TRAINING,
    "pasar": Criterion.MARKET, "peluang": Criterion.MARKET, "peluangpasar": Criterion.MARKET, "market": Criterion.MARKET,
}

# The months behind the criteria that look back: consistency, trainings and market answers.
LOOKBACK_MONTHS = 6
# Consistency needs this many of those months with members, or it says nothing.
CONSISTENCY_MIN_MONTHS = 3
WEIGHT_MAX = 100
NAME_MAX = 60
NOTE_MAX = 500
SHORTLIST_MIN, SHORTLIST_MAX = 3, 5

# Used until koordinator agree on a set of their own (id 0: it is not stored).
DEFAULT_WEIGHTS: tuple[tuple[Criterion, int], ...] = (
    (Criterion.GROWTH, 30), (Criterion.TREND6, 20), (Criterion.REPORTING, 20),
    (Criterion.CONSISTENCY, 10), (Criterion.MEMBERS, 10), (Criterion.MARKET, 10),
)
DEFAULT_SET_ID = 0


class Step(StrEnum):
    DEFINE = "define"  # typing a name and weights
    NOTE = "note"  # typing the note of a shortlisted cluster


FLOW = Flow("criteria", Step, stale="criteria_step")


@dataclass(frozen=True)
class CriteriaSetInfo:
    id: int  # DEFAULT_SET_ID for the built-in set
    name: str
    version: int
    weights: tuple[tuple[Criterion, int], ...]
    created_at: datetime | None = None
    mine: bool = False

    @property
    def is_default(self) -> bool:
        return self.id == DEFAULT_SET_ID

    @property
    def weighted(self) -> tuple[Criterion, ...]:
        return tuple(c for c, w in self.weights if w > 0)


DEFAULT_SET = CriteriaSetInfo(DEFAULT_SET_ID, "", 0, DEFAULT_WEIGHTS)


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def parse_criteria(text: str) -> tuple[str, tuple[tuple[Criterion, int], ...]]:
    """"Pilihan 2027: tumbuh 40, tren6 20, lapor 20" -> (name, weights in CRITERIA order).

    InvalidInput: no name (criteria_name), an unknown criterion (criteria_unknown), a weight
    that is no whole number 0-100 or a criterion twice (criteria_weight), all weights 0."""
    name, colon, rest = (text or "").partition(":")
    if not colon:
        raise InvalidInput("criteria_format")
    name = " ".join(name.split())
    if len(name) < 2:
        raise InvalidInput("criteria_name")
    if len(name) > NAME_MAX:
        raise InvalidInput("too_long")
    weights: dict[Criterion, int] = {}
    items = [item.strip() for item in re.split(r"[,;\n]+", rest) if item.strip()]
    if not items:
        raise InvalidInput("criteria_format")
    for item in items:
        # The shortest label that leaves a weight: "tren6 20", "tren 3 bulan: 10", "lapor=20%".
        match = re.fullmatch(r"(?P<label>.+?)\s*[=:]?\s*(?P<w>\d{1,3})\s*%?", item.casefold())
        if match is None:
            raise InvalidInput("criteria_weight")
        code = re.sub(r"\s+", "", match["label"])
        criterion = _ALIASES.get(code)
        if criterion is None:
            raise InvalidInput("criteria_unknown")
        weight = int(match["w"])
        if criterion in weights or weight > WEIGHT_MAX:
            raise InvalidInput("criteria_weight")
        weights[criterion] = weight
    if not any(weights.values()):
        raise InvalidInput("criteria_weight")
    return name, tuple((c, weights[c]) for c in CRITERIA if c in weights)


def _info(row: CriteriaSet, actor: Actor | None = None) -> CriteriaSetInfo:
    weights = tuple((c, int(row.weights[c.value])) for c in CRITERIA if c.value in (row.weights or {}))
    return CriteriaSetInfo(
        row.id, row.name, row.version, weights, row.created_at,
        mine=actor is not None and row.created_by == actor.telegram_user_id,
    )


def _require_koordinator(actor: Actor) -> None:
    if not actor.is_koordinator:
        raise NotAllowed("criteria")


@dataclass(frozen=True)
class CriteriaList:
    current: CriteriaSetInfo
    # The latest version of each name, newest first.
    sets: tuple[CriteriaSetInfo, ...]


async def _current_set(uow: UnitOfWork, actor: Actor) -> CriteriaSetInfo:
    chosen = await cq.choice_of(uow.session, actor.telegram_user_id)
    row = await cq.get_set(uow.session, chosen) if chosen is not None else None
    return _info(row, actor) if row is not None else DEFAULT_SET


async def list_sets(uow: UnitOfWork, actor: Actor) -> CriteriaList:
    """Every saved set (its latest version), and the one this koordinator ranks by."""
    _require_koordinator(actor)
    latest: dict[str, CriteriaSetInfo] = {}
    for row in await cq.all_sets(uow.session):
        if row.name_key not in latest or row.version > latest[row.name_key].version:
            latest[row.name_key] = _info(row, actor)
    ordered = sorted(latest.values(), key=lambda s: (s.created_at or datetime.min, s.id), reverse=True)
    return CriteriaList(await _current_set(uow, actor), tuple(ordered))


async def begin_define(uow: UnitOfWork, actor: Actor) -> None:
    """"Buat kriteria baru": the next message is the name and the weights."""
    _require_koordinator(actor)
    await FLOW.save(uow, actor.telegram_user_id, Step.DEFINE, {})
    await uow.commit()


async def save_set(uow: UnitOfWork, actor: Actor, text: str, now: datetime) -> CriteriaSetInfo:
    """Save a set (the next version under an existing name) and rank by it from now on; audited."""
    _require_koordinator(actor)
    name, weights = parse_criteria(text)
    key = _folded(name)
    version = await cq.latest_version(uow.session, key) + 1
    row = await cq.add_set(uow.session, CriteriaSet(
        name=name, name_key=key, version=version, weights={c.value: w for c, w in weights},
        created_by=actor.telegram_user_id, created_at=now,
    ))
    await cq.choose(uow.session, actor.telegram_user_id, row.id, now)
    if await FLOW.load(uow, actor.telegram_user_id) is not None:
        await FLOW.clear(uow, actor.telegram_user_id)
    await uow.audit.record("criteria.save", actor=actor.telegram_user_id, subject=f"criteria:{row.id}", version=version)
    await uow.commit()
    return _info(row, actor)


async def choose_set(uow: UnitOfWork, actor: Actor, set_id: int, now: datetime) -> CriteriaSetInfo:
    """Rank by another koordinator's set (or the built-in one) from now on."""
    _require_koordinator(actor)
    if set_id == DEFAULT_SET_ID:
        await cq.clear_choice(uow.session, actor.telegram_user_id)
        await uow.commit()
        return DEFAULT_SET
    row = await cq.get_set(uow.session, set_id)
    if row is None:
        raise StaleAction("criteria_gone")
    await cq.choose(uow.session, actor.telegram_user_id, row.id, now)
    await uow.commit()
    return _info(row, actor)


async def set_by_id(uow: UnitOfWork, actor: Actor, set_id: int | None) -> CriteriaSetInfo:
    """A set by id (from a button), or the one the koordinator uses when None."""
    _require_koordinator(actor)
    if set_id is None:
        return await _current_set(uow, actor)
    if set_id == DEFAULT_SET_ID:
        return DEFAULT_SET
    row = await cq.get_set(uow.session, set_id)
    if row is None:
        raise StaleAction("criteria_gone")
    return _info(row, actor)


# --- the ranking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterScore:
    cluster: ClusterInfo
    values: dict[Criterion, Decimal | None]
    scores: dict[Criterion, Decimal] = field(default_factory=dict)
    total: Decimal | None = None  # None: too thin to rank
    missing: tuple[Criterion, ...] = ()
    shortlisted: bool = False
    # The month's growth since joining by year joined, as its summary shows it (summaries.Cohort).
    cohorts: tuple[summaries.Cohort, ...] = ()

    @property
    def ranked(self) -> bool:
        return self.total is not None


@dataclass(frozen=True)
class Ranking:
    month: Month
    criteria: CriteriaSetInfo
    ranked: tuple[ClusterScore, ...]
    thin: tuple[ClusterScore, ...]
    shortlist: tuple[ShortlistItem, ...]
    # Weighted criteria no cluster compared has a value for: left out of every score.
    unused: tuple[Criterion, ...] = ()

    @property
    def used(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria.weighted if c not in self.unused)


def _ratio(new: int | None, old: int | None) -> Decimal | None:
    if new is None or old is None or old == 0:
        return None
    return Decimal(new) / Decimal(old) - 1


def _median(f: Figures | None) -> int | None:
    return None if f is None or f.suppressed else f.median


def _values(
    cluster_id: int, month: Month, figures: dict[Month, dict[int, Figures]],
    training: dict[int, tuple[int, int]], market: dict[int, tuple[int, int]],
) -> dict[Criterion, Decimal | None]:
    now = figures[month][cluster_id]
    rates = [
        figures[m][cluster_id].reporting_rate for m in month.window(LOOKBACK_MONTHS)
        if figures[m][cluster_id].members > 0
    ]

    def share(counts: dict[int, tuple[int, int]]) -> Decimal | None:
        reached, said = counts.get(cluster_id, (0, 0))
        return Decimal(said) / Decimal(reached) if reached else None

    return {
        Criterion.GROWTH: None if now.suppressed else now.growth_since_joining,
        Criterion.TREND3: _ratio(_median(now), _median(figures[month.months_back(3)][cluster_id])),
        Criterion.TREND6: _ratio(_median(now), _median(figures[month.months_back(6)][cluster_id])),
        Criterion.REPORTING: now.reporting_rate,
        Criterion.CONSISTENCY: sum(rates, Decimal(0)) / len(rates) if len(rates) >= CONSISTENCY_MIN_MONTHS else None,
        Criterion.MEMBERS: Decimal(now.members) if now.members else None,
        Criterion.TRAINING: share(training),
        Criterion.MARKET: share(market),
    }


_HUNDRED = Decimal(100)
_TENTH = Decimal("0.1")


def score(values: Sequence[Decimal], value: Decimal) -> Decimal:
    """Min-max over the clusters compared: the lowest 0, the highest 100, all equal 100."""
    low, high = min(values), max(values)
    if high == low:
        return _HUNDRED
    return ((value - low) / (high - low) * _HUNDRED).quantize(_TENTH, rounding=ROUND_HALF_UP)


def rank(
    rows: Sequence[ClusterScore], criteria: CriteriaSetInfo
) -> tuple[list[ClusterScore], list[ClusterScore], tuple[Criterion, ...]]:
    """(ranked best first, too thin to rank, criteria left out) by the set's weights.

    A weighted criterion that no cluster compared has a value for (no training was announced
    to any of them) is left out and said so: it would otherwise make every cluster thin."""
    unused = tuple(c for c in criteria.weighted if all(r.values.get(c) is None for r in rows))
    weighted = tuple(c for c in criteria.weighted if c not in unused)
    weights = dict(criteria.weights)
    eligible, thin = [], []
    for row in rows:
        missing = tuple(c for c in weighted if row.values.get(c) is None)
        (thin if missing else eligible).append((row, missing))
    ranked = []
    pool = {c: [r.values[c] for r, _ in eligible] for c in weighted}
    total_weight = Decimal(sum(weights[c] for c in weighted))
    for row, _ in eligible:
        scores = {c: score(pool[c], row.values[c]) for c in weighted}
        total = (
            (sum((scores[c] * weights[c] for c in weighted), Decimal(0)) / total_weight).quantize(_TENTH, rounding=ROUND_HALF_UP)
            if total_weight else None
        )
        if total is None:
            thin.append((row, ()))
            continue
        ranked.append(ClusterScore(row.cluster, row.values, scores, total, (), row.shortlisted, row.cohorts))
    ranked.sort(key=lambda r: (-(r.total or 0), r.cluster.name.casefold()))
    return ranked, [ClusterScore(r.cluster, r.values, {}, None, m, r.shortlisted, r.cohorts) for r, m in thin], unused


async def ranking(
    uow: UnitOfWork, actor: Actor, month: Month, now: datetime, deadline: Deadline = DEFAULT_DEADLINE,
    set_id: int | None = None,
) -> Ranking:
    """The clusters in the koordinator's scope ranked by their criteria set (or `set_id`)."""
    _require_koordinator(actor)
    criteria = await set_by_id(uow, actor, set_id)
    clusters = await summaries.scope_clusters(uow, actor)
    ids = [c.id for c in clusters]
    months = sorted(set(month.window(LOOKBACK_MONTHS)) | {month.months_back(3), month.months_back(6)})
    figures = {m: await summaries.publish_month(uow, m, now, deadline, ids, commit=False) for m in months}
    since = month_bounds(str(month.months_back(LOOKBACK_MONTHS - 1)), "Asia/Jakarta")[0]
    until = month_bounds(str(month), "Asia/Jakarta")[1]
    training = await cq.answer_rates(uow.session, "pelatihan", "ikut", since, until, ids)
    market = await cq.answer_rates(uow.session, "peluang", "tertarik", since, until, ids)
    short = await _shortlist(uow, actor, clusters)
    listed = {item.cluster.id for item in short}
    rows = [
        ClusterScore(
            c, _values(c.id, month, figures, training, market), shortlisted=c.id in listed,
            cohorts=() if figures[month][c.id].suppressed else figures[month][c.id].cohorts,
        )
        for c in clusters
    ]
    ranked, thin, unused = rank(rows, criteria)
    scores = {r.cluster.id: r for r in ranked}
    short = tuple(
        ShortlistItem(i.cluster, i.note, i.added_at, scores[i.cluster.id].total if i.cluster.id in scores else None,
                      next((n for n, r in enumerate(ranked, 1) if r.cluster.id == i.cluster.id), None))
        for i in short
    )
    await uow.commit()  # months published on the way
    return Ranking(month, criteria, tuple(ranked), tuple(thin), short, unused)


# --- the shortlist -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShortlistItem:
    cluster: ClusterInfo
    note: str | None
    added_at: datetime
    total: Decimal | None = None
    place: int | None = None


async def _shortlist(uow: UnitOfWork, actor: Actor, clusters: Sequence[ClusterInfo] | None = None) -> tuple[ShortlistItem, ...]:
    """The koordinator's shortlist, only the clusters their role reaches now."""
    reachable = {c.id: c for c in (clusters if clusters is not None else await summaries.scope_clusters(uow, actor))}
    return tuple(
        ShortlistItem(reachable[e.cluster_id], e.note, e.added_at)
        for e in await cq.shortlist(uow.session, actor.telegram_user_id) if e.cluster_id in reachable
    )


async def shortlist(uow: UnitOfWork, actor: Actor) -> tuple[ShortlistItem, ...]:
    """/pilihan: the shortlist with notes."""
    _require_koordinator(actor)
    return await _shortlist(uow, actor)


async def _managed(uow: UnitOfWork, actor: Actor, cluster_id: int) -> ClusterInfo:
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        raise NotFound("cluster")
    info = cluster_info(cluster)
    if not actor.coordinates(info):
        raise NotAllowed("cluster_scope")
    return info


async def add_to_shortlist(uow: UnitOfWork, actor: Actor, cluster_id: int, now: datetime) -> tuple[ShortlistItem, ...]:
    """Put a cluster on the shortlist, at most SHORTLIST_MAX; a second press adds nothing."""
    _require_koordinator(actor)
    info = await _managed(uow, actor, cluster_id)
    current = await _shortlist(uow, actor)
    if any(i.cluster.id == cluster_id for i in current):
        raise AlreadyDone("shortlisted", klaster=info.name)
    if len(current) >= SHORTLIST_MAX:
        raise InvalidInput("shortlist_full")
    await cq.add_to_shortlist(uow.session, actor.telegram_user_id, cluster_id, now)
    await uow.audit.record("shortlist.add", actor=actor.telegram_user_id, subject=f"cluster:{cluster_id}")
    await uow.commit()
    return await _shortlist(uow, actor)


async def remove_from_shortlist(uow: UnitOfWork, actor: Actor, cluster_id: int) -> tuple[ShortlistItem, ...]:
    _require_koordinator(actor)
    if not await cq.remove_from_shortlist(uow.session, actor.telegram_user_id, cluster_id):
        raise AlreadyDone("unshortlisted")
    await uow.audit.record("shortlist.remove", actor=actor.telegram_user_id, subject=f"cluster:{cluster_id}")
    await uow.commit()
    return await _shortlist(uow, actor)


async def begin_note(uow: UnitOfWork, actor: Actor, cluster_id: int) -> ClusterInfo:
    """"Catatan": the next message is the note of this shortlisted cluster."""
    _require_koordinator(actor)
    info = await _managed(uow, actor, cluster_id)
    if not any(i.cluster.id == cluster_id for i in await _shortlist(uow, actor)):
        raise StaleAction("not_shortlisted")
    await FLOW.save(uow, actor.telegram_user_id, Step.NOTE, {"cluster_id": cluster_id})
    await uow.commit()
    return info


@dataclass(frozen=True)
class Typed:
    """What a typed message in the criteria flow did: a set saved, or a note kept."""

    saved: CriteriaSetInfo | None = None
    noted: ClusterInfo | None = None


async def submit_text(uow: UnitOfWork, actor: Actor, text: str | None, now: datetime) -> Typed:
    step, data = await FLOW.require(uow, actor.telegram_user_id)
    if step is Step.DEFINE:
        return Typed(saved=await save_set(uow, actor, text or "", now))
    _require_koordinator(actor)
    cluster_id = int(data["cluster_id"])
    info = await _managed(uow, actor, cluster_id)
    note = clean_text(text, max_length=NOTE_MAX)
    if not await cq.set_note(uow.session, actor.telegram_user_id, cluster_id, note, now):
        await FLOW.clear(uow, actor.telegram_user_id)
        await uow.commit()
        raise StaleAction("not_shortlisted")
    await FLOW.clear(uow, actor.telegram_user_id)
    await uow.commit()
    return Typed(noted=info)


async def current_step(uow: UnitOfWork, actor: Actor) -> tuple[Step, ClusterInfo | None]:
    """Where the person is in the flow (for resuming): the step and the cluster of a note."""
    step, data = await FLOW.require(uow, actor.telegram_user_id)
    if step is Step.NOTE:
        cluster = await uow.clusters.get(int(data["cluster_id"]))
        return step, cluster_info(cluster) if cluster is not None else None
    return step, None
