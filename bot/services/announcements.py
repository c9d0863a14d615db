"""Announcements: compose (draft kept in the database), send through the outbox, answers.

Deliveries are written in the same transaction as the announcement, one row per recipient,
so a crash never leaves an announcement that reaches only some members unknowingly.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.dates import MonthError, looks_like_day_and_time, parse_day_and_time
from bot.domain import (
    CLUSTER_ZONES,
    Actor,
    AlreadyDone,
    ClusterInfo,
    DomainError,
    InvalidInput,
    MemberStatus,
    NotAllowed,
    NotFound,
    Role,
    Sender,
    StaleAction,
    TooLong,
)
from bot.domain import (
    AnnouncementKind as Kind,
)
from bot.domain import (
    AnswerChoice as Answer,
)
from bot.flows import Flow
from bot.i18n import I18n, Translator
from bot.messages import Payload
from bot.messages import announcements as texts
from bot.quiet_hours import first_allowed
from bot.services import notices
from bot.services.actors import resolve_actor
from bot.services.converters import cluster_info
from bot.services.text_fields import CLUSTER_NAME_MAX, NAME_MAX
from bot.services.text_fields import PLACE_MAX as KABUPATEN_MAX
from bot.text_limits import CAPTION_LIMIT, MESSAGE_LIMIT, telegram_length
from db.models import Announcement, Member
from db.privacy_queries import ERASED_TELEGRAM_ID
from db.uow import UnitOfWork

TEXT_MAX = 3500
PLACE_MAX = 200
RECENT_LIMIT = 10


@functools.cache
def _frame(kind: Kind) -> int:
    """The most the bot's own words around a body take, in any language, month and zone: the
    header, the training's date and longest place, what the buttons do."""
    i18n = I18n()
    # Every copy names its sender ("Dari: ..."): the longest name in the longest role and place.
    name = "W" * NAME_MAX
    senders = (
        Sender(name, Role.KETUA, "W" * CLUSTER_NAME_MAX),
        Sender(name, Role.KOORDINATOR, "W" * CLUSTER_NAME_MAX, region=False),
        Sender(name, Role.KOORDINATOR, "W" * KABUPATEN_MAX),
        Sender(name, Role.KOORDINATOR),
    )
    longest = 0
    for language in i18n.languages:
        t = i18n.translator(language)
        for zone in CLUSTER_ZONES.values():
            for month in range(1, 13):
                moment = datetime(2026, month, 28, 3, 0, tzinfo=ZoneInfo("UTC"))
                for sender in senders:
                    rendered = texts.member_text(
                        t, kind, "x", training_at=moment, training_place="W" * PLACE_MAX, zone=zone, sender=sender
                    )
                    longest = max(longest, telegram_length(rendered) - 1)
    return longest


def body_limit(kind: Kind, *, attachment: bool) -> int:
    """How long the author's text may be so that every member's copy fits one message (4,096)
    or one caption (1,024). A message also carries the date of /info or a reminder's opening
    line: TEXT_MAX leaves room for those."""
    if attachment:
        return CAPTION_LIMIT - _frame(kind)
    return min(TEXT_MAX, MESSAGE_LIMIT - _frame(kind) - 200)


class Step(StrEnum):
    TARGET = "target"
    KIND = "kind"
    TEXT = "text"
    TRAINING_WHEN = "training_when"
    TRAINING_PLACE = "training_place"
    PREVIEW = "preview"
    SCHEDULE_WHEN = "schedule_when"


FLOW = Flow("announce", Step, stale="announce_step")


@dataclass(frozen=True)
class TargetOption:
    """One way to choose recipients: all in scope, a kabupaten, a commodity, one cluster."""

    key: str
    label: str
    clusters: int


@dataclass(frozen=True)
class Draft:
    cluster_names: tuple[str, ...] = ()
    kind: Kind | None = None
    text: str | None = None
    attachment_type: str | None = None
    attachment_file_id: str | None = None
    training_at: datetime | None = None
    training_place: str | None = None
    zone: str = "Asia/Jakarta"
    scheduled_for: datetime | None = None
    # The time the author typed when it fell in quiet hours: scheduled_for is then the
    # morning the announcement really arrives, and the author is told both.
    asked_for: datetime | None = None
    # Names this draft on its send buttons, and the announcement it becomes (draft_key).
    key: str | None = None
    # Who members will read it is from (the preview shows it too).
    sender: Sender | None = None


@dataclass(frozen=True)
class ComposeView:
    step: Step
    draft: Draft
    targets: tuple[TargetOption, ...] = ()
    # /umumkan found this draft unsent: ask whether to continue it or start a new one.
    unsent: bool = False


@dataclass(frozen=True)
class Sent:
    announcement_id: int
    recipients: int
    unreachable: int
    scheduled_for: datetime | None
    zone: str


def _scope_clusters(clusters: list[ClusterInfo], actor: Actor) -> list[ClusterInfo]:
    return [c for c in clusters if actor.can_manage(c)]


async def clusters_in_scope(uow: UnitOfWork, actor: Actor) -> list[ClusterInfo]:
    """The clusters a chair or koordinator may write to now (NotAllowed for anyone else)."""
    if not (actor.is_ketua or actor.is_koordinator):
        raise NotAllowed("announce")
    return _scope_clusters([cluster_info(c) for c in await uow.clusters.all()], actor)



