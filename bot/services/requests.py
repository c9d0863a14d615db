"""Market requests: a buyer's order too big for one member, pooled by pledges, allocated by its
author, followed up to the deal and counted in the "Peluang pasar" figures.

A chair or koordinator composes a request (/permintaan, the flow "request") and posts it to the
clusters in scope through the outbox (announcements.queue_member_copies, the same recipients
and rows as an announcement). Members answer "Sanggup" with a quantity; the unique (request,
member) pledge row is the claim, so double presses and a second instance keep one pledge per
member, and the fill is summed from the pledges themselves. The author sees the fill and the
pledges of the clusters they manage *now*, closes, allocates (a proposal within each pledge, then
adjusted), and each member is told their part and confirms it. After the deadline (and again
later: FollowUpSchedule), the author and each allocated member are asked how it ended; answers
to plain *peluang pasar* ("Saya tertarik") are followed up the same way. Every notice to someone
other than the person acting goes through bot.services.notices; every state change is audited.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.dates import Month, MonthError, parse_coming_day
from bot.domain import (
    Actor,
    AlreadyDone,
    ClusterInfo,
    DomainError,
    InvalidInput,
    MemberStatus,
    NotAllowed,
    NotFound,
    NotRegistered,
    StaleAction,
)
from bot.flows import Flow, draft_of
from bot.i18n import I18n
from bot.market import (
    Allocated,
    AuthorView,
    DealAnswer,
    Fill,
    FollowUpAnswered,
    FollowUpSubject,
    MarketFigures,
    PaidThrough,
    Part,
    Pledged,
    PledgeLine,
    PledgeOffer,
    Proposal,
    RequestStatus,
    RequestView,
    Sender,
    UnitTotal,
)
from bot.messages import requests as texts
from bot.money import (
    AmbiguousAmount,
    AmountError,
    AmountErrorReason,
    QuantityError,
    QuantityErrorReason,
    parse_amount,
    parse_quantity,
)
from bot.quiet_hours import first_allowed
from bot.services import announcements, notices
from bot.services.actors import resolve_actor
from bot.services.converters import cluster_info
from bot.services.summaries import DEFAULT_DEADLINE, MIN_REPORTERS, Deadline, publication_time
from db import request_queries as rq
from db.models import MarketRequest, Member
from db.uow import UnitOfWork

PRODUCT_MAX = 200
DETAILS_MAX = 900  # a photo's caption holds 1024 characters; the request's lines take the rest
PLACE_MAX = 200
REQUIREMENTS_MAX = 500
SKIP_WORDS = frozenset({"lewati", "skip", "-", "tidak ada", "tidak"})


class Step(StrEnum):
    TARGET = "target"
    PRODUCT = "product"
    QUANTITY = "quantity"
    PRICE = "price"
    DEADLINE = "deadline"
    PLACE = "place"
    REQUIREMENTS = "requirements"
    PREVIEW = "preview"


# Composing a request: one step at a time, kept in the conversation state.
FLOW = Flow("request", Step, stale="request_step")


class AnswerStep(StrEnum):
    PLEDGE_AMOUNT = "pledge_amount"  # "Jumlah lain": a typed quantity
    READY_BY = "ready_by"  # "Ubah tanggal siap": a typed day
    ADJUST = "adjust"  # the author adjusts an allocation being prepared
    DEAL_VALUE = "deal_value"  # "Ya, jadi": the deal's value
    DELIVERED = "delivered"  # what a member delivered
    PAID = "paid"  # what a member was paid


# Typed answers about a request someone is not composing: a pledge, an allocation, follow-ups.
ANSWER_FLOW = Flow("request_answer", AnswerStep, stale="request_step")


@dataclass(frozen=True)
class FollowUpSchedule:
    """When requests and plain *peluang pasar* are followed up (bot.config reads it).

    A request is asked about `days_after_deadline` days after its deadline (one round each),
    at `hour` in its zone; a plain *peluang pasar* has no deadline, so its deadline counts as
    `opportunity_days` days after it was sent."""

    days_after_deadline: tuple[int, ...] = (1, 21)
    opportunity_days: int = 7
    hour: time = time(9, 0)


# --- reading what is typed -------------------------------------------------------------------

_QUANTITY_REASONS = {
    QuantityErrorReason.EMPTY: "quantity_empty",
    QuantityErrorReason.NEGATIVE: "quantity_negative",
    QuantityErrorReason.ZERO: "quantity_zero",
    QuantityErrorReason.FRACTION: "quantity_fraction",
    QuantityErrorReason.MALFORMED: "quantity_malformed",
    QuantityErrorReason.TOO_LARGE: "quantity_too_large",
}


def _quantity(text: str | None):
    try:
        return parse_quantity(text or "")
    except QuantityError as error:
        raise InvalidInput(_QUANTITY_REASONS[error.reason]) from error


def _rupiah(text: str | None, *, zero: bool) -> int:
    """A rupiah amount (a price, a deal, a payment); "12,5" alone is refused: juta or ribu?"""
    try:
        amount = parse_amount(text or "")
    except AmountError as error:
        reason = {
            AmountErrorReason.EMPTY: "rupiah_empty",
            AmountErrorReason.NEGATIVE: "rupiah_negative",
            AmountErrorReason.TOO_LARGE: "rupiah_too_large",
        }.get(error.reason, "rupiah_malformed")
        raise InvalidInput(reason) from error
    if isinstance(amount, AmbiguousAmount):
        raise InvalidInput("rupiah_ambiguous")
    if amount.rupiah == 0 and not zero:
        raise InvalidInput("rupiah_zero")
    return amount.rupiah


def _skipped(text: str | None) -> bool:
    return " ".join((text or "").split()).casefold() in SKIP_WORDS


def _local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def _month(now: datetime, zone: str) -> str:
    return str(Month.from_date(_local_today(now, zone)))


# --- views -----------------------------------------------------------------------------------


async def _cluster_names(uow: UnitOfWork, cluster_ids: list[int]) -> tuple[str, ...]:
    names = []
    for cluster_id in cluster_ids:
        cluster = await uow.clusters.get(cluster_id)
        if cluster is not None:
            names.append(cluster.name)
    return tuple(names)


async def _view(uow: UnitOfWork, request: MarketRequest) -> RequestView:
    cluster_ids = await uow.requests.cluster_ids(request.id)
    sender = await announcements.sender_for(uow, request.author_telegram_user_id, cluster_ids)
    return RequestView(
        id=request.id, product=request.product, details=request.details, quantity=request.quantity, unit=request.unit,
        deadline=request.deadline, place=request.place, sender=sender, price_per_unit=request.price_per_unit,
        requirements=request.requirements, photo=request.photo_file_id, status=RequestStatus(request.status),
        zone=request.zone, cluster_names=await _cluster_names(uow, cluster_ids),
    )


def _draft_view(data: dict[str, Any], sender: Sender | None, names: tuple[str, ...], zone: str) -> RequestView:
    return RequestView(
        id=0, product=data.get("product") or "", details=data.get("details") or "",
        quantity=int(data.get("quantity") or 0), unit=data.get("unit") or "",
        deadline=date.fromisoformat(data["deadline"]) if data.get("deadline") else date.min,
        place=data.get("place") or "", sender=sender, price_per_unit=data.get("price"),
        requirements=data.get("requirements"), photo=data.get("photo"), zone=zone, cluster_names=names,
    )


# --- composing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComposeView:
    step: Step
    draft: RequestView
    key: str | None
    targets: tuple[announcements.TargetOption, ...] = ()


async def _compose_view(uow: UnitOfWork, actor: Actor, step: Step, data: dict[str, Any]) -> ComposeView:
    cluster_ids = list(data.get("cluster_ids", []))
    zone = "Asia/Jakarta"
    for cluster_id in cluster_ids[:1]:
        cluster = await uow.clusters.get(cluster_id)
        zone = cluster.timezone if cluster is not None else zone
    sender = await announcements.sender_to(uow, actor, cluster_ids)
    targets: tuple[announcements.TargetOption, ...] = ()
    if step is Step.TARGET:
        targets = announcements.target_options(await announcements.clusters_in_scope(uow, actor))
    return ComposeView(step, _draft_view(data, sender, await _cluster_names(uow, cluster_ids), zone), data.get("key"), targets)


async def _save(uow: UnitOfWork, actor: Actor, step: Step, data: dict[str, Any]) -> ComposeView:
    await FLOW.save(uow, actor.telegram_user_id, step, data)
    await uow.commit()
    return await _compose_view(uow, actor, step, data)


async def begin(uow: UnitOfWork, actor: Actor) -> ComposeView:
    """/permintaan: a chair writes to their cluster; a koordinator chooses within scope."""
    clusters = await announcements.clusters_in_scope(uow, actor)
    if not clusters:
        raise NotFound("no_clusters_in_scope")
    # A fresh key per draft: a send button of an older draft never posts this one.
    key = secrets.token_hex(4)
    if len(clusters) == 1:
        return await _save(uow, actor, Step.PRODUCT, {"cluster_ids": [clusters[0].id], "key": key})
    return await _save(uow, actor, Step.TARGET, {"key": key})


async def choose_target(uow: UnitOfWork, actor: Actor, key: str) -> ComposeView:
    _, data = await FLOW.require(uow, actor.telegram_user_id, Step.TARGET)
    chosen = announcements.resolve_target(await announcements.clusters_in_scope(uow, actor), key)
    if not chosen:
        raise StaleAction("request_target")
    data["cluster_ids"] = [c.id for c in chosen]
    return await _save(uow, actor, Step.PRODUCT, data)


_NEXT = {
    Step.PRODUCT: Step.QUANTITY,
    Step.QUANTITY: Step.PRICE,
    Step.PRICE: Step.DEADLINE,
    Step.DEADLINE: Step.PLACE,
    Step.PLACE: Step.REQUIREMENTS,
    Step.REQUIREMENTS: Step.PREVIEW,
}


# A draft opened from a buyer's enquiry has some answers already: their steps are passed over.
_PREFILLED_FIELD = {Step.DEADLINE: "deadline", Step.PLACE: "place"}


def _after(step: Step, data: dict[str, Any]) -> Step:
    following = _NEXT[step]
    while following in _PREFILLED_FIELD and _PREFILLED_FIELD[following] in (data.get("prefilled") or ()):
        following = _NEXT[following]
    return following


async def submit(
    uow: UnitOfWork, actor: Actor, text: str | None, now: datetime, *, photo: str | None = None
) -> ComposeView:
    """What the author typed (or a photo with a caption) at the step they are at."""
    step, data = await FLOW.require(uow, actor.telegram_user_id)
    body = (text or "").strip()
    if photo is not None and step is not Step.PRODUCT:
        raise InvalidInput("photo_only_with_product")
    if step is Step.PRODUCT:
        first, _, rest = body.partition("\n")
        product = " ".join(first.split())
        if len(product) < 3:
            raise InvalidInput("product_expected")
        if len(product) > PRODUCT_MAX or len(rest.strip()) > DETAILS_MAX:
            raise InvalidInput("too_long")
        data.update(product=product, details=rest.strip(), photo=photo)
    elif step is Step.QUANTITY:
        quantity = _quantity(body)
        if quantity.unit is None:
            raise InvalidInput("unit_expected")
        data.update(quantity=quantity.amount, unit=quantity.unit)
    elif step is Step.PRICE:
        data["price"] = None if _skipped(body) else _rupiah(body, zero=False)
    elif step is Step.DEADLINE:
        zone = (await _compose_view(uow, actor, step, data)).draft.zone
        try:
            deadline = parse_coming_day(body, _local_today(now, zone))
        except MonthError as error:
            raise InvalidInput("day_unreadable") from error
        if deadline < _local_today(now, zone):
            raise InvalidInput("day_past")
        data["deadline"] = deadline.isoformat()
    elif step is Step.PLACE:
        place = " ".join(body.split())
        if len(place) < 3:
            raise InvalidInput("place_expected")
        if len(place) > PLACE_MAX:
            raise InvalidInput("too_long")
        data["place"] = place
    elif step is Step.REQUIREMENTS:
        requirements = None if _skipped(body) else " ".join(body.split())
        if requirements is not None and len(requirements) > REQUIREMENTS_MAX:
            raise InvalidInput("too_long")
        data["requirements"] = requirements
    else:
        raise InvalidInput(f"use_buttons_{step.value}")
    return await _save(uow, actor, _after(step, data), data)


async def skip(uow: UnitOfWork, actor: Actor) -> ComposeView:
    """ "Lewati" on the optional steps: no price per unit, no requirements."""
    step, data = await FLOW.require(uow, actor.telegram_user_id, Step.PRICE, Step.REQUIREMENTS)
    data["price" if step is Step.PRICE else "requirements"] = None
    return await _save(uow, actor, _after(step, data), data)


async def _enquiry_for_chair(uow: UnitOfWork, actor: Actor, enquiry_id: int):
    enquiry = await uow.catalogue.enquiry(enquiry_id)
    if enquiry is None or enquiry.routed_to != "ketua" or enquiry.draft_key is None:
        raise NotFound("enquiry")
    cluster = await uow.clusters.get(enquiry.cluster_id)
    if cluster is None or not actor.can_manage(cluster_info(cluster)):
        raise NotAllowed("cluster_scope")
    return enquiry, cluster


def _draft_refusal(enquiry) -> AlreadyDone:
    if enquiry.draft_state == "posted":
        return AlreadyDone("draft_posted")
    if enquiry.draft_state == "discarded":
        return AlreadyDone("draft_discarded")
    return AlreadyDone("draft_taken")


async def from_enquiry(uow: UnitOfWork, actor: Actor, enquiry_id: int, now: datetime, i18n: I18n) -> ComposeView:
    """ "Buka draf permintaan" under a larger enquiry: the draft of a market request for the
    enquiry's cluster with what, how many, by when and where filled in from the buyer's answers;
    the chair goes on from the price. Claimed by one chair (a conditional update); the same
    chair pressing again is shown where they are, another chair is told it is handled."""
    enquiry, cluster = await _enquiry_for_chair(uow, actor, enquiry_id)
    loaded = await FLOW.load(uow, actor.telegram_user_id)
    if loaded is not None and loaded[1].get("key") == enquiry.draft_key:
        if enquiry.draft_state == "opened" and enquiry.draft_by == actor.telegram_user_id:
            return await _compose_view(uow, actor, loaded[0], loaded[1])
    if await draft_of(uow, actor.telegram_user_id) is not None:
        # Whatever else the chair is writing stays; the draft waits for them.
        raise NotAllowed("finish_current_step")
    if not await uow.catalogue.claim_draft(enquiry.id, actor.telegram_user_id):
        await uow.session.refresh(enquiry)
        raise _draft_refusal(enquiry)
    product = await uow.catalogue.get(enquiry.product_id) if enquiry.product_id is not None else None
    t = i18n.translator(actor.language)
    what = " ".join((enquiry.what or "").split())[:PRODUCT_MAX]
    data: dict[str, Any] = {
        "cluster_ids": [cluster.id], "key": enquiry.draft_key, "enquiry_id": enquiry.id,
        "product": what if len(what) >= 3 else (product.name if product else what),
        "details": t.gettext("Seperti {produk} di katalog klaster.", produk=product.name) if product else "",
        "quantity": int(enquiry.quantity or 0), "unit": (product.unit if product else None) or "pcs",
        "photo": None, "prefilled": [],
    }
    place = " ".join((enquiry.deliver_to or "").split())[:PLACE_MAX]
    if len(place) >= 3:
        data["place"] = place
        data["prefilled"].append("place")
    try:
        deadline = parse_coming_day(enquiry.needed_by or "", _local_today(now, cluster.timezone))
    except MonthError:
        deadline = None
    if deadline is not None and deadline >= _local_today(now, cluster.timezone):
        data["deadline"] = deadline.isoformat()
        data["prefilled"].append("deadline")
    await uow.audit.record("enquiry.draft_open", actor=actor.telegram_user_id, subject=f"enquiry:{enquiry.id}")
    return await _save(uow, actor, Step.PRICE, data)


async def discard_enquiry_draft(uow: UnitOfWork, actor: Actor, enquiry_id: int) -> None:
    """ "Abaikan": the draft of a larger enquiry is dropped, once; nothing is sent."""
    enquiry, _ = await _enquiry_for_chair(uow, actor, enquiry_id)
    if not await uow.catalogue.discard_draft(enquiry.id, actor.telegram_user_id):
        await uow.session.refresh(enquiry)
        raise _draft_refusal(enquiry)
    loaded = await FLOW.load(uow, actor.telegram_user_id)
    if loaded is not None and loaded[1].get("key") == enquiry.draft_key:
        await FLOW.clear(uow, actor.telegram_user_id)
    await uow.audit.record("enquiry.draft_discard", actor=actor.telegram_user_id, subject=f"enquiry:{enquiry.id}")
    await uow.commit()


async def current(uow: UnitOfWork, actor: Actor) -> ComposeView:
    step, data = await FLOW.require(uow, actor.telegram_user_id)
    return await _compose_view(uow, actor, step, data)


async def abandon(uow: UnitOfWork, actor: Actor) -> None:
    """ "Batal" while composing: the draft is dropped."""
    await FLOW.require(uow, actor.telegram_user_id)
    await FLOW.clear(uow, actor.telegram_user_id)
    await uow.commit()


@dataclass(frozen=True)
class Posted:
    request_id: int
    recipients: int
    unreachable: int


async def post(uow: UnitOfWork, actor: Actor, now: datetime, i18n: I18n, key: str | None) -> Posted:
    """ "Kirim": the request and one delivery per member of its clusters, in one transaction.

    The draft is claimed by deleting its state (FLOW.take): a double press or a second instance
    posts it once and the loser is told it was sent."""
    taken = await FLOW.take(uow, actor.telegram_user_id, Step.PREVIEW)
    if taken is None or (key is not None and taken[1].get("key") != key):
        if taken is not None:
            await FLOW.save(uow, actor.telegram_user_id, taken[0], taken[1])  # a newer draft stays
        posted = await uow.requests.from_draft(key) if key else None
        if posted is not None and posted.author_telegram_user_id == actor.telegram_user_id:
            raise AlreadyDone("request_sent")
        raise StaleAction("request_step")
    data = taken[1]
    cluster_ids = list(data.get("cluster_ids") or [])
    allowed = {c.id for c in await announcements.clusters_in_scope(uow, actor)}
    if not cluster_ids or not set(cluster_ids) <= allowed:
        # The scope changed since the draft was started (a role was revoked).
        await FLOW.save(uow, actor.telegram_user_id, Step.PREVIEW, data)
        raise NotAllowed("request_scope")
    view = (await _compose_view(uow, actor, Step.PREVIEW, data)).draft
    user = await uow.users.get(actor.telegram_user_id)
    request = await uow.requests.add(
        MarketRequest(
            author_telegram_user_id=actor.telegram_user_id, author_language=user.language if user else actor.language,
            product=view.product, details=view.details, photo_file_id=view.photo, quantity=view.quantity, unit=view.unit,
            price_per_unit=view.price_per_unit, deadline=view.deadline, zone=view.zone, place=view.place,
            requirements=view.requirements, status=RequestStatus.OPEN.value, created_at=now,
            created_month=_month(now, view.zone), draft_key=data.get("key"),
        ),
        cluster_ids,
    )
    request_id = request.id
    if data.get("enquiry_id") is not None:
        await uow.catalogue.draft_posted(data["key"])
    member_view = replace(view, id=request_id)
    queued = await announcements.queue_member_copies(
        uow, cluster_ids, lambda language, zone: texts.member_copy(i18n.translator(language), member_view),
        kind="market_request", key_prefix=f"req:{request_id}", now=now,
        product=f"{view.product} {view.details}",
    )
    await uow.requests.set_recipients(request_id, queued.per_cluster)
    await uow.audit.record(
        "request.create", actor=actor.telegram_user_id, subject=f"request:{request_id}", clusters=cluster_ids,
        quantity=view.quantity, unit=view.unit, deadline=view.deadline.isoformat(), recipients=queued.recipients,
    )
    await uow.commit()
    return Posted(request_id, queued.recipients, queued.unreachable)


# --- pledges ---------------------------------------------------------------------------------


def pledge_choices(quantity: int) -> tuple[int, ...]:
    """Round amounts up to half of the request (1, 2, 5 x 10^n), at most four, smallest first."""
    nice = [m * 10**e for e in range(0, 10) for m in (1, 2, 5)]
    wanted = [quantity / 20, quantity / 10, quantity / 5, quantity * 2 / 5]
    picks = []
    for target in wanted:
        best = min(nice, key=lambda n: (abs(n - target), n))
        if 0 < best <= quantity and best not in picks:
            picks.append(best)
    return tuple(sorted(picks))


async def _pledging_member(uow: UnitOfWork, user_id: int, request: MarketRequest | None) -> Member:
    member = await uow.members.by_telegram_id(user_id)
    if member is None:
        # Never registered, or their data was erased since the request reached them.
        raise NotRegistered("member")
    if request is None:
        raise NotFound("request")
    if member.status != MemberStatus.ACTIVE.value or member.cluster_id not in await uow.requests.cluster_ids(request.id):
        raise NotAllowed("request_not_for_member")
    return member


def _require_open(request: MarketRequest) -> None:
    if request.status != RequestStatus.OPEN.value:
        # What is pledged stays as it is; only nothing can change any more.
        raise AlreadyDone("request_closed")


async def _fill(uow: UnitOfWork, request_id: int) -> Fill:
    pledged, pledgers = await uow.requests.fill(request_id)
    return Fill(pledged, pledgers)


async def offer(uow: UnitOfWork, user_id: int, request_id: int) -> PledgeOffer:
    """ "Sanggup": the amounts to choose from, the total so far and the member's own pledge."""
    request = await uow.requests.get(request_id)
    member = await _pledging_member(uow, user_id, request)
    _require_open(request)
    mine = await uow.requests.pledge_of(request_id, member.id)
    return PledgeOffer(
        request=await _view(uow, request), fill=await _fill(uow, request_id), choices=pledge_choices(request.quantity),
        mine=mine.quantity if mine is not None and mine.status == rq.ACTIVE else None, phone_missing=not member.phone,
    )


