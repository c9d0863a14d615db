"""Registration: consent first, then name, business, product, cluster, phone, confirmation.

The draft lives in the conversation_states table, so a member who pauses (or a bot that
restarts) continues at the same step. Nothing personal is stored before consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain import (
    CONSENT_VERSION,
    AlreadyDone,
    ClusterInfo,
    DomainError,
    InvalidInput,
    MemberProfile,
    MemberStatus,
    Recipient,
    StaleAction,
)
from bot.flows import Flow
from bot.i18n import I18n
from bot.messages import people
from bot.phone import PhoneError, normalize_phone
from bot.services import notices, roster
from bot.services.clusters import ClusterChoices, cluster_choices, is_well_formed_invite
from bot.services.converters import cluster_info, member_profile
from bot.services.text_fields import BUSINESS_MAX, PRODUCT_MAX, clean_person_name, clean_text
from db.models import Member, RosterEntry
from db.uow import UnitOfWork


class Step(StrEnum):
    CONSENT = "consent"
    # Only when the Dinas imported a roster: share your number, and if it is on the list,
    # the rest is filled in and only needs confirming.
    MATCH = "match"
    NAME = "name"
    BUSINESS = "business"
    PRODUCT = "product"
    CLUSTER = "cluster"
    PHONE = "phone"
    CONFIRM = "confirm"


FLOW = Flow("registration", Step, stale="registration_step")

EDITABLE_STEPS = (Step.NAME, Step.BUSINESS, Step.PRODUCT, Step.CLUSTER, Step.PHONE)


class AlreadyRegistered(DomainError):
    def __init__(self, member: MemberProfile) -> None:
        super().__init__("already_registered")
        self.member = member


class InviteProblem(StrEnum):
    MALFORMED = "malformed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Draft:
    name: str | None = None
    business_name: str | None = None
    main_product: str | None = None
    cluster: ClusterInfo | None = None
    phone: str | None = None
    # False for a number typed rather than shared with the contact button.
    phone_verified: bool = True


@dataclass(frozen=True)
class RegistrationView:
    """Where the person is and what to show them."""

    step: Step
    draft: Draft
    choices: ClusterChoices = ClusterChoices()
    resumed: bool = False
    invite_problem: InviteProblem | None = None
    # After sharing a number at the MATCH step: found on the Dinas list, or not.
    roster_match: bool = False
    roster_miss: bool = False


@dataclass(frozen=True)
class Registered:
    member: MemberProfile
    # Chairs of the cluster (or koordinator in scope when it has none) who must decide.
    approvers: tuple[Recipient, ...] = ()

    @property
    def needs_approval(self) -> bool:
        return self.member.status is MemberStatus.PENDING


async def _view(
    uow: UnitOfWork, step: Step, data: dict[str, Any], **extra: Any
) -> RegistrationView:
    cluster = None
    if data.get("cluster_id") is not None:
        row = await uow.clusters.get(data["cluster_id"])
        cluster = cluster_info(row) if row else None
    draft = Draft(
        name=data.get("name"),
        business_name=data.get("business_name"),
        main_product=data.get("main_product"),
        cluster=cluster,
        phone=data.get("phone"),
        phone_verified=data.get("phone_verified", True),
    )
    choices = ClusterChoices()
    if step is Step.CLUSTER:
        choices = await cluster_choices(uow, kabupaten_index=data.get("kabupaten_index"), page=data.get("page", 0))
    return RegistrationView(step=step, draft=draft, choices=choices, **extra)


def _next_step(step: Step, data: dict[str, Any]) -> Step:
    """The step after `step`, skipping what is already known; back to CONFIRM when editing."""
    if data.get("editing"):
        return Step.CONFIRM
    order = [Step.MATCH, Step.NAME, Step.BUSINESS, Step.PRODUCT, Step.CLUSTER, Step.PHONE, Step.CONFIRM]
    for candidate in order[order.index(step) + 1 :]:
        if candidate is Step.CLUSTER and data.get("cluster_id") is not None:
            continue
        if candidate is Step.PHONE and data.get("phone_asked"):
            continue  # asked at the roster match already
        return candidate
    return Step.CONFIRM


def _previous_step(step: Step, data: dict[str, Any]) -> Step:
    """ "Kembali": the step before `step` as the person met them; from an edit, the summary."""
    if data.get("editing"):
        return Step.CONFIRM
    order = [Step.CONSENT, Step.MATCH, Step.NAME, Step.BUSINESS, Step.PRODUCT, Step.CLUSTER, Step.PHONE, Step.CONFIRM]
    for candidate in reversed(order[: order.index(step)]):
        if candidate is Step.MATCH and not data.get("match_offered"):
            continue
        if candidate is Step.CLUSTER and data.get("invited"):
            continue  # the invite chose the cluster: it was never asked
        if candidate is Step.PHONE and data.get("phone_asked"):
            continue  # asked at the roster match
        return candidate
    return Step.CONSENT


async def _save(uow: UnitOfWork, user_id: int, step: Step, data: dict[str, Any]) -> None:
    """Each answer is kept at once (committed): a pause or a restart resumes at this step."""
    if step is not Step.CLUSTER:
        data.pop("kabupaten_index", None)
    await FLOW.save(uow, user_id, step, data)
    await uow.commit()


async def begin(uow: UnitOfWork, user_id: int, invite_code: str | None) -> RegistrationView:
    """Start (or resume) registration, optionally into the cluster of an invite code."""
    member = await uow.members.by_telegram_id(user_id)
    if member is not None:
        raise AlreadyRegistered(member_profile(member))
    problem: InviteProblem | None = None
    cluster_id: int | None = None
    if invite_code:
        if not is_well_formed_invite(invite_code):
            problem = InviteProblem.MALFORMED
        else:
            cluster = await uow.clusters.by_invite_code(invite_code)
            if cluster is None:
                problem = InviteProblem.UNKNOWN
            else:
                cluster_id = cluster.id
                # Kept beyond this draft: after "Tidak setuju" or /batal, the next /daftar
                # still goes to this cluster.
                await uow.users.remember_invite(user_id, cluster_id)
    elif problem is None:
        user = await uow.users.get(user_id)
        if user is not None and user.invite_cluster_id is not None:
            if await uow.clusters.get(user.invite_cluster_id) is not None:
                cluster_id = user.invite_cluster_id
    loaded = await FLOW.load(uow, user_id)
    if loaded is not None:
        step, data = loaded
        # A valid invite link opened mid-way sets the cluster but never wipes answers.
        if invite_code and cluster_id is not None and data.get("cluster_id") != cluster_id:
            data["cluster_id"] = cluster_id
            data["invited"] = True
            data.pop("kabupaten_index", None)
            if step is Step.CLUSTER:
                step = _next_step(Step.CLUSTER, data)
            await _save(uow, user_id, step, data)
        return await _view(uow, step, data, resumed=True, invite_problem=problem)
    data: dict[str, Any] = {"cluster_id": cluster_id, "invited": True} if cluster_id is not None else {}
    await _save(uow, user_id, Step.CONSENT, data)
    return await _view(uow, Step.CONSENT, data, invite_problem=problem)


async def current(uow: UnitOfWork, user_id: int) -> RegistrationView | None:
    """The registration in progress, if any."""
    loaded = await FLOW.load(uow, user_id)
    if loaded is None:
        return None
    return await _view(uow, *loaded, resumed=True)


async def answer_consent(
    uow: UnitOfWork, user_id: int, *, agreed: bool, now: datetime
) -> RegistrationView | None:
    """Record consent (time and text version) and go on; a refusal ends and keeps nothing."""
    _, data = await FLOW.require(uow, user_id, Step.CONSENT)
    if not agreed:
        await FLOW.clear(uow, user_id)
        await uow.commit()
        return None
    data["consent_at"] = now.isoformat()
    data["consent_version"] = CONSENT_VERSION
    step = Step.MATCH if await roster.has_candidates(uow, data.get("cluster_id")) else Step.NAME
    if step is Step.MATCH:
        data["match_offered"] = True
    await _save(uow, user_id, step, data)
    return await _view(uow, step, data)


_TEXT_FIELDS = {
    Step.NAME: ("name", clean_person_name),
    Step.BUSINESS: ("business_name", lambda t: clean_text(t, max_length=BUSINESS_MAX)),
    Step.PRODUCT: ("main_product", lambda t: clean_text(t, max_length=PRODUCT_MAX)),
}


async def go_back(uow: UnitOfWork, user_id: int) -> RegistrationView:
    """ "Kembali": one step back; every answer given so far is kept."""
    step, data = await FLOW.require(uow, user_id)
    previous = _previous_step(step, data)
    data.pop("editing", None)
    await _save(uow, user_id, previous, data)
    return await _view(uow, previous, data)


async def submit_text(uow: UnitOfWork, user_id: int, text: str | None) -> RegistrationView:
    """Take what the person typed at the current step; InvalidInput keeps the draft as it is."""
    step, data = await FLOW.require(uow, user_id)
    if step is Step.PHONE and text:
        # A typed number is taken in any form people write it (0812..., +62 812-...), marked
        # as not verified: only the contact button proves the number is the member's own.
        try:
            data["phone"] = normalize_phone(text)
        except PhoneError as exc:
            raise InvalidInput("phone_typed_invalid") from exc
        data["phone_verified"] = False
        data.pop("editing", None)
        await _save(uow, user_id, Step.CONFIRM, data)
        return await _view(uow, Step.CONFIRM, data)
    if step not in _TEXT_FIELDS:
        # Consent, cluster, phone and confirmation are answered with buttons.
        raise InvalidInput(f"use_buttons_{step.value}")
    key, clean = _TEXT_FIELDS[step]
    data[key] = clean(text)
    next_step = _next_step(step, data)
    data.pop("editing", None)
    await _save(uow, user_id, next_step, data)
    return await _view(uow, next_step, data)


async def choose_kabupaten(uow: UnitOfWork, user_id: int, index: int, page: int = 0) -> RegistrationView:
    """Narrow the cluster list to one kabupaten (at a page of its clusters)."""
    step, data = await FLOW.require(uow, user_id, Step.CLUSTER)
    await cluster_choices(uow, kabupaten_index=index)  # raises NotFound for a stale index
    data["kabupaten_index"] = index
    data["page"] = page
    await _save(uow, user_id, step, data)
    return await _view(uow, step, data)


async def show_all_kabupaten(uow: UnitOfWork, user_id: int, page: int = 0) -> RegistrationView:
    """Back from one kabupaten's clusters to the kabupaten list (or a page of the full list)."""
    step, data = await FLOW.require(uow, user_id, Step.CLUSTER)
    data.pop("kabupaten_index", None)
    data["page"] = page
    await _save(uow, user_id, step, data)
    return await _view(uow, step, data)


