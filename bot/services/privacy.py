"""The data subject's rights (UU PDP No. 27/2022): a copy of everything held (/dataku), erasure
(/hapusdata), withdrawing consent (which is erasure: without consent nothing personal may be
kept), and the retention periods after which what nobody needs any more is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot import flows
from bot.domain import (
    CONSENT_VERSION,
    AlreadyDone,
    MemberProfile,
    MemberStatus,
    RoleScope,
    StaleAction,
)
from bot.services.actors import UPDATE_MEMORY
from bot.services.converters import member_profile, role_scope
from db import privacy_queries as pq
from db import request_queries as rq
from db.models import AuditEntry
from db.uow import UnitOfWork

# How long what is kept only for a while is kept (README, "Data pribadi / Personal data").
# Handled update ids: Telegram redelivers for at most 24 hours (actors.UPDATE_MEMORY).
DRAFT_MEMORY = timedelta(days=30)  # an unfinished registration, report or announcement
ROSTER_MEMORY = timedelta(days=180)  # a Dinas list row whose person never registered
# The text of a message the outbox sent (or gave up on): kept a week for looking into a
# complaint ("I never got it"), then only the row and its status stay.
COPY_MEMORY = timedelta(days=7)

# The export's own version: a reader of the file knows which keys to expect.
EXPORT_FORMAT = "klasterbot-dataku-1"


class ErasureReason(StrEnum):
    REQUEST = "request"  # /hapusdata
    CONSENT_WITHDRAWN = "consent_withdrawn"  # "Tarik persetujuan" under /dataku


@dataclass(frozen=True)
class MyData:
    """What /dataku shows in the chat, and the whole of it as a JSON-ready document."""

    member: MemberProfile | None
    roles: tuple[RoleScope, ...]
    reports: int
    corrections: int
    answers: int
    has_draft: bool
    document: dict[str, Any]

    @property
    def holds_anything(self) -> bool:
        return (
            self.member is not None or bool(self.roles) or self.has_draft or bool(self.document["telegram"]["language"])
            or bool(self.document["products"]) or bool(self.document["enquiries"])
        )

    @property
    def token(self) -> int:
        """What the buttons under the message carry: the member row they are about (0: none)."""
        return self.member.id if self.member is not None else 0


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _mine(entry: AuditEntry, telegram_user_id: int, member_id: int | None) -> bool:
    return entry.subject in {str(telegram_user_id), f"member:{member_id}" if member_id is not None else None}


def _audit_item(entry: AuditEntry, telegram_user_id: int, member_id: int | None) -> dict[str, Any]:
    """One audit entry as the person may see it: who acted and whom it was about are "you",
    "someone_else" or "operator", never another person's id."""
    if entry.actor_telegram_user_id == telegram_user_id:
        by = "you"
    elif entry.actor_telegram_user_id is None:
        by = "operator"
    else:
        by = "someone_else"
    subject = entry.subject
    if _mine(entry, telegram_user_id, member_id):
        about: str | None = "you"
    elif subject is not None and (subject.startswith("member:") or subject.isdigit()):
        about = "someone_else"
    else:
        about = subject  # a cluster, an announcement, a month: nobody's personal data
    return {"at": _iso(entry.at), "action": entry.action, "by": by, "about": about, "details": dict(entry.details or {})}