async def ask_other_amount(uow: UnitOfWork, user_id: int, request_id: int) -> RequestView:
    """ "Jumlah lain": the member types the quantity."""
    request = await uow.requests.get(request_id)
    await _pledging_member(uow, user_id, request)
    _require_open(request)
    await ANSWER_FLOW.save(uow, user_id, AnswerStep.PLEDGE_AMOUNT, {"request_id": request_id})
    await uow.commit()
    return await _view(uow, request)


async def pledge(uow: UnitOfWork, user_id: int, request_id: int, quantity: int, now: datetime, i18n: I18n) -> Pledged:
    """Pledge or change: one row per member (the unique constraint), the author told."""
    request = await uow.requests.get(request_id)
    member = await _pledging_member(uow, user_id, request)
    _require_open(request)
    if quantity <= 0:
        raise InvalidInput("quantity_zero")
    if quantity > request.quantity:
        raise InvalidInput("pledge_above_request")
    before = await uow.requests.pledge_of(request_id, member.id)
    was_active = before is not None and before.status == rq.ACTIVE
    previous = before.quantity if was_active else None
    ready_by = (before.ready_by if was_active and before.ready_by else None) or request.deadline
    version = await uow.requests.upsert_pledge(request_id, member.id, member.cluster_id, quantity, ready_by, now)
    fill = await _fill(uow, request_id)
    view = await _view(uow, request)
    if version is None:
        # The same amount again (a double press, or the same press on a second instance).
        return Pledged(view, quantity, ready_by, fill, changed=False, phone_missing=not member.phone)
    await _tell_author(
        uow, request, member, now, i18n, f"req:{request_id}:v{version}",
        lambda t: texts.pledge_notice(t, view, name=member.name or "", business=member.business_name or "",
                                      phone=member.phone, quantity=quantity, previous=previous, fill=fill),
    )
    await uow.audit.record(
        "request.pledge", actor=user_id, subject=f"request:{request_id}", member=member.id, quantity=quantity,
        previous=previous, version=version,
    )
    await uow.commit()
    return Pledged(view, quantity, ready_by, fill, changed=previous is not None, phone_missing=not member.phone)