async def choose_cluster(uow: UnitOfWork, user_id: int, cluster_id: int) -> RegistrationView:
    """Pick the cluster from the buttons."""
    step, data = await FLOW.require(uow, user_id, Step.CLUSTER)
    if await uow.clusters.get(cluster_id) is None:
        raise StaleAction("cluster_gone")
    user = await uow.users.get(user_id)
    if user is not None and user.invite_cluster_id not in (None, cluster_id):
        # Another cluster than the invite's: the invite is no longer what they want.
        await uow.users.remember_invite(user_id, None)
    data["cluster_id"] = cluster_id
    data.pop("kabupaten_index", None)
    next_step = _next_step(step, data)
    data.pop("editing", None)
    await _save(uow, user_id, next_step, data)
    return await _view(uow, next_step, data)


async def share_contact(
    uow: UnitOfWork, user_id: int, *, contact_user_id: int | None, phone_number: str
) -> RegistrationView:
    """Accept the member's own contact only: a stranger's number is never stored."""
    step, data = await FLOW.require(uow, user_id, Step.PHONE, Step.MATCH)
    if contact_user_id != user_id:
        raise InvalidInput("contact_not_own")
    try:
        data["phone"] = normalize_phone(phone_number)
    except PhoneError as exc:
        raise InvalidInput("phone_invalid") from exc
    data["phone_verified"] = True
    if step is Step.MATCH:
        data["phone_asked"] = True
        entry = await roster.find_match(uow, data["phone"], data.get("cluster_id"))
        if entry is None:
            next_step = _next_step(Step.MATCH, data)
            await _save(uow, user_id, next_step, data)
            return await _view(uow, next_step, data, roster_miss=True)
        data.update(
            name=entry.name, business_name=entry.business_name, main_product=entry.main_product,
            cluster_id=entry.cluster_id, roster_id=entry.id,
        )
        await _save(uow, user_id, Step.CONFIRM, data)
        return await _view(uow, Step.CONFIRM, data, roster_match=True)
    data.pop("editing", None)
    await _save(uow, user_id, Step.CONFIRM, data)
    return await _view(uow, Step.CONFIRM, data)