def target_options(clusters: list[ClusterInfo]) -> tuple[TargetOption, ...]:
    """The audiences to choose from: all in scope, a kabupaten, a commodity, one cluster."""
    options = [TargetOption("all", "*", len(clusters))]
    kabupaten = sorted({c.kabupaten for c in clusters}, key=str.casefold)
    commodities = sorted({c.commodity.casefold() for c in clusters})
    if len(kabupaten) > 1:
        options += [
            TargetOption(f"kab:{i}", name, sum(c.kabupaten == name for c in clusters)) for i, name in enumerate(kabupaten)
        ]
    if len(commodities) > 1:
        options += [
            TargetOption(f"kom:{i}", name, sum(c.commodity.casefold() == name for c in clusters))
            for i, name in enumerate(commodities)
        ]
    if len(clusters) <= 20:
        options += [TargetOption(f"cl:{c.id}", c.name, 1) for c in clusters]
    return tuple(options)


def resolve_target(clusters: list[ClusterInfo], key: str) -> list[ClusterInfo]:
    """The clusters a target button's key names (none for a forged or outdated key)."""
    kabupaten = sorted({c.kabupaten for c in clusters}, key=str.casefold)
    commodities = sorted({c.commodity.casefold() for c in clusters})
    kind, _, value = key.partition(":")
    try:
        if kind == "all":
            return clusters
        if kind == "kab":
            return [c for c in clusters if c.kabupaten == kabupaten[int(value)]]
        if kind == "kom":
            return [c for c in clusters if c.commodity.casefold() == commodities[int(value)]]
        if kind == "cl":
            return [c for c in clusters if c.id == int(value)]
    except (IndexError, ValueError):
        pass
    return []


async def _state(uow: UnitOfWork, actor: Actor, *steps: Step) -> tuple[Step, dict[str, Any]]:
    return await FLOW.require(uow, actor.telegram_user_id, *steps)


async def _save(uow: UnitOfWork, actor: Actor, step: Step, data: dict[str, Any]) -> ComposeView:
    await FLOW.save(uow, actor.telegram_user_id, step, data)
    await uow.commit()
    return await _view(uow, actor, step, data)


def sender_of(actor: Actor, clusters: list[ClusterInfo]) -> Sender:
    """The role an announcement to these clusters is sent in: koordinator where a koordinator
    grant reaches them all, else the chair of the cluster."""
    name = actor.member.name if actor.member is not None and actor.member.name else None
    grants = [r for r in actor.roles if r.role is Role.KOORDINATOR and clusters and all(r.covers(c) for c in clusters)]
    if grants:
        grant = min(grants, key=lambda r: (r.cluster_id is None and r.kabupaten is None, r.kabupaten is None))
        if grant.kabupaten:
            return Sender(name, Role.KOORDINATOR, grant.kabupaten)
        if grant.cluster_id is not None:
            return Sender(name, Role.KOORDINATOR, clusters[0].name, region=False)
        return Sender(name, Role.KOORDINATOR)
    chaired = next((c for c in clusters if any(r.role is Role.KETUA and r.covers(c) for r in actor.roles)), None)
    return Sender(name, Role.KETUA, chaired.name if chaired else None)


async def _view(uow: UnitOfWork, actor: Actor, step: Step, data: dict[str, Any]) -> ComposeView:
    names = []
    zone = "Asia/Jakarta"
    infos = []
    for cluster_id in data.get("cluster_ids", []):
        cluster = await uow.clusters.get(cluster_id)
        if cluster is not None:
            names.append(cluster.name)
            zone = cluster.timezone
            infos.append(cluster_info(cluster))
    draft = Draft(
        cluster_names=tuple(names),
        kind=Kind(data["kind"]) if data.get("kind") else None,
        text=data.get("text"),
        attachment_type=data.get("attachment_type"),
        attachment_file_id=data.get("attachment_file_id"),
        training_at=datetime.fromisoformat(data["training_at"]) if data.get("training_at") else None,
        training_place=data.get("training_place"),
        zone=zone,
        scheduled_for=datetime.fromisoformat(data["scheduled_for"]) if data.get("scheduled_for") else None,
        asked_for=datetime.fromisoformat(data["asked_for"]) if data.get("asked_for") else None,
        key=data.get("key"),
        sender=sender_of(actor, infos) if infos else None,
    )
    targets: tuple[TargetOption, ...] = ()
    if step is Step.TARGET:
        targets = target_options(await clusters_in_scope(uow, actor))
    return ComposeView(step, draft, targets)


async def begin(uow: UnitOfWork, actor: Actor, *, fresh: bool = False) -> ComposeView:
    """/umumkan: a chair's own cluster is the audience; a koordinator chooses within scope.

    A draft not sent yet is never dropped silently: unless `fresh` ("Mulai baru"), the view of
    that draft comes back marked `unsent`, for the author to continue it or start anew."""
    clusters = await clusters_in_scope(uow, actor)
    if not clusters:
        raise NotFound("no_clusters_in_scope")
    existing = await FLOW.load(uow, actor.telegram_user_id)
    if existing is not None and not fresh:
        view = await _view(uow, actor, existing[0], existing[1])
        return replace(view, unsent=True)
    # A fresh key per draft: a send button of an older draft never sends this one.
    key = secrets.token_hex(4)
    if len(clusters) == 1:
        return await _save(uow, actor, Step.KIND, {"cluster_ids": [clusters[0].id], "key": key})
    return await _save(uow, actor, Step.TARGET, {"key": key})


async def choose_target(uow: UnitOfWork, actor: Actor, key: str) -> ComposeView:
    _, data = await _state(uow, actor, Step.TARGET)
    chosen = resolve_target(await clusters_in_scope(uow, actor), key)
    if not chosen:
        raise StaleAction("announce_target")
    data["cluster_ids"] = [c.id for c in chosen]
    return await _save(uow, actor, Step.KIND, data)