async def my_data(uow: UnitOfWork, user_id: int, now: datetime) -> MyData:
    """Everything held about the person, and only about them; the copy is audited."""
    session = uow.session
    member = await uow.members.by_telegram_id(user_id)
    user = await uow.users.get(user_id)
    grants = await uow.roles.of_user_with_cluster_names(user_id)
    state = await flows.draft_of(uow, user_id)
    member_id = member.id if member is not None else None
    reports = await pq.reports_with_versions(session, member_id) if member_id is not None else []
    answers = await pq.answers_of(session, member_id) if member_id is not None else []
    roster = await pq.roster_rows_for(session, member.phone if member else None, member_id)
    audit = await pq.audit_about(session, user_id, member_id)
    sent = await pq.messages_sent_to(session, member.chat_id if member else user_id, member_id)
    pledges = await rq.pledges_of_member(session, member_id) if member_id is not None else []
    followups = await rq.followups_of_person(session, user_id, member_id)
    authored = await rq.requests_by(session, user_id)
    products, photos, enquiries = await pq.catalogue_of(session, member_id, user_id)
    criteria = await pq.criteria_of(session, user_id)
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(now),
        "telegram": {"user_id": user_id, "language": user.language if user else None},
        "profile": None,
        "consent": None,
        "memberships": [],
        "roles": [
            {"role": g.role, "cluster": name, "kabupaten": g.kabupaten, "granted_at": _iso(g.granted_at)}
            for g, name in grants
        ],
        "omzet_reports": [
            {
                "month": r.month, "amount_rupiah": r.amount, "no_sales": r.no_sales, "note": r.note, "version": r.version,
                "reported_at": _iso(r.reported_at), "updated_at": _iso(r.updated_at),
                "versions": [
                    {
                        "version": v.version, "old_amount_rupiah": v.old_amount, "old_no_sales": v.old_no_sales,
                        "new_amount_rupiah": v.new_amount, "new_no_sales": v.new_no_sales,
                        "recorded_at": _iso(v.recorded_at),
                    }
                    for v in versions
                ],
            }
            for r, versions in reports
        ],
        # The announcement's text is its author's, and may name others: kind and dates only.
        "announcement_answers": [
            {
                "announcement_id": a.id, "kind": a.kind, "announced_at": _iso(a.created_at),
                "training_at": _iso(a.training_at), "training_place": a.training_place,
                "answer": response.answer, "answered_at": _iso(response.answered_at),
                # Consent that the sender passes the phone to the buyer (and that text's version).
                "phone_to_buyer_at": _iso(response.phone_to_buyer_at),
                "phone_to_buyer_version": response.phone_to_buyer_version,
            }
            for response, a in answers
        ],
        "dinas_list_rows": [
            {
                "cluster": cluster, "name": e.name, "business_name": e.business_name, "main_product": e.main_product,
                "phone": e.phone, "imported_at": _iso(e.imported_at), "joined_at": _iso(e.joined_at),
            }
            for e, cluster in roster
        ],
        "unfinished_step": (
            {"flow": state.flow, "step": state.step, "data": state.data, "updated_at": _iso(state.updated_at)}
            if state is not None else None
        ),
        # Market requests: what they pledged and were allocated, their follow-up answers, and the
        # requests they sent as a chair or koordinator (the buyer's order, no one else's data).
        "market_pledges": [
            {
                "request_id": r.id, "product": r.product, "unit": r.unit, "quantity": p.quantity,
                "ready_by": p.ready_by.isoformat() if p.ready_by else None, "status": p.status,
                "allocated": p.allocated, "confirmation": p.confirmation,
                "pledged_at": _iso(p.created_at), "changed_at": _iso(p.updated_at),
            }
            for p, r in pledges
        ],
        "market_followups": [
            {
                "request_id": f.request_id, "announcement_id": f.announcement_id, "round": f.round, "role": f.role,
                "asked_at": _iso(f.asked_at), "answer": f.answer, "value_rupiah": f.value, "delivered": f.delivered,
                "month": f.month, "included_in_omzet": f.omzet_answer, "answered_at": _iso(f.answered_at),
            }
            for f in followups
        ],
        "market_requests_sent": [
            {
                "request_id": r.id, "product": r.product, "quantity": r.quantity, "unit": r.unit,
                "price_per_unit_rupiah": r.price_per_unit, "deadline": r.deadline.isoformat(), "place": r.place,
                "status": r.status, "sent_at": _iso(r.created_at),
            }
            for r in authored
        ],
        "messages_sent_to_you": sent,
        # Katalog: the member's products, and every enquiry the person is a party to.
        "products": [
            {
                "name": p.name, "kind": p.kind, "unit": p.unit, "retail_price_rupiah": p.retail_price,
                "wholesale_price_rupiah": p.wholesale_price, "min_order": p.min_order,
                "capacity_per_month": p.capacity_per_month, "lead_days": p.lead_days,
                "certificates": dict(p.certificates or {}), "published": p.published, "show_phone": p.show_phone,
                "photos": photos.get(p.id, 0), "created_at": _iso(p.created_at),
            }
            for p in products
        ],
        "enquiries": [
            {
                "id": e.id, "as": "buyer" if e.buyer_telegram_id == user_id else "member",
                "what": e.what, "quantity": e.quantity, "needed_by": e.needed_by, "deliver_to": e.deliver_to,
                "your_name": e.buyer_name if e.buyer_telegram_id == user_id else None,
                "messages_relayed": e.messages, "created_at": _iso(e.created_at),
            }
            for e in enquiries
        ],
        # A koordinator's criteria sets, the set they rank by and their shortlist (with notes).
        "criteria_sets": [
            {"name": name, "version": version, "weights": weights, "created_at": _iso(at)}
            for name, version, weights, at in criteria["made"]
        ],
        "criteria_in_use": (
            {"name": criteria["chosen"][0], "version": criteria["chosen"][1]} if criteria["chosen"] else None
        ),
        "shortlist": [
            {"cluster": name, "note": note, "added_at": _iso(at)} for name, note, at in criteria["shortlist"]
        ],
        "audit_log": [_audit_item(e, user_id, member_id) for e in audit],
    }
    if member is not None:
        c = member.cluster
        document["profile"] = {
            "name": member.name, "business_name": member.business_name, "main_product": member.main_product,
            "phone": member.phone, "announcements_paused": member.announcements_paused,
            "only_opportunities_for_my_products": await uow.requests.only_my_products(member.id),
        }
        document["consent"] = {
            "given_at": _iso(member.consent_at), "text_version": member.consent_version,
            "current_text_version": CONSENT_VERSION,
        }
        document["memberships"] = [{
            "cluster": c.name, "kabupaten": c.kabupaten, "province": c.province, "commodity": c.commodity,
            "status": member.status, "joined_at": _iso(member.joined_at), "left_at": _iso(member.left_at),
            "decided_at": _iso(member.decided_at),
        }]
    found = MyData(
        member=member_profile(member) if member is not None else None,
        roles=tuple(role_scope(g, name) for g, name in grants),
        reports=len(reports),
        corrections=sum(r.version - 1 for r, _ in reports),
        answers=len(answers),
        has_draft=state is not None,
        document=document,
    )
    if found.holds_anything:
        # Who received a copy of what is itself a record UU PDP asks for; nobody else's data
        # is read here. Someone we hold nothing about leaves no trace by asking.
        await uow.audit.record(
            "privacy.export", actor=user_id, subject=f"member:{member_id}" if member_id is not None else str(user_id),
            reports=len(reports), answers=len(answers), audit_entries=len(audit),
        )
        await uow.commit()
    return found