async def skip_phone(uow: UnitOfWork, user_id: int) -> RegistrationView:
    """Go on without a phone number (it is optional)."""
    step, data = await FLOW.require(uow, user_id, Step.PHONE, Step.MATCH)
    data["phone"] = None
    data.pop("editing", None)
    if step is Step.MATCH:
        data["phone_asked"] = True
        next_step = _next_step(Step.MATCH, data)
        await _save(uow, user_id, next_step, data)
        return await _view(uow, next_step, data)
    await _save(uow, user_id, Step.CONFIRM, data)
    return await _view(uow, Step.CONFIRM, data)


async def edit_field(uow: UnitOfWork, user_id: int, step: Step) -> RegistrationView:
    """From the summary, go back to one answer; afterwards return to the summary."""
    _, data = await FLOW.require(uow, user_id, Step.CONFIRM)
    if step not in EDITABLE_STEPS:
        raise StaleAction("registration_step")
    data["editing"] = True
    await _save(uow, user_id, step, data)
    return await _view(uow, step, data)


def _joined_programme(entry: RosterEntry | None, now: datetime) -> datetime:
    """When a new member's membership starts: now, or, for someone whose row in the Dinas's
    list says when they joined the programme, that day, so past months count them as the
    Dinas does. A list without the date says only that the Dinas knows them: from now."""
    if entry is None or entry.joined_at is None:
        return now
    return min(entry.joined_at, now)