async def choose_kind(uow: UnitOfWork, actor: Actor, kind: Kind) -> ComposeView:
    _, data = await _state(uow, actor, Step.KIND)
    data["kind"] = kind.value
    return await _save(uow, actor, Step.TEXT, data)


async def submit_text(
    uow: UnitOfWork,
    actor: Actor,
    text: str | None,
    *,
    attachment_type: str | None = None,
    attachment_file_id: str | None = None,
    now: datetime | None = None,
) -> ComposeView:
    """The announcement text, optionally with a photo or document (its caption is the text)."""
    step, data = await _state(uow, actor)
    if step is Step.TRAINING_WHEN or step is Step.SCHEDULE_WHEN:
        raise InvalidInput("datetime_expected")
    if step is Step.TRAINING_PLACE:
        place = " ".join((text or "").split())
        if len(place) < 3:
            raise InvalidInput("place_expected")
        if looks_like_day_and_time(place, now or datetime.now(UTC), (await _view(uow, actor, step, data)).draft.zone):
            # The date typed again (the answer to the question before): not a place.
            raise InvalidInput("place_not_a_date")
        if len(place) > PLACE_MAX:
            raise InvalidInput("too_long")
        data["training_place"] = place
        return await _save(uow, actor, Step.PREVIEW, data)
    if step is not Step.TEXT:
        raise InvalidInput(f"use_buttons_{step.value}")
    body = (text or "").strip()
    limit = body_limit(Kind(data["kind"]), attachment=bool(attachment_type))
    if not body and not attachment_type:
        raise InvalidInput("announcement_empty")
    if telegram_length(body) > limit:
        raise TooLong(
            "announcement_too_long" if not attachment_type else "caption_too_long",
            limit=limit,
            given=telegram_length(body),
        )
    data.update(text=body, attachment_type=attachment_type, attachment_file_id=attachment_file_id)
    next_step = Step.TRAINING_WHEN if data.get("kind") == Kind.PELATIHAN and not data.get("training_at") else Step.PREVIEW
    return await _save(uow, actor, next_step, data)


async def submit_when(uow: UnitOfWork, actor: Actor, text: str | None, now: datetime) -> ComposeView:
    """A date and time: of the training, or of a scheduled send (in the cluster's zone)."""
    step, data = await _state(uow, actor, Step.TRAINING_WHEN, Step.SCHEDULE_WHEN)
    view = await _view(uow, actor, step, data)
    try:
        moment = parse_day_and_time(text or "", now, view.draft.zone)
    except MonthError as error:
        raise InvalidInput("datetime_unreadable") from error
    if moment <= now:
        raise InvalidInput("datetime_past")
    if step is Step.TRAINING_WHEN:
        data["training_at"] = moment.isoformat()
        return await _save(uow, actor, Step.PREVIEW if data.get("training_place") else Step.TRAINING_PLACE, data)
    # Nothing scheduled reaches members at night: say back when it really arrives.
    arrives = first_allowed(moment, view.draft.zone)
    data["scheduled_for"] = arrives.isoformat()
    data["asked_for"] = moment.isoformat() if arrives != moment else None
    return await _save(uow, actor, Step.PREVIEW, data)


async def edit_text(uow: UnitOfWork, actor: Actor) -> ComposeView:
    """From the preview, write the text again (kind, audience and training stay)."""
    _, data = await _state(uow, actor, Step.PREVIEW)
    return await _save(uow, actor, Step.TEXT, data)


async def ask_schedule(uow: UnitOfWork, actor: Actor) -> ComposeView:
    _, data = await _state(uow, actor, Step.PREVIEW)
    return await _save(uow, actor, Step.SCHEDULE_WHEN, data)


async def abandon(uow: UnitOfWork, actor: Actor) -> None:
    """"Batal" while composing: the draft is dropped (stale when there is none)."""
    await _state(uow, actor)
    await FLOW.clear(uow, actor.telegram_user_id)
    await uow.commit()


async def current(uow: UnitOfWork, actor: Actor) -> ComposeView:
    step, data = await _state(uow, actor)
    return await _view(uow, actor, step, data)


@dataclass(frozen=True)
class Queued:
    """What queue_member_copies wrote: rows per cluster, members without a chat, the zone of
    the first recipient and the earliest moment any row may leave."""

    recipients: int
    unreachable: int
    per_cluster: dict[int, int]
    first_zone: str | None
    earliest: datetime | None


async def queue_member_copies(
    uow: UnitOfWork,
    cluster_ids: list[int],
    render: Callable[[str | None, str], Payload],
    *,
    kind: str,
    key_prefix: str,
    now: datetime,
    scheduled_for: datetime | None = None,
    announcement_id: int | None = None,
    product: str | None = None,
) -> Queued:
    """One delivery per reachable member of the clusters, in the caller's transaction, rendered
    once per (language, zone) by `render`; keyed `key_prefix:member id`. A scheduled send waits
    for the morning in each zone; otherwise rows leave now. Announcements and market requests
    both go out this way."""
    # Counted first, in a few grouped rows: each language and zone is rendered once, and the
    # database then writes every row from the members' rows (Deliveries.queue_member_copies).
    groups = await uow.deliveries.recipient_groups(cluster_ids, product)
    payloads: dict[tuple[str | None, str], dict[str, Any]] = {}
    not_before: dict[str, datetime] = {}
    per_cluster: dict[int, int] = {c: 0 for c in cluster_ids}
    unreachable = 0
    for g in groups:
        unreachable += g.unreachable
        per_cluster[g.cluster_id] = per_cluster.get(g.cluster_id, 0) + g.reachable
        if not g.reachable:
            continue
        if (g.language, g.zone) not in payloads:
            payloads[g.language, g.zone] = render(g.language, g.zone).to_json()
        if g.zone not in not_before:
            not_before[g.zone] = first_allowed(scheduled_for, g.zone) if scheduled_for else now
    reached = [g for g in groups if g.first_member_id is not None]
    first_zone = min(reached, key=lambda g: g.first_member_id).zone if reached else None
    recipients = 0
    if payloads:
        recipients = await uow.deliveries.queue_member_copies(
            cluster_ids, product, kind=kind, key_prefix=key_prefix, now=now, announcement_id=announcement_id,
            payloads=payloads, not_before=not_before,
        )
    return Queued(recipients, unreachable, per_cluster, first_zone, min(not_before.values(), default=None))