async def submit_answer_text(uow: UnitOfWork, user_id: int, text: str | None, now: datetime, i18n: I18n) -> Any:
    """A typed answer in the flow "request_answer": dispatched by its step."""
    step, data = await ANSWER_FLOW.require(uow, user_id)
    if step is AnswerStep.PLEDGE_AMOUNT:
        quantity = _quantity(text)
        result = await pledge(uow, user_id, int(data["request_id"]), quantity.amount, now, i18n)
        await ANSWER_FLOW.clear(uow, user_id)
        await uow.commit()
        return result
    if step is AnswerStep.READY_BY:
        return await _ready_by(uow, user_id, int(data["request_id"]), text, now)
    if step is AnswerStep.ADJUST:
        return await adjust(uow, user_id, data, text)
    if step is AnswerStep.DEAL_VALUE:
        return await _deal_value(uow, user_id, int(data["followup_id"]), text, now)
    if step is AnswerStep.DELIVERED:
        return await _delivered(uow, user_id, data, text, now)
    return await _paid(uow, user_id, data, text, now)


async def ask_ready_by(uow: UnitOfWork, user_id: int, request_id: int) -> RequestView:
    """ "Ubah tanggal siap": the member types by when they can supply."""
    request = await uow.requests.get(request_id)
    member = await _pledging_member(uow, user_id, request)
    _require_open(request)
    mine = await uow.requests.pledge_of(request_id, member.id)
    if mine is None or mine.status != rq.ACTIVE:
        raise StaleAction("pledge_missing")
    await ANSWER_FLOW.save(uow, user_id, AnswerStep.READY_BY, {"request_id": request_id})
    await uow.commit()
    return await _view(uow, request)