async def confirm(uow: UnitOfWork, user_id: int, chat_id: int, now: datetime, i18n: I18n) -> Registered:
    """Save the member; pending when the cluster's chair must approve (who is asked through
    the outbox, in this transaction: a 429 or a 5xx delays the request, never loses it).

    Claimed by deleting the draft's state row: a double press or a second instance waits for
    the first, finds no draft and is told the registration is in, with one member row made.
    """
    taken = await FLOW.take(uow, user_id, Step.CONFIRM)
    if taken is None:
        if await uow.members.by_telegram_id(user_id) is not None:
            raise AlreadyDone("registered")
        raise StaleAction("registration_step")
    data = taken[1]
    view = await _view(uow, Step.CONFIRM, data)
    draft = view.draft
    refusal: StaleAction | None = None
    if draft.cluster is None or not (draft.name and draft.business_name and draft.main_product):
        # The cluster was deleted meanwhile, or the draft is damaged: ask again.
        refusal = StaleAction("registration_incomplete")
    elif await uow.members.by_telegram_id(user_id) is not None:
        refusal = StaleAction("already_registered")
    if refusal is not None:
        # Not claimed after all: the draft stays at its summary.
        await FLOW.save(uow, user_id, Step.CONFIRM, data)
        raise refusal
    status = MemberStatus.PENDING if draft.cluster.requires_approval else MemberStatus.ACTIVE
    entry = await uow.session.get(RosterEntry, data["roster_id"]) if data.get("roster_id") is not None else None
    if entry is not None and entry.claimed_member_id is not None:
        entry = None
    member = await uow.members.add(
        Member(
            telegram_user_id=user_id,
            chat_id=chat_id,
            name=draft.name,
            business_name=draft.business_name,
            main_product=draft.main_product,
            phone=draft.phone,
            phone_verified=None if draft.phone is None else draft.phone_verified,
            cluster_id=draft.cluster.id,
            status=status.value,
            joined_at=_joined_programme(entry, now),
            consent_at=datetime.fromisoformat(data["consent_at"]),
            consent_version=data["consent_version"],
        )
    )
    if entry is not None:
        entry.claimed_member_id = member.id
    await uow.users.remember_invite(user_id, None)  # joined: the invite has done its work
    approvers: list[int] = []
    if status is MemberStatus.PENDING:
        approvers = await uow.roles.chairs_of(draft.cluster.id)
        if not approvers:
            cluster = await uow.clusters.get(draft.cluster.id)
            approvers = await uow.roles.koordinators_for(cluster)
    await uow.audit.record(
        "member.register",
        actor=user_id,
        subject=f"member:{member.id}",
        cluster_id=draft.cluster.id,
        status=status.value,
        consent_version=data["consent_version"],
    )
    recipients = []
    profile = member_profile(member)
    for approver in approvers:
        user = await uow.users.get(approver)
        recipients.append(Recipient(approver, user.language if user else None))
    await notices.enqueue(uow, [
        notices.Notice(
            "join_request", f"joinreq:{member.id}:{r.telegram_user_id}", r.telegram_user_id,
            people.join_request(i18n.translator(r.language), profile),
        )
        for r in recipients
    ], now)
    await uow.commit()
    return Registered(member=profile, approvers=tuple(recipients))