def member_copy(
    t: Translator, draft: Draft, *, announcement_id: int, zone: str | None = None, sender: Sender | None = None
) -> Payload:
    """A member's copy of a draft (also the author's preview, with announcement id 0)."""
    assert draft.kind is not None
    return texts.announcement(
        t, announcement_id, draft.kind, draft.text or "", training_at=draft.training_at,
        training_place=draft.training_place, zone=zone or draft.zone,
        attachment_type=draft.attachment_type, attachment_file_id=draft.attachment_file_id,
        sender=sender or draft.sender,
    )


async def sender_to(uow: UnitOfWork, actor: Actor, cluster_ids: list[int]) -> Sender:
    """Who members are told sent an announcement or a market request to these clusters (see
    sender_of)."""
    wanted = set(cluster_ids)
    return sender_of(actor, [cluster_info(c) for c in await uow.clusters.all() if c.id in wanted])


async def sender_for(uow: UnitOfWork, telegram_user_id: int, cluster_ids: list[int]) -> Sender | None:
    """The sender as above for someone by id (None when their data was erased)."""
    if telegram_user_id == 0:
        return None
    author, _ = await resolve_actor(uow, telegram_user_id)
    return await sender_to(uow, author, cluster_ids)


async def recorded_sender(uow: UnitOfWork, announcement: Announcement) -> Sender | None:
    """Who an announcement is from, as its copies said: the role and place recorded when it was
    published, with the author's name as it stands (gone once their data is erased: then no
    line). Announcements published before senders were recorded: the author's role now, only
    where it still reaches the announcement's clusters (else nobody can say in what role they
    sent it, and no line is shown)."""
    if announcement.author_telegram_user_id == 0:  # erased (db.privacy_queries.ERASED_TELEGRAM_ID)
        return None
    author, _ = await resolve_actor(uow, announcement.author_telegram_user_id)
    name = author.member.name if author.member is not None and author.member.name else None
    if announcement.sender_role:
        region = True if announcement.sender_region is None else announcement.sender_region
        return Sender(name, Role(announcement.sender_role), announcement.sender_place, region=region)
    wanted = set(await uow.announcements.cluster_ids(announcement.id))
    clusters = [cluster_info(c) for c in await uow.clusters.all() if c.id in wanted]
    if not clusters or not all(author.can_manage(c) for c in clusters):
        return None
    return sender_of(author, clusters)


def _progress_key(announcement_id: int) -> str:
    return f"progress:{announcement_id}"


async def _claim_draft(uow: UnitOfWork, actor: Actor, key: str | None) -> dict[str, Any]:
    """Take the draft at its preview, once: the claim is the DELETE of its state row.

    Whoever loses (a double press, the same press on a second instance, an old button of a
    draft already sent) is told what became of the draft, or that the button is stale.
    """
    taken = await FLOW.take(uow, actor.telegram_user_id, Step.PREVIEW)
    if taken is not None and (key is None or taken[1].get("key") == key):
        return taken[1]
    if taken is not None:
        # A newer draft, not the one on the button: it stays where it is, unsent.
        await FLOW.save(uow, actor.telegram_user_id, taken[0], taken[1])
    published = await uow.announcements.from_draft(key) if key else None
    if published is not None and published.author_telegram_user_id == actor.telegram_user_id:
        raise AlreadyDone("announcement_scheduled" if published.status == "scheduled" else "announcement_sent")
    raise StaleAction("announce_step")


async def _sendable(
    uow: UnitOfWork, actor: Actor, data: dict[str, Any], scheduled: bool
) -> tuple[list[int], datetime | None]:
    """The draft's clusters and send time, when it may still be sent as it is."""
    cluster_ids = data.get("cluster_ids") or []
    clusters = await clusters_in_scope(uow, actor)
    allowed = {c.id for c in clusters}
    if not cluster_ids or not set(cluster_ids) <= allowed:
        # The scope changed since the draft was started (a role was revoked).
        raise NotAllowed("announce_scope")
    if not data.get("text") and not data.get("attachment_type"):
        raise StaleAction("announce_incomplete")
    scheduled_for = datetime.fromisoformat(data["scheduled_for"]) if scheduled and data.get("scheduled_for") else None
    if scheduled and scheduled_for is None:
        raise StaleAction("announce_schedule_missing")
    return cluster_ids, scheduled_for