@dataclass(frozen=True)
class ErasurePreview:
    """What /hapusdata (or withdrawing consent) would delete, asked before it does."""

    member: MemberProfile | None
    roles: tuple[RoleScope, ...]
    reports: int
    answers: int
    has_draft: bool
    has_language: bool
    # Enquiries the person sent as a buyer (a buyer need not be a member).
    enquiries: int = 0

    @property
    def holds_anything(self) -> bool:
        return self.member is not None or bool(self.roles) or self.has_draft or self.has_language or self.enquiries > 0

    @property
    def keeps_member_row(self) -> bool:
        """Whether an anonymous member row stays (it counts in some month's figures)."""
        return self.member is not None and (self.reports > 0 or self.member.status is MemberStatus.ACTIVE)

    @property
    def token(self) -> int:
        """The member row the confirmation is about (0: none); a button from before a new
        registration must not delete the new one."""
        return self.member.id if self.member is not None else 0


async def erasure_preview(uow: UnitOfWork, user_id: int) -> ErasurePreview:
    """What is held, and the roles that would be lost."""
    member = await uow.members.by_telegram_id(user_id)
    grants = await uow.roles.of_user_with_cluster_names(user_id)
    member_id = member.id if member is not None else None
    return ErasurePreview(
        member=member_profile(member) if member is not None else None,
        roles=tuple(role_scope(g, name) for g, name in grants),
        reports=await pq.count_reports(uow.session, member_id) if member_id is not None else 0,
        answers=await pq.count_answers(uow.session, member_id) if member_id is not None else 0,
        has_draft=await flows.draft_of(uow, user_id) is not None,
        has_language=await uow.users.get(user_id) is not None,
        enquiries=len((await pq.catalogue_of(uow.session, member_id, user_id))[2]),
    )