async def _ready_by(uow: UnitOfWork, user_id: int, request_id: int, text: str | None, now: datetime) -> Pledged:
    request = await uow.requests.get(request_id)
    member = await _pledging_member(uow, user_id, request)
    _require_open(request)
    try:
        day = parse_coming_day(text or "", _local_today(now, request.zone))
    except MonthError as error:
        raise InvalidInput("day_unreadable") from error
    if day < _local_today(now, request.zone):
        raise InvalidInput("day_past")
    if day > request.deadline:
        raise InvalidInput("ready_after_deadline")
    mine = await uow.requests.pledge_of(request_id, member.id)
    if mine is None or mine.status != rq.ACTIVE:
        raise StaleAction("pledge_missing")
    mine.ready_by = day
    await uow.audit.record("request.ready_by", actor=user_id, subject=f"request:{request_id}", ready_by=day.isoformat())
    await ANSWER_FLOW.clear(uow, user_id)
    await uow.commit()
    return Pledged(await _view(uow, request), mine.quantity, day, await _fill(uow, request_id), True, not member.phone)


async def withdraw(uow: UnitOfWork, user_id: int, request_id: int, now: datetime, i18n: I18n) -> Pledged:
    """ "Tarik sanggupan" until the request closes; the author told."""
    request = await uow.requests.get(request_id)
    member = await _pledging_member(uow, user_id, request)
    _require_open(request)
    before = await uow.requests.pledge_of(request_id, member.id)
    version = await uow.requests.withdraw(request_id, member.id, now)
    if version is None:
        raise AlreadyDone("pledge_withdrawn")
    fill = await _fill(uow, request_id)
    view = await _view(uow, request)
    previous = before.quantity if before is not None else 0
    await _tell_author(
        uow, request, member, now, i18n, f"req:{request_id}:v{version}",
        lambda t: texts.withdrawal_notice(t, view, name=member.name or "", business=member.business_name or "",
                                          previous=previous, fill=fill),
    )
    await uow.audit.record("request.withdraw", actor=user_id, subject=f"request:{request_id}", member=member.id, version=version)
    await uow.commit()
    return Pledged(view, None, None, fill, changed=True, phone_missing=not member.phone)