async def publish(
    uow: UnitOfWork, actor: Actor, now: datetime, i18n: I18n, *, scheduled: bool, key: str | None = None
) -> Sent:
    """Create the announcement, one delivery per recipient and the author's progress message,
    in one transaction.

    `key` is the draft's key from the pressed button (None on buttons older than keys).
    """
    data = await _claim_draft(uow, actor, key)
    try:
        cluster_ids, scheduled_for = await _sendable(uow, actor, data, scheduled)
    except DomainError:
        # Refused: the draft stays at its preview, as if never pressed.
        await FLOW.save(uow, actor.telegram_user_id, Step.PREVIEW, data)
        raise
    draft = (await _view(uow, actor, Step.PREVIEW, data)).draft
    user = await uow.users.get(actor.telegram_user_id)
    announcement = await uow.announcements.add(
        Announcement(
            author_telegram_user_id=actor.telegram_user_id,
            author_language=user.language if user else actor.language,
            kind=data["kind"],
            text=data.get("text") or "",
            attachment_type=data.get("attachment_type"),
            attachment_file_id=data.get("attachment_file_id"),
            training_at=datetime.fromisoformat(data["training_at"]) if data.get("training_at") else None,
            training_place=data.get("training_place"),
            created_at=now,
            scheduled_for=scheduled_for,
            status="scheduled" if scheduled_for else "sending",
            draft_key=data.get("key"),
        ),
        cluster_ids,
    )
    announcement_id = announcement.id
    sender = await sender_to(uow, actor, cluster_ids)
    # Recorded as the copies say it, so /info says the same after the author's roles change.
    announcement.sender_role, announcement.sender_place, announcement.sender_region = (
        sender.role.value, sender.place, sender.region
    )
    queued = await queue_member_copies(
        uow, cluster_ids,
        # A training's hour is each cluster's own, so a copy is rendered per language and zone.
        lambda language, zone: member_copy(
            i18n.translator(language), draft, announcement_id=announcement_id, zone=zone, sender=sender
        ),
        kind="announcement", key_prefix=f"ann:{announcement_id}", now=now, scheduled_for=scheduled_for,
        announcement_id=announcement_id, product=draft.text if draft.kind is Kind.PELUANG else None,
    )
    recipients, unreachable, first_zone = queued.recipients, queued.unreachable, queued.first_zone
    announcement.recipients = recipients
    announcement.unreachable = unreachable
    # The author's progress message is the outbox's to send, once (its dedupe key); the
    # progress driver only edits it after that (see progress_updates).
    author_t = i18n.translator(announcement.author_language)
    await notices.enqueue(uow, [
        notices.Notice(
            "progress", _progress_key(announcement_id), actor.telegram_user_id,
            Payload(texts.progress(author_t, 0, recipients)),
            not_before=queued.earliest or scheduled_for or now,
        )
    ], now)
    await uow.audit.record(
        "announcement.create",
        actor=actor.telegram_user_id,
        subject=f"announcement:{announcement_id}",
        kind=data["kind"],
        clusters=cluster_ids,
        recipients=recipients,
        scheduled_for=scheduled_for.isoformat() if scheduled_for else None,
    )
    await uow.commit()
    return Sent(announcement_id, recipients, unreachable, scheduled_for, first_zone or "Asia/Jakarta")


async def cancel_scheduled(uow: UnitOfWork, actor: Actor, announcement_id: int) -> int:
    """Cancel a scheduled announcement before it goes out; returns how many were stopped."""
    announcement = await uow.announcements.get(announcement_id)
    if announcement is None:
        raise NotFound("announcement")
    if announcement.author_telegram_user_id != actor.telegram_user_id:
        raise NotAllowed("announcement_author")
    # Conditional, so a double press (or the start of the send) wins or loses as a whole.
    if not await uow.announcements.move(announcement_id, "scheduled", "cancelled"):
        if await uow.announcements.status_of(announcement_id) == "cancelled":
            raise AlreadyDone("schedule_cancelled")
        raise StaleAction("announcement_not_scheduled")
    cancelled = await uow.deliveries.cancel_pending(announcement_id)
    await uow.deliveries.cancel_key(_progress_key(announcement_id))
    await uow.audit.record("announcement.cancel", actor=actor.telegram_user_id, subject=f"announcement:{announcement_id}")
    await uow.commit()
    return cancelled


@dataclass(frozen=True)
class Scheduled:
    announcement_id: int
    kind: Kind
    text: str
    scheduled_for: datetime
    zone: str
    cluster_names: tuple[str, ...]
    recipients: int


async def scheduled_of(uow: UnitOfWork, actor: Actor) -> list[Scheduled]:
    """/terjadwal: the author's announcements that wait for their time, soonest first."""
    if not (actor.is_ketua or actor.is_koordinator):
        raise NotAllowed("announce")
    found = []
    for a in await uow.announcements.scheduled_by(actor.telegram_user_id):
        clusters = []
        for cluster_id in await uow.announcements.cluster_ids(a.id):
            cluster = await uow.clusters.get(cluster_id)
            if cluster is not None:
                clusters.append(cluster)
        zone = clusters[0].timezone if clusters else "Asia/Jakarta"
        found.append(Scheduled(
            a.id, Kind(a.kind), a.text, a.scheduled_for, zone, tuple(sorted(c.name for c in clusters)), a.recipients,
        ))
    return found


@dataclass(frozen=True)
class Response:
    announcement_id: int
    kind: Kind
    answer: Answer
    previous: str | None
    member_name: str
    business_name: str
    phone: str | None
    author_telegram_user_id: int
    author_language: str | None
    # Who sent it, as the member's copy said (for the question whether the phone may go to the
    # buyer), and whether to ask it: the author can still export the interest list.
    sender: Sender | None = None
    forwardable: bool = False


