"""A member sees and edits their own data (UU PDP: the right to correction)."""

from __future__ import annotations

from enum import StrEnum

from bot.domain import InvalidInput, MemberProfile, NotFound, StaleAction
from bot.flows import Flow
from bot.phone import PhoneError, normalize_phone
from bot.services.converters import member_profile
from bot.services.text_fields import BUSINESS_MAX, PRODUCT_MAX, clean_person_name, clean_text
from db.uow import UnitOfWork


class Field(StrEnum):
    NAME = "name"
    BUSINESS = "business"
    PRODUCT = "product"
    PHONE = "phone"


# The step is the field being changed.
FLOW = Flow("profile", Field, stale="profile_step")

_CLEANERS = {
    Field.NAME: ("name", clean_person_name),
    Field.BUSINESS: ("business_name", lambda t: clean_text(t, max_length=BUSINESS_MAX)),
    Field.PRODUCT: ("main_product", lambda t: clean_text(t, max_length=PRODUCT_MAX)),
}


async def my_profile(uow: UnitOfWork, user_id: int) -> MemberProfile:
    """The member's own data."""
    member = await uow.members.by_telegram_id(user_id)
    if member is None:
        raise NotFound("member")
    return member_profile(member)


async def start_edit(uow: UnitOfWork, user_id: int, field: Field) -> MemberProfile:
    """Remember which field the member is changing; the next message is its new value."""
    profile = await my_profile(uow, user_id)
    await FLOW.save(uow, user_id, field, {})
    await uow.commit()
    return profile


async def editing_field(uow: UnitOfWork, user_id: int) -> Field:
    field, _ = await FLOW.require(uow, user_id)
    return field


async def _finish(uow: UnitOfWork, user_id: int, field: Field, **changes: object) -> MemberProfile:
    member = await uow.members.by_telegram_id(user_id)
    if member is None:
        raise NotFound("member")
    for key, value in changes.items():
        setattr(member, key, value)
    await FLOW.clear(uow, user_id)
    await uow.audit.record("member.update", actor=user_id, subject=f"member:{member.id}", field=field.value)
    await uow.commit()
    return member_profile(member)


async def submit_text(uow: UnitOfWork, user_id: int, text: str | None) -> MemberProfile:
    """Save a typed new value for the field being edited."""
    field = await editing_field(uow, user_id)
    if field is Field.PHONE:
        raise InvalidInput("use_buttons_phone")
    key, clean = _CLEANERS[field]
    return await _finish(uow, user_id, field, **{key: clean(text)})


async def share_contact(
    uow: UnitOfWork, user_id: int, *, contact_user_id: int | None, phone_number: str
) -> MemberProfile:
    """Replace the phone with the member's own shared contact."""
    field = await editing_field(uow, user_id)
    if field is not Field.PHONE:
        raise InvalidInput("contact_unexpected")
    if contact_user_id != user_id:
        raise InvalidInput("contact_not_own")
    try:
        phone = normalize_phone(phone_number)
    except PhoneError as exc:
        raise InvalidInput("phone_invalid") from exc
    return await _finish(uow, user_id, field, phone=phone)


async def remove_phone(uow: UnitOfWork, user_id: int) -> MemberProfile:
    """Delete the stored phone number."""
    field = await editing_field(uow, user_id)
    if field is not Field.PHONE:
        raise StaleAction("profile_step")
    return await _finish(uow, user_id, field, phone=None)


async def stop_editing(uow: UnitOfWork, user_id: int) -> MemberProfile:
    """Leave the field as it was (the member pressed "Lewati")."""
    await editing_field(uow, user_id)
    await FLOW.clear(uow, user_id)
    await uow.commit()
    return await my_profile(uow, user_id)