async def _tell_author(uow: UnitOfWork, request: MarketRequest, member: Member, now: datetime, i18n: I18n, what: str, render) -> None:
    """A notice to the author naming the member, only while the author manages the member's
    cluster (a revoked author hears nothing more); keyed by the member, so their erasure finds it."""
    if not await announcements.reads_members_of(uow, request.author_telegram_user_id, member.cluster_id):
        return
    t = i18n.translator(request.author_language)
    await notices.enqueue(uow, [
        notices.Notice("request_notice", f"lead:{member.id}:{what}", request.author_telegram_user_id, render(t))
    ], now)


# --- the author's side -----------------------------------------------------------------------


async def _authored(uow: UnitOfWork, actor: Actor, request_id: int) -> tuple[MarketRequest, set[int]]:
    """The request and the clusters of it the author manages now (NotAllowed when none: the
    list holds names and phones, so a revoked author sees nothing more)."""
    request = await uow.requests.get(request_id)
    if request is None:
        raise NotFound("request")
    if request.author_telegram_user_id != actor.telegram_user_id:
        raise NotAllowed("request_author")
    current = {c.id for c in await _managed(uow, actor)}
    readable = current & set(await uow.requests.cluster_ids(request_id))
    if not readable:
        raise NotAllowed("request_author")
    return request, readable


async def _managed(uow: UnitOfWork, actor: Actor) -> list[ClusterInfo]:
    return [c for c in (cluster_info(x) for x in await uow.clusters.all()) if actor.can_manage(c)]


def _line(number: int, pledge, member: Member) -> PledgeLine:
    return PledgeLine(
        number=number, pledge_id=pledge.id, name=member.name or "", business=member.business_name or "",
        phone=member.phone, quantity=pledge.quantity, ready_by=pledge.ready_by, allocated=pledge.allocated,
        confirmation=pledge.confirmation,
    )


async def _lines(uow: UnitOfWork, request_id: int, readable: set[int]) -> tuple[PledgeLine, ...]:
    rows = [(p, m) for p, m in await uow.requests.pledges(request_id) if m is not None and p.cluster_id in readable]
    return tuple(_line(i, p, m) for i, (p, m) in enumerate(rows, 1))


async def author_view(uow: UnitOfWork, actor: Actor, request_id: int) -> AuthorView:
    """The fill ("430 dari 500 lembar, 9 anggota") and the pledges with contacts."""
    request, readable = await _authored(uow, actor, request_id)
    return AuthorView(await _view(uow, request), await _fill(uow, request_id), await _lines(uow, request_id, readable))


async def close(uow: UnitOfWork, actor: Actor, request_id: int, now: datetime) -> AuthorView:
    """ "Tutup": no more pledges or changes; what was pledged stays."""
    request, readable = await _authored(uow, actor, request_id)
    if not await uow.requests.close(request_id, now, _month(now, request.zone)):
        raise AlreadyDone("request_closed" if request.status == RequestStatus.CLOSED.value else "request_allocated")
    await uow.audit.record("request.close", actor=actor.telegram_user_id, subject=f"request:{request_id}")
    await uow.commit()
    await uow.session.refresh(request)
    return AuthorView(await _view(uow, request), await _fill(uow, request_id), await _lines(uow, request_id, readable))