async def respond(
    uow: UnitOfWork, telegram_user_id: int, announcement_id: int, answer: Answer, now: datetime, i18n: I18n
) -> Response:
    """A member taps Ikut / Tidak bisa / Saya tertarik; the answer can be changed."""
    member = await uow.members.by_telegram_id(telegram_user_id)
    announcement = await uow.announcements.get(announcement_id)
    if member is None or announcement is None or member.status != MemberStatus.ACTIVE.value:
        raise StaleAction("announcement_gone")
    if member.cluster_id not in await uow.announcements.cluster_ids(announcement_id):
        raise NotAllowed("announcement_not_for_member")
    kind = Kind(announcement.kind)
    valid = {Kind.PELATIHAN: {Answer.IKUT, Answer.TIDAK}, Kind.PELUANG: {Answer.TERTARIK}}.get(kind, set())
    if answer not in valid:
        raise StaleAction("announcement_answer")
    if answer is Answer.TERTARIK and await uow.announcements.answer_of(announcement_id, member.id) == Answer.TERTARIK.value:
        # A second press: recorded already, nothing is sent again; the member may withdraw.
        return _response(announcement, member, answer, Answer.TERTARIK.value)
    previous = await uow.announcements.respond(announcement_id, member.id, answer.value, now)
    if answer is Answer.TERTARIK and previous is None and await reads_members_of(
        uow, announcement.author_telegram_user_id, member.cluster_id
    ):
        # The author hears of each new interested member once, even through a 429 or a 5xx.
        t = i18n.translator(announcement.author_language)
        notice = texts.new_interest(t, announcement_id, name=member.name or "", business=member.business_name or "", phone=member.phone)
        added = await notices.enqueue(uow, [
            notices.Notice("interest", f"interest:{announcement_id}:{member.id}", announcement.author_telegram_user_id, notice,
                           reader_of=member.cluster_id)
        ], now)
        if not added:
            # Interested again after withdrawing: a notice of its own (keyed by the member, so
            # erasing their data finds it).
            await notices.enqueue(uow, [
                notices.Notice("interest", _lead_key(member.id, f"ann:{announcement_id}:in", now), announcement.author_telegram_user_id, notice,
                               reader_of=member.cluster_id)
            ], now)
    await uow.audit.record(
        "announcement.answer", actor=telegram_user_id, subject=f"announcement:{announcement_id}", answer=answer.value,
        previous=previous,
    )
    # Whether to ask if the phone may go to the buyer: only while the author may still read
    # the member's contact (a revoked chair can export nothing).
    forwardable = answer is Answer.TERTARIK and await reads_members_of(
        uow, announcement.author_telegram_user_id, member.cluster_id
    )
    sender = await recorded_sender(uow, announcement) if forwardable else None
    await uow.commit()
    return replace(_response(announcement, member, answer, previous), sender=sender, forwardable=forwardable)


async def phone_to_buyer(
    uow: UnitOfWork, telegram_user_id: int, announcement_id: int, agree: bool, now: datetime
) -> bool:
    """A member who said "Saya tertarik" answers whether the sender may pass their phone to the
    buyer (the latest answer counts; the text's version is kept with it). False when they have
    no interest recorded (withdrawn meanwhile): nothing to consent to."""
    member = await uow.members.by_telegram_id(telegram_user_id)
    if member is None or member.status != MemberStatus.ACTIVE.value:
        raise StaleAction("announcement_gone")
    changed = await uow.announcements.set_phone_to_buyer(
        announcement_id, member.id, (now, texts.PHONE_TO_BUYER_VERSION) if agree else None
    )
    if changed:
        await uow.audit.record(
            "announcement.phone_to_buyer", actor=telegram_user_id, subject=f"announcement:{announcement_id}",
            agree=agree, version=texts.PHONE_TO_BUYER_VERSION,
        )
    await uow.commit()
    return changed


@dataclass(frozen=True)
class Interested:
    """One row of the list a chair forwards to a buyer: the phone only with the member's consent."""

    name: str
    business_name: str
    product: str
    phone: str | None
    answered_at: datetime


@dataclass(frozen=True)
class InterestList:
    announcement_id: int
    text: str
    created_at: datetime
    zone: str
    people: tuple[Interested, ...]


async def interest_list(uow: UnitOfWork, actor: Actor, announcement_id: int, now: datetime) -> InterestList:
    """The interest list of a market opportunity, for its author while they manage the members'
    clusters (as `responses`), to forward to the buyer: a phone only where the member agreed
    that it goes to the buyer. Audited: personal data leaves the bot."""
    announcement = await uow.announcements.get(announcement_id)
    if announcement is None:
        raise NotFound("announcement")
    if announcement.author_telegram_user_id != actor.telegram_user_id or announcement.kind != Kind.PELUANG.value:
        raise NotAllowed("announcement_author")
    clusters = {c.id: c for c in await clusters_in_scope(uow, actor)}
    readable = set(clusters) & set(await uow.announcements.cluster_ids(announcement_id))
    if not readable:
        raise NotAllowed("announcement_author")
    people = tuple(
        Interested(
            m.name or "", m.business_name or "", m.main_product or "",
            m.phone if response.phone_to_buyer_at is not None else None, response.answered_at,
        )
        for response, m in await uow.announcements.answers_with_members(announcement_id, Answer.TERTARIK.value)
        if m.cluster_id in readable
    )
    zone = clusters[min(readable)].timezone
    await uow.audit.record(
        "announcement.interest_export", actor=actor.telegram_user_id, subject=f"announcement:{announcement_id}",
        rows=len(people), phones=sum(p.phone is not None for p in people),
    )
    await uow.commit()
    return InterestList(announcement_id, announcement.text, announcement.created_at, zone, people)


def _response(announcement: Announcement, member: Member, answer: Answer, previous: str | None) -> Response:
    return Response(
        announcement.id, Kind(announcement.kind), answer, previous, member.name or "", member.business_name or "",
        member.phone, announcement.author_telegram_user_id, announcement.author_language,
    )