@dataclass(frozen=True)
class Erased:
    reason: ErasureReason
    reports_kept: int
    roles_removed: tuple[RoleScope, ...]


async def erase(uow: UnitOfWork, user_id: int, token: int, reason: ErasureReason, now: datetime) -> Erased:
    """Delete the person's data at once, after they confirmed: name, phone, business, product,
    Telegram identity, conversation state, answers, Dinas list rows, roles. Reports stay for
    the aggregates, on an anonymous member row that keeps past months as published. Audited
    with counts only. A second press is told it is done already."""
    member = await uow.members.by_telegram_id(user_id)
    if member is None and token != 0:
        raise AlreadyDone("data_erased")
    if (member.id if member is not None else 0) != token:
        raise StaleAction("erasure_changed")  # a button from before they registered (again)
    grants = await uow.roles.of_user_with_cluster_names(user_id)
    roles = tuple(role_scope(g, name) for g, name in grants)
    member_id = chat_id = phone = name = None
    keep = False
    if member is not None:
        member_id, chat_id, phone, name = member.id, member.chat_id, member.phone, member.name
        reports = await pq.count_reports(uow.session, member.id)
        # A request still waiting (or refused) counts in no month: nothing needs its row.
        keep = reports > 0 or member.status not in (MemberStatus.PENDING.value, MemberStatus.REJECTED.value)
        if keep and not await pq.anonymise_member(uow.session, member.id, user_id, now):
            raise AlreadyDone("data_erased")  # erased meanwhile (another instance)
    erasure = await pq.erase_person(
        uow.session, user_id, member_id=member_id, chat_id=chat_id, phone=phone, name=name, keep_member=keep, now=now
    )
    if not erasure.anything:
        raise AlreadyDone("data_erased")
    await uow.audit.record(
        "privacy.erase",
        actor=pq.ERASED_TELEGRAM_ID,
        subject=f"member:{member_id}" if keep else None,
        reason=reason.value,
        reports_kept=erasure.reports_kept,
        answers_deleted=erasure.answers_deleted,
        roles_removed=erasure.roles_removed,
        roster_rows_deleted=erasure.roster_rows_deleted,
    )
    await uow.commit()
    return Erased(reason, erasure.reports_kept, roles)


async def apply_retention(uow: UnitOfWork, now: datetime) -> pq.Forgotten:
    """Delete what is kept only for a while and is older than its period (a scheduled job)."""
    forgotten = await pq.forget_expired(
        uow.session,
        updates_before=now - UPDATE_MEMORY,
        drafts_before=now - DRAFT_MEMORY,
        roster_before=now - ROSTER_MEMORY,
        copies_before=now - COPY_MEMORY,
    )
    if forgotten.drafts or forgotten.roster_rows or forgotten.message_copies:
        # Counts only; the handled-update ids are too many and too dull to audit.
        await uow.audit.record(
            "privacy.retention", actor=None, drafts=forgotten.drafts, roster_rows=forgotten.roster_rows,
            message_copies=forgotten.message_copies,
        )
    await uow.commit()
    return forgotten