def propose_parts(quantity: int, pledges: list[tuple[int, int]]) -> dict[int, int]:
    """Split min(quantity, pledged) within each pledge, in proportion (largest remainder; ties to
    the earlier pledge). `pledges` are (pledge id, quantity) in pledge order."""
    total = sum(q for _, q in pledges)
    if total <= quantity:
        return {pid: q for pid, q in pledges}
    parts = {pid: q * quantity // total for pid, q in pledges}
    left = quantity - sum(parts.values())
    order = sorted(range(len(pledges)), key=lambda i: (-(pledges[i][1] * quantity % total), i))
    for i in order[:left]:
        parts[pledges[i][0]] += 1
    return parts


async def _proposal(uow: UnitOfWork, request: MarketRequest, readable: set[int], parts: dict[int, int]) -> Proposal:
    lines = await _lines(uow, request.id, readable)
    return Proposal(await _view(uow, request), tuple(replace(line, allocated=parts.get(line.pledge_id, 0)) for line in lines))


async def propose(uow: UnitOfWork, actor: Actor, request_id: int) -> Proposal:
    """ "Bagi pesanan": the bot's split, kept while the author adjusts it."""
    request, readable = await _authored(uow, actor, request_id)
    if request.status == RequestStatus.ALLOCATED.value:
        raise AlreadyDone("request_allocated")
    lines = await _lines(uow, request_id, readable)
    if not lines:
        raise InvalidInput("nothing_pledged")
    parts = propose_parts(request.quantity, [(line.pledge_id, line.quantity) for line in lines])
    await ANSWER_FLOW.save(
        uow, actor.telegram_user_id, AnswerStep.ADJUST,
        {"request_id": request_id, "parts": {str(k): v for k, v in parts.items()}},
    )
    await uow.commit()
    return await _proposal(uow, request, readable, parts)


_ADJUSTMENT = re.compile(r"^\s*(?:no\.?\s*)?(\d{1,4})\s*[:=.\-]?\s+(.+?)\s*$", re.IGNORECASE)


async def adjust(uow: UnitOfWork, user_id: int, data: dict[str, Any], text: str | None) -> Proposal:
    """ "2 120" (one a line, or separated by commas): pledge number 2 gets 120, within its pledge."""
    actor, _ = await resolve_actor(uow, user_id)
    request, readable = await _authored(uow, actor, int(data["request_id"]))
    if request.status == RequestStatus.ALLOCATED.value:
        raise AlreadyDone("request_allocated")
    parts = {int(k): int(v) for k, v in data["parts"].items()}
    lines = {line.number: line for line in await _lines(uow, request.id, readable)}
    entries = [e for e in re.split(r"[\n,;]+", text or "") if e.strip()]
    if not entries:
        raise InvalidInput("adjust_expected")
    for entry in entries:
        match = _ADJUSTMENT.match(entry)
        if match is None or int(match[1]) not in lines:
            raise InvalidInput("adjust_expected")
        line = lines[int(match[1])]
        words = match[2].strip().casefold()
        part = 0 if words in ("0", "nol") else _quantity(match[2]).amount
        if part > line.quantity:
            raise InvalidInput("part_above_pledge")
        parts[line.pledge_id] = part
    if sum(parts.get(line.pledge_id, 0) for line in lines.values()) > request.quantity:
        raise InvalidInput("parts_above_request")
    data["parts"] = {str(k): v for k, v in parts.items()}
    await ANSWER_FLOW.save(uow, user_id, AnswerStep.ADJUST, data)
    await uow.commit()
    return await _proposal(uow, request, readable, parts)


async def current_proposal(uow: UnitOfWork, actor: Actor) -> Proposal:
    step, data = await ANSWER_FLOW.require(uow, actor.telegram_user_id, AnswerStep.ADJUST)
    request, readable = await _authored(uow, actor, int(data["request_id"]))
    return await _proposal(uow, request, readable, {int(k): int(v) for k, v in data["parts"].items()})


async def send_allocation(uow: UnitOfWork, actor: Actor, request_id: int, now: datetime, i18n: I18n) -> Allocated:
    """ "Kirim pembagian": the parts are written and each member told, once (the request's move
    to "allocated" is the claim; the proposal is taken from the author's state)."""
    taken = await ANSWER_FLOW.take(uow, actor.telegram_user_id, AnswerStep.ADJUST)
    if taken is None or int(taken[1].get("request_id", 0)) != request_id:
        if taken is not None:
            await ANSWER_FLOW.save(uow, actor.telegram_user_id, taken[0], taken[1])
        request = await uow.requests.get(request_id)
        if request is not None and request.status == RequestStatus.ALLOCATED.value:
            raise AlreadyDone("request_allocated")
        raise StaleAction("request_step")
    try:
        request, readable = await _authored(uow, actor, request_id)
    except DomainError:
        await ANSWER_FLOW.save(uow, actor.telegram_user_id, taken[0], taken[1])
        raise
    parts = {int(k): int(v) for k, v in taken[1]["parts"].items()}
    if not await uow.requests.allocate(request_id, now, _month(now, request.zone)):
        raise AlreadyDone("request_allocated")
    await uow.session.refresh(request)
    view = await _view(uow, request)
    members = total = 0
    for pledge_row, member in await uow.requests.pledges(request_id):
        if member is None or pledge_row.cluster_id not in readable:
            continue
        part = parts.get(pledge_row.id, 0)
        await uow.requests.set_part(pledge_row.id, part)
        members += part > 0
        total += part
        if member.chat_id is None:
            continue
        t = i18n.translator(await _language_of(uow, member))
        await notices.enqueue(uow, [
            notices.Notice("request_part", f"req:{request_id}:part:{pledge_row.id}", member.chat_id,
                           texts.part_notice(t, view, part=part, pledged=pledge_row.quantity), member_id=member.id,
                           not_before=first_allowed(now, member.cluster.timezone))
        ], now)
    await uow.audit.record(
        "request.allocate", actor=actor.telegram_user_id, subject=f"request:{request_id}", members=members, total=total,
    )
    await uow.commit()
    return Allocated(view, members, total)


async def _language_of(uow: UnitOfWork, member: Member) -> str | None:
    user = await uow.users.get(member.telegram_user_id) if member.telegram_user_id else None
    return user.language if user else None


async def answer_part(uow: UnitOfWork, user_id: int, request_id: int, accept: bool, now: datetime, i18n: I18n) -> Part:
    """ "Saya sanggup" / "Tidak bisa" on an allocated part, once; the author told."""
    request = await uow.requests.get(request_id)
    member = await _pledging_member(uow, user_id, request)
    mine = await uow.requests.pledge_of(request_id, member.id)
    if mine is None or not mine.allocated:
        raise StaleAction("part_missing")
    if not await uow.requests.confirm_part(request_id, member.id, "confirmed" if accept else "declined", now):
        raise AlreadyDone("part_answered")
    view = await _view(uow, request)
    await _tell_author(
        uow, request, member, now, i18n, f"req:{request_id}:part",
        lambda t: texts.part_answer_notice(t, view, name=member.name or "", part=mine.allocated, accepted=accept),
    )
    await uow.audit.record(
        "request.part", actor=user_id, subject=f"request:{request_id}", member=member.id, accepted=accept, part=mine.allocated,
    )
    await uow.commit()
    return Part(view, mine.allocated, accept)


# --- follow-ups ------------------------------------------------------------------------------

FINAL_AUTHOR = {DealAnswer.DEAL.value, DealAnswer.NO.value, DealAnswer.DECLINED.value}


def _due_at(day: date, days: int, schedule: FollowUpSchedule, zone: str) -> datetime:
    return datetime.combine(day + timedelta(days=days), schedule.hour, tzinfo=ZoneInfo(zone))


async def queue_followups(uow: UnitOfWork, now: datetime, i18n: I18n, schedule: FollowUpSchedule) -> int:
    """Ask the authors and members whose follow-up round is due, once: each question is a row
    with a unique key, inserted before its notice (a second instance inserts nothing and sends
    nothing). Round 2 and later ask only who has not answered for good. Returns notices queued."""
    queued = 0
    # WIT is the furthest ahead: no zone's day is later than this.
    latest_today = now.astimezone(ZoneInfo("Asia/Jayapura")).date()
    for round_, days in enumerate(schedule.days_after_deadline, 1):
        for request in await uow.requests.due_requests(latest_today - timedelta(days=days), round_):
            if now < _due_at(request.deadline, days, schedule, request.zone):
                continue
            queued += await _ask_request(uow, request, round_, now, i18n)
        opportunity_days = schedule.opportunity_days + days
        for a in await uow.requests.due_opportunities(now - timedelta(days=opportunity_days), round_):
            queued += await _ask_opportunity(uow, a, round_, now, i18n)
    await uow.commit()
    return queued


async def _previous_answers(uow: UnitOfWork, round_: int, **subject: int) -> dict[str, str | None]:
    """Who gave which answer in earlier rounds ("author" / "m<member id>")."""
    answers: dict[str, str | None] = {}
    for f in await uow.requests.followups_of(**subject):
        if f.round < round_:
            who = "author" if f.role == "author" else f"m{f.member_id}"
            if answers.get(who) is None:
                answers[who] = f.answer
    return answers


async def _ask(
    uow: UnitOfWork, now: datetime, rows: list[tuple[dict[str, Any], int | None, Any]]
) -> int:
    """Insert the questions (claims) and queue the notice of each one added."""
    queued = 0
    for row, chat_id, render in rows:
        zone = row.pop("_zone", "Asia/Jakarta")
        ids = await uow.requests.add_followups([row])
        if not ids or chat_id is None:
            continue
        queued += await notices.enqueue(uow, [
            notices.Notice("followup", f"followup:{ids[0]}", chat_id, render(ids[0]), member_id=row.get("member_id"),
                           not_before=first_allowed(now, zone))
        ], now)
    return queued


async def _ask_request(uow: UnitOfWork, request: MarketRequest, round_: int, now: datetime, i18n: I18n) -> int:
    previous = await _previous_answers(uow, round_, request_id=request.id)
    subject = FollowUpSubject(request.product, request_id=request.id, quantity=request.quantity, unit=request.unit)
    cluster_ids = await uow.requests.cluster_ids(request.id)
    rows: list[tuple[dict[str, Any], int | None, Any]] = []
    base = {"request_id": request.id, "round": round_, "asked_at": now}
    if previous.get("author") not in FINAL_AUTHOR:
        # The row is written even for a revoked author (the round is claimed), but only an
        # author who still manages one of the clusters is asked.
        author = request.author_telegram_user_id
        allowed = author != 0 and any(
            [await announcements.reads_members_of(uow, author, c) for c in cluster_ids]
        )
        t = i18n.translator(request.author_language)
        rows.append((
            {**base, "key": f"req:{request.id}:{round_}:a", "role": "author", "telegram_user_id": author, "_zone": request.zone},
            author if allowed else None,
            lambda fid, t=t: texts.deal_question(t, fid, subject),
        ))
    for pledge_row, member in await uow.requests.pledges(request.id):
        if member is None or not pledge_row.allocated or pledge_row.confirmation == "declined":
            continue
        if previous.get(f"m{member.id}") is not None:
            continue
        t = i18n.translator(await _language_of(uow, member))
        mine = replace(subject, allocated=pledge_row.allocated)
        rows.append((
            {**base, "key": f"req:{request.id}:{round_}:m{member.id}", "role": "member",
             "telegram_user_id": member.telegram_user_id, "member_id": member.id, "cluster_id": member.cluster_id,
             "_zone": member.cluster.timezone},
            member.chat_id,
            lambda fid, t=t, mine=mine: texts.member_question(t, fid, mine),
        ))
    return await _ask(uow, now, rows)


def _title(text: str) -> str:
    first = " ".join(text.split("\n", 1)[0].split())
    return first if len(first) <= 60 else first[:57].rstrip() + "..."


async def _ask_opportunity(uow: UnitOfWork, a, round_: int, now: datetime, i18n: I18n) -> int:
    previous = await _previous_answers(uow, round_, announcement_id=a.id)
    subject = FollowUpSubject(_title(a.text), announcement_id=a.id)
    cluster_ids = await uow.requests.announcement_cluster_ids(a.id)
    rows: list[tuple[dict[str, Any], int | None, Any]] = []
    base = {"announcement_id": a.id, "round": round_, "asked_at": now}
    first_cluster = await uow.clusters.get(cluster_ids[0]) if cluster_ids else None
    zone = first_cluster.timezone if first_cluster is not None else "Asia/Jakarta"
    if previous.get("author") not in FINAL_AUTHOR:
        author = a.author_telegram_user_id
        allowed = author != 0 and any([await announcements.reads_members_of(uow, author, c) for c in cluster_ids])
        t = i18n.translator(a.author_language)
        rows.append((
            {**base, "key": f"ann:{a.id}:{round_}:a", "role": "author", "telegram_user_id": author, "_zone": zone},
            author if allowed else None,
            lambda fid, t=t: texts.deal_question(t, fid, subject),
        ))
    for member in await uow.requests.interested(a.id):
        if member.telegram_user_id is None or previous.get(f"m{member.id}") is not None:
            continue
        t = i18n.translator(await _language_of(uow, member))
        rows.append((
            {**base, "key": f"ann:{a.id}:{round_}:m{member.id}", "role": "member",
             "telegram_user_id": member.telegram_user_id, "member_id": member.id, "cluster_id": member.cluster_id,
             "_zone": member.cluster.timezone},
            member.chat_id,
            lambda fid, t=t: texts.member_question(t, fid, subject),
        ))
    return await _ask(uow, now, rows)


async def _followup_for(uow: UnitOfWork, user_id: int, followup_id: int, role: str):
    followup = await uow.requests.followup(followup_id)
    if followup is None or followup.role != role or followup.telegram_user_id != user_id:
        raise StaleAction("followup_gone")
    if followup.answer is not None:
        raise AlreadyDone("followup_answered")
    return followup


async def _subject(uow: UnitOfWork, followup) -> FollowUpSubject:
    if followup.request_id is not None:
        request = await uow.requests.get(followup.request_id)
        allocated = None
        if followup.member_id is not None:
            mine = await uow.requests.pledge_of(request.id, followup.member_id)
            allocated = mine.allocated if mine is not None else None
        return FollowUpSubject(request.product, request_id=request.id, quantity=request.quantity, unit=request.unit,
                               allocated=allocated)
    announcement = await uow.announcements.get(followup.announcement_id)
    return FollowUpSubject(_title(announcement.text if announcement else ""), announcement_id=followup.announcement_id)


async def _followup_zone(uow: UnitOfWork, followup) -> str:
    if followup.cluster_id is not None:
        cluster = await uow.clusters.get(followup.cluster_id)
        if cluster is not None:
            return cluster.timezone
    if followup.request_id is not None:
        request = await uow.requests.get(followup.request_id)
        return request.zone
    return "Asia/Jakarta"


async def _record(uow: UnitOfWork, user_id: int, followup, now: datetime, **values: Any) -> FollowUpAnswered:
    values.setdefault("month", _month(now, await _followup_zone(uow, followup)))
    if not await uow.requests.answer_followup(followup.id, {**values, "answered_at": now}):
        raise AlreadyDone("followup_answered")
    subject = await _subject(uow, followup)
    await uow.audit.record(
        "followup.answer", actor=user_id,
        subject=f"request:{followup.request_id}" if followup.request_id else f"announcement:{followup.announcement_id}",
        role=followup.role, round=followup.round, answer=values["answer"], value=values.get("value"),
        delivered=values.get("delivered"),
    )
    await ANSWER_FLOW.clear(uow, user_id)
    await uow.commit()
    return FollowUpAnswered(subject, followup.role, values["answer"], values.get("value"), values.get("delivered"))


async def answer_deal(uow: UnitOfWork, user_id: int, followup_id: int, answer: DealAnswer, now: datetime) -> FollowUpAnswered | FollowUpSubject:
    """ "Jadi transaksi?": Ya (then its value is asked), Masih nego, Tidak, Tidak mau menjawab."""
    followup = await _followup_for(uow, user_id, followup_id, "author")
    if answer is DealAnswer.DEAL:
        await ANSWER_FLOW.save(uow, user_id, AnswerStep.DEAL_VALUE, {"followup_id": followup_id})
        await uow.commit()
        return await _subject(uow, followup)
    return await _record(uow, user_id, followup, now, answer=answer.value)


async def _deal_value(uow: UnitOfWork, user_id: int, followup_id: int, text: str | None, now: datetime) -> FollowUpAnswered:
    followup = await _followup_for(uow, user_id, followup_id, "author")
    return await _record(uow, user_id, followup, now, answer=DealAnswer.DEAL.value, value=_rupiah(text, zero=False))


async def answer_member(uow: UnitOfWork, user_id: int, followup_id: int, declined: bool, now: datetime) -> FollowUpAnswered | FollowUpSubject:
    """ "Isi jawaban" (what was delivered, what was paid) or "Tidak mau menjawab"."""
    followup = await _followup_for(uow, user_id, followup_id, "member")
    if declined:
        return await _record(uow, user_id, followup, now, answer="declined")
    # A plain peluang has no quantities: only what was paid is asked.
    step = AnswerStep.DELIVERED if followup.request_id is not None else AnswerStep.PAID
    await ANSWER_FLOW.save(uow, user_id, step, {"followup_id": followup_id})
    await uow.commit()
    return await _subject(uow, followup)


async def _delivered(uow: UnitOfWork, user_id: int, data: dict[str, Any], text: str | None, now: datetime) -> FollowUpSubject:
    followup = await _followup_for(uow, user_id, int(data["followup_id"]), "member")
    words = " ".join((text or "").split()).casefold()
    delivered = 0 if words in ("0", "nol", "belum", "tidak ada") else _quantity(text).amount
    request = await uow.requests.get(followup.request_id)
    if delivered > request.quantity:
        raise InvalidInput("delivered_above_request")
    await ANSWER_FLOW.save(uow, user_id, AnswerStep.PAID, {"followup_id": followup.id, "delivered": delivered})
    await uow.commit()
    return await _subject(uow, followup)


async def _paid(uow: UnitOfWork, user_id: int, data: dict[str, Any], text: str | None, now: datetime) -> FollowUpAnswered:
    followup = await _followup_for(uow, user_id, int(data["followup_id"]), "member")
    paid = _rupiah(text, zero=True)
    return await _record(uow, user_id, followup, now, answer="answered", value=paid, delivered=data.get("delivered"))


async def decline_typed(uow: UnitOfWork, user_id: int, now: datetime) -> FollowUpAnswered:
    """ "Tidak mau menjawab" under a typed question of a follow-up."""
    step, data = await ANSWER_FLOW.require(uow, user_id, AnswerStep.DEAL_VALUE, AnswerStep.DELIVERED, AnswerStep.PAID)
    role = "author" if step is AnswerStep.DEAL_VALUE else "member"
    followup = await _followup_for(uow, user_id, int(data["followup_id"]), role)
    return await _record(uow, user_id, followup, now, answer="declined")


async def current_answer(uow: UnitOfWork, user_id: int) -> tuple[AnswerStep, Any]:
    """Where someone is in the flow "request_answer", with what its question shows."""
    step, data = await ANSWER_FLOW.require(uow, user_id)
    if step in (AnswerStep.PLEDGE_AMOUNT, AnswerStep.READY_BY):
        request = await uow.requests.get(int(data["request_id"]))
        if request is None:
            raise StaleAction("request_step")
        return step, await _view(uow, request)
    if step is AnswerStep.ADJUST:
        actor, _ = await resolve_actor(uow, user_id)
        return step, await current_proposal(uow, actor)
    followup = await uow.requests.followup(int(data["followup_id"]))
    if followup is None:
        raise StaleAction("request_step")
    return step, await _subject(uow, followup)


async def drop_answer(uow: UnitOfWork, user_id: int) -> None:
    """ "Batal" on a typed answer: nothing is recorded."""
    await ANSWER_FLOW.require(uow, user_id)
    await ANSWER_FLOW.clear(uow, user_id)
    await uow.commit()


# --- counted in omzet ------------------------------------------------------------------------


async def paid_in_month(uow: UnitOfWork, member_id: int, month: Month) -> tuple[PaidThrough, ...]:
    """What the member said they were paid through requests or opportunities in `month`, where
    they have not said yet whether their omzet for it includes that amount."""
    if uow.reports.paid_unsettled_known(member_id, str(month)) is False:
        return ()  # read with the report's year (Reports.year_for_report): nothing waits
    found = []
    for f in await uow.requests.paid_unsettled(member_id, str(month)):
        found.append(PaidThrough(f.id, (await _subject(uow, f)).title, int(f.value or 0)))
    return tuple(found)


async def answer_included(uow: UnitOfWork, user_id: int, followup_id: int, answer: str) -> str:
    """ "Sudah termasuk" / "Belum termasuk" / "Tidak mau menjawab", once."""
    if answer not in ("included", "not_included", "declined"):
        raise StaleAction("followup_gone")
    member = await uow.members.by_telegram_id(user_id)
    if member is None:
        raise NotRegistered("member")
    if not await uow.requests.set_omzet_answer(followup_id, member.id, answer):
        raise AlreadyDone("followup_answered")
    await uow.audit.record("followup.omzet", actor=user_id, subject=f"member:{member.id}", followup=followup_id, answer=answer)
    await uow.commit()
    return answer


# --- who receives opportunities ------------------------------------------------------------


async def only_my_products(uow: UnitOfWork, user_id: int) -> bool:
    member = await uow.members.by_telegram_id(user_id)
    if member is None:
        raise NotRegistered("member")
    return await uow.requests.only_my_products(member.id)


async def set_only_my_products(uow: UnitOfWork, user_id: int, value: bool, now: datetime) -> bool:
    """/peluang: only opportunities that name the member's main product or their cluster's
    commodity, or all of them."""
    member = await uow.members.by_telegram_id(user_id)
    if member is None:
        raise NotRegistered("member")
    await uow.requests.set_only_my_products(member.id, value, now)
    await uow.audit.record("member.opportunities", actor=user_id, subject=f"member:{member.id}", only_my_products=value)
    await uow.commit()
    return value


# --- the "Peluang pasar" figures -----------------------------------------------------------


def _units(totals: dict[str, int]) -> tuple[UnitTotal, ...]:
    return tuple(UnitTotal(unit, q) for unit, q in sorted(totals.items()))


def _figures(cluster: ClusterInfo, month: Month, raw: dict[str, Any], published: bool, publishes_at: datetime) -> MarketFigures:
    """Sums over members only where at least MIN_REPORTERS members are behind them (the
    small-numbers rule of every figure) or nobody is; before the month is published, counts only."""

    def shown(members: int) -> bool:
        return published and (members == 0 or members >= MIN_REPORTERS)

    answered = shown(raw["answered"])
    return MarketFigures(
        cluster_id=cluster.id, title=cluster.name, month=month, requests=raw["requests"], reached=raw["reached"],
        pledgers=raw["pledgers"],
        pledged=_units(raw["pledged"]) if shown(raw["pledgers"]) else None,
        allocated_members=raw["allocated_members"],
        allocated=_units(raw["allocated"]) if shown(raw["allocated_members"]) else None,
        answered_members=raw["answered"],
        delivered=_units(raw["delivered"]) if answered else None,
        paid=raw["paid"] if answered else None,
        paid_in_omzet=raw["paid_in_omzet"] if answered else None,
        deals=raw["deals"],
        deal_value=raw["deal_value"] if shown(raw["deal_members"]) else None,
        published=published, publishes_at=publishes_at, zone=cluster.timezone,
    )


async def _month_figures(
    uow: UnitOfWork, clusters: list[ClusterInfo], month: Month, now: datetime, deadline: Deadline
) -> list[MarketFigures]:
    raw = await rq.month_figures(uow.session, str(month), [c.id for c in clusters])
    out = []
    for c in clusters:
        at = publication_time(month, c.timezone, deadline)
        # Published with the month's omzet figures, at its deadline: every event counts in the
        # month it happened, written once, so what is shown then never changes afterwards.
        out.append(_figures(c, month, raw[c.id], now >= at, at))
    return out


async def cluster_market(
    uow: UnitOfWork, actor: Actor, cluster_id: int, month: Month, now: datetime, deadline: Deadline = DEFAULT_DEADLINE
) -> MarketFigures:
    """A cluster's "Peluang pasar" month, for its chair and koordinator."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        raise NotFound("cluster")
    info = cluster_info(cluster)
    if not actor.can_manage(info):
        raise NotAllowed("cluster_scope")
    return (await _month_figures(uow, [info], month, now, deadline))[0]


async def market_export_rows(
    uow: UnitOfWork, actor: Actor, month: Month, now: datetime, months: int = 12, deadline: Deadline = DEFAULT_DEADLINE
) -> list[MarketFigures]:
    """Every cluster in scope for the last `months` months, for the export's "Peluang pasar" sheet."""
    if not actor.is_koordinator:
        raise NotAllowed("export")
    clusters = await _managed(uow, actor)
    rows: list[MarketFigures] = []
    for back in range(months - 1, -1, -1):
        rows += await _month_figures(uow, clusters, month.months_back(back), now, deadline)
    return rows