def _lead_key(member_id: int, what: str, now: datetime) -> str:
    """A notice to an author that names a member, one per event: `lead:<member>:...` is how the
    erasure of the member's data finds every one of them."""
    return f"lead:{member_id}:{what}:{int(now.timestamp() * 1_000_000)}"


async def withdraw_interest(
    uow: UnitOfWork, telegram_user_id: int, announcement_id: int, now: datetime, i18n: I18n
) -> bool:
    """ "Tarik minat": the interest is removed and the author told (while they still manage the
    member's cluster). False when there was nothing to withdraw (a second press)."""
    member = await uow.members.by_telegram_id(telegram_user_id)
    announcement = await uow.announcements.get(announcement_id)
    if member is None or announcement is None or member.status != MemberStatus.ACTIVE.value:
        raise StaleAction("announcement_gone")
    # The DELETE is the claim: a second press or instance removes nothing and says so.
    if not await uow.announcements.remove_answer(announcement_id, member.id, Answer.TERTARIK.value):
        return False
    if await reads_members_of(uow, announcement.author_telegram_user_id, member.cluster_id):
        t = i18n.translator(announcement.author_language)
        await notices.enqueue(uow, [
            notices.Notice(
                "interest", _lead_key(member.id, f"ann:{announcement_id}:out", now), announcement.author_telegram_user_id,
                texts.interest_withdrawn(t, announcement_id, name=member.name or "", business=member.business_name or ""),
                reader_of=member.cluster_id,
            )
        ], now)
    await uow.audit.record("announcement.withdraw", actor=telegram_user_id, subject=f"announcement:{announcement_id}")
    await uow.commit()
    return True


@dataclass(frozen=True)
class Respondent:
    name: str
    business_name: str
    phone: str | None
    answer: Answer | None  # None: not answered yet


async def responses(uow: UnitOfWork, actor: Actor, announcement_id: int) -> tuple[Kind, list[Respondent]]:
    """The attendance or interest list, for the announcement's author only."""
    announcement = await uow.announcements.get(announcement_id)
    if announcement is None:
        raise NotFound("announcement")
    if announcement.author_telegram_user_id != actor.telegram_user_id:
        raise NotAllowed("announcement_author")
    # Authorship is not enough: the list holds names and phones, so the author sees the answers
    # of the clusters they manage now (a revoked chair, nothing; a narrowed koordinator, less).
    current = {c.id for c in await clusters_in_scope(uow, actor)}
    readable = current & set(await uow.announcements.cluster_ids(announcement_id))
    if not readable:
        raise NotAllowed("announcement_author")
    rows = await uow.announcements.responses(announcement_id)
    answered = [
        Respondent(m.name or "", m.business_name or "", m.phone, Answer(answer))
        for answer, m in rows if m.cluster_id in readable
    ]
    return Kind(announcement.kind), answered


async def unanswered(uow: UnitOfWork, actor: Actor, announcement_id: int) -> list[Respondent]:
    """Who received a training invitation and has not answered yet (name, business, shared
    phone), for its author, from the clusters they manage now."""
    announcement = await uow.announcements.get(announcement_id)
    if announcement is None:
        raise NotFound("announcement")
    if announcement.author_telegram_user_id != actor.telegram_user_id:
        raise NotAllowed("announcement_author")
    current = {c.id for c in await clusters_in_scope(uow, actor)}
    readable = current & set(await uow.announcements.cluster_ids(announcement_id))
    if not readable:
        raise NotAllowed("announcement_author")
    return [
        Respondent(name or "", business or "", phone, None)
        for name, business, phone in await uow.announcements.not_answered(announcement_id, sorted(readable))
    ]


async def reads_members_of(uow: UnitOfWork, telegram_user_id: int, cluster_id: int) -> bool:
    """Whether this person, with the roles they hold now, may read a member's contact in the cluster."""
    reader, _ = await resolve_actor(uow, telegram_user_id)
    cluster = await uow.clusters.get(cluster_id)
    return cluster is not None and reader.can_manage(cluster_info(cluster))


@dataclass(frozen=True)
class PastAnnouncement:
    id: int
    kind: Kind
    text: str
    created_at: datetime
    training_at: datetime | None
    training_place: str | None
    my_answer: str | None
    sender: Sender | None = None


async def recent_for_member(uow: UnitOfWork, telegram_user_id: int) -> tuple[str, list[PastAnnouncement]]:
    """/info: the last announcements of the member's cluster, with their own answers."""
    member = await uow.members.by_telegram_id(telegram_user_id)
    if member is None or member.status != MemberStatus.ACTIVE.value:
        raise NotFound("member")
    items = []
    for a in await uow.announcements.recent_for_cluster(member.cluster_id, RECENT_LIMIT):
        answers = {m.id: ans for ans, m in await uow.announcements.responses(a.id)}
        sender = await recorded_sender(uow, a)
        items.append(PastAnnouncement(
            a.id, Kind(a.kind), a.text, a.created_at, a.training_at, a.training_place, answers.get(member.id), sender
        ))
    return member.cluster.timezone, items


async def set_paused(uow: UnitOfWork, telegram_user_id: int, paused: bool) -> bool:
    """/berhenti and /lanjut; returns whether anything changed."""
    member = await uow.members.by_telegram_id(telegram_user_id)
    if member is None:
        raise NotFound("member")
    changed = member.announcements_paused != paused
    member.announcements_paused = paused
    await uow.audit.record("member.announcements", actor=telegram_user_id, subject=f"member:{member.id}", paused=paused)
    await uow.commit()
    return changed


@dataclass(frozen=True)
class ProgressEdit:
    """The author's progress message, to be edited to `text` (claimed: nobody else will)."""

    announcement_id: int
    chat_id: int
    message_id: int
    text: str
    # The edit's lease (PROGRESS_EDIT_LEASE): give it back with progress_edit_done.
    lease_until: datetime | None = None
    # The last edit: the final report waits for it.
    final: bool = False


# How long one edit of a progress message may take before another driver may edit or finish:
# longer than the transport's timeouts for that call (bot.shell.background).
PROGRESS_EDIT_LEASE = timedelta(seconds=60)


async def progress_edit_done(uow: UnitOfWork, edit: ProgressEdit, now: datetime) -> None:
    """The edit was made (or failed): its lease ends; after the last one, the final report goes."""
    if edit.lease_until is not None:
        await uow.announcements.release_progress_edit(edit.announcement_id, edit.lease_until)
    if edit.final:
        await uow.deliveries.due_now(f"final:{edit.announcement_id}", now)
    await uow.commit()


async def progress_updates(uow: UnitOfWork, now: datetime, i18n: I18n) -> tuple[list[ProgressEdit], int]:
    """New numbers for each author's progress message, and the final report when all is resolved.

    Every change is claimed with a conditional write, so two drivers (the outbox's hook and the
    periodic job, or two instances) never edit the same numbers twice nor queue two final reports:
    the final report is queued in the transaction that moves the announcement to "done". The
    caller commits, then makes the edits. Returns the edits and how many final reports were queued.
    """
    edits = []
    reports = 0
    lease_until = now + PROGRESS_EDIT_LEASE
    for a in await uow.announcements.in_progress():
        if a.status != "sending":
            continue
        # The counters the outbox keeps as it writes each result: one row read per tick, not a
        # count over every delivery of the announcement (O(1), however many members).
        sent = a.sent_count
        finished = a.sent_count + a.blocked_count + a.failed_count + a.cancelled_count >= a.recipients
        author_gone = a.author_telegram_user_id == ERASED_TELEGRAM_ID  # /hapusdata during the send
        message_id = None if author_gone else await uow.deliveries.sent_message_id(_progress_key(a.id))
        t = i18n.translator(a.author_language)
        if finished:
            # The final edit holds a lease like any other; nobody finishes while one is in flight.
            if not await uow.announcements.finish(a.id, sent, now, lease_until if message_id is not None else None):
                continue  # another driver finished it, or its edit is still in flight
            # A progress message not yet sent would only say less than the report.
            await uow.deliveries.cancel_key(_progress_key(a.id))
            if author_gone:
                continue  # nobody to tell: the send ends without a report
            report = texts.final_report(
                t, Kind(a.kind), a.id, sent=sent, blocked=a.blocked_count,
                failed=a.failed_count, unreachable=a.unreachable,
            )
            # After the final edit (progress_edit_done makes it due), or when its lease ends if
            # the process making it stops: the report is never followed by an older number.
            waits = message_id is not None
            reports += await notices.enqueue(
                uow, [notices.Notice("final_report", f"final:{a.id}", a.author_telegram_user_id, report,
                                     not_before=lease_until if waits else None)], now
            )
        elif message_id is None or not await uow.announcements.advance_progress(a.id, sent, now, lease_until):
            continue  # nothing to edit yet, these numbers are already shown, or an edit is in flight
        if message_id is not None:
            edits.append(ProgressEdit(
                a.id, a.author_telegram_user_id, message_id, texts.progress(t, sent, a.recipients),
                lease_until=lease_until, final=finished,
            ))
    return edits, reports


async def start_due_scheduled(uow: UnitOfWork, now: datetime) -> list[int]:
    """Scheduled announcements whose first deliveries are due become 'sending' (one UPDATE with
    its condition: two instances starting the same announcement start it once)."""
    started = await uow.announcements.start_due(now)
    if started:
        await uow.commit()
    return started


async def queue_training_reminders(uow: UnitOfWork, now: datetime, i18n: I18n) -> int:
    """From the day before a training until it starts, remind each member who said Ikut, once,
    at their own cluster's hour. Checked again and again in that window (one query a training
    for who is not reminded yet), so whoever says Ikut after the first reminders went out is
    reminded too; the unique key of each row makes two instances add it once."""
    count = 0
    for a in await uow.announcements.trainings_needing_reminder(now, now + timedelta(hours=48)):
        rows = []
        payloads: dict[tuple[str | None, str, bool], dict[str, Any]] = {}  # one render per language, zone, day
        for member_id, chat_id, language, zone in await uow.announcements.ikut_not_yet_reminded(a.id):
            tz = ZoneInfo(zone)
            training_day = a.training_at.astimezone(tz).date()
            if training_day - now.astimezone(tz).date() > timedelta(days=1):
                continue  # not yet the day before, in this member's zone
            arrives = first_allowed(now, zone)
            if arrives >= a.training_at:
                continue  # too late to be of use
            same_day = arrives.astimezone(tz).date() == training_day
            if (language, zone, same_day) not in payloads:
                payloads[language, zone, same_day] = texts.training_reminder(
                    i18n.translator(language), Kind(a.kind), a.text, training_at=a.training_at,
                    training_place=a.training_place, zone=zone, today=same_day,
                ).to_json()
            rows.append(
                {
                    "kind": "training_reminder",
                    "dedupe_key": f"trainrem:{a.id}:{member_id}",
                    "announcement_id": a.id,
                    "member_id": member_id,
                    "chat_id": chat_id,
                    "payload": payloads[language, zone, same_day],
                    "status": "pending",
                    "attempts": 0,
                    "not_before": arrives,
                    "created_at": now,
                }
            )
        count += await uow.deliveries.add_new(rows)
        if a.training_reminder_queued_at is None and rows:
            a.training_reminder_queued_at = now
    await uow.commit()
    return count
