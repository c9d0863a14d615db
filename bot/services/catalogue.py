"""Katalog klaster: members' products, their search, buyers' enquiries relayed through the bot,
and the printed catalogue's contents.

A product is a member's own: only they add, change, publish, hide or delete it. Published
products are shown to anyone (inline mode, deep links, the PDF) with the business name and
cluster, never the phone unless the member chose to show it. Enquiries go from a buyer to the
product's member through the bot; neither sees the other's contact until both agree.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.catalogue_types import (
    CERTIFICATE_BUTTONS,
    AskQuestion,
    AskStep,
    Contact,
    EnquiryFields,
    ProductView,
    Question,
    ReplyStep,
    Shelf,
    Step,
    kind_choices,
)
from bot.domain import (
    Actor,
    AlreadyDone,
    InvalidInput,
    NotAllowed,
    NotFound,
    NotRegistered,
    StaleAction,
)
from bot.flows import Flow
from bot.i18n import I18n
from bot.messages import catalogue as render
from bot.money import AmbiguousAmount, AmountError, parse_amount
from bot.photos import NotAPhoto, clean_photo
from bot.services import notices
from bot.services.converters import cluster_info
from bot.services.text_fields import clean_text
from db.catalogue_queries import Listed
from db.models import Enquiry, Member, Product, ProductPhoto
from db.search_words import words
from db.uow import UnitOfWork

PHOTOS_MAX = 3
NAME_MAX = 80
# A buyer may start this many enquiries a day (a stranger cannot flood members).
ENQUIRIES_PER_DAY = 3
ENQUIRY_WINDOW = timedelta(hours=24)
# Relayed messages per enquiry: past this, the two should exchange contacts.
RELAYS_MAX = 40
RELAY_MAX_CHARS = 1000
INLINE_RESULTS = 20
CERTIFICATES = ("batikmark", "pirt", "halal", "nib", "sni", "bpom")
SKIP_WORDS = frozenset({"-", "lewati", "tidak ada", "tidak", "skip", "none", "selesai", "lanjut"})
# Deep links: t.me/<bot>?start=p_<id> (Telegram allows 1-64 of A-Za-z0-9_-).
DEEP_LINK = re.compile(r"^p_(?P<id>\d{1,12})$")


ORDER = list(Step)
FLOW = Flow("product", Step, stale="product_step")
ASK_FLOW = Flow("enquiry", AskStep, stale="enquiry_step")
REPLY_FLOW = Flow("enquiry_reply", ReplyStep, stale="enquiry_step")


@dataclass(frozen=True)
class EnquirySent:
    enquiry_id: int
    to_chair: bool
    cluster_name: str = ""


@dataclass(frozen=True)
class CatalogueData:
    """What the printed catalogue shows: the clusters and their published products."""

    title_clusters: tuple[str, ...]
    products: tuple[ProductView, ...]
    # product id -> cleaned JPEG of its first photo.
    images: dict[int, bytes] = field(default_factory=dict)


def _view(product: Product, member: Member, cluster: Any, photos: list[str]) -> ProductView:
    return ProductView(
        id=product.id, name=product.name, kind=product.kind, unit=product.unit or "pcs",
        retail_price=product.retail_price, wholesale_price=product.wholesale_price,
        min_order=product.min_order, capacity_per_month=product.capacity_per_month,
        lead_days=product.lead_days, certificates=dict(product.certificates or {}),
        published=bool(product.published), show_phone=bool(product.show_phone),
        photos=tuple(photos), business_name=member.business_name or "", cluster_name=cluster.name,
        kabupaten=cluster.kabupaten, commodity=cluster.commodity,
        phone=member.phone if product.show_phone else None,
    )


def _listed_view(item: Listed) -> ProductView:
    return _view(item.product, item.member, item.cluster, [item.photo_file_id] if item.photo_file_id else [])


async def _member(uow: UnitOfWork, user_id: int) -> Member:
    member = await uow.members.by_telegram_id(user_id)
    if member is None:
        raise NotRegistered()
    if member.status != "active":
        raise NotAllowed("member_not_active")
    return member


async def _own(uow: UnitOfWork, user_id: int, product_id: int) -> tuple[Member, Product]:
    member = await _member(uow, user_id)
    product = await uow.catalogue.get(product_id)
    if product is None or product.member_id != member.id:
        raise NotFound("product")
    return member, product


async def _own_view(uow: UnitOfWork, member: Member, product: Product) -> ProductView:
    photos = [p.telegram_file_id for p in await uow.catalogue.photos(product.id)]
    return _view(product, member, member.cluster, photos)


def index_words(product: Product, member: Member, cluster: Any) -> list[str]:
    """What a published product is found by: its name and kind, the commodity, cluster,
    kabupaten, business name and certificates."""
    text = " ".join(
        filter(None, [
            product.name, product.kind, cluster.commodity, cluster.name, cluster.kabupaten,
            member.business_name, " ".join((product.certificates or {}).keys()),
        ])
    )
    return words(text)[:40]


# --- the member's shelf --------------------------------------------------------------------


async def my_products(uow: UnitOfWork, user_id: int) -> Shelf:
    """The member's products, newest last."""
    member = await _member(uow, user_id)
    views = [await _own_view(uow, member, p) for p in await uow.catalogue.of_member(member.id)]
    return Shelf(tuple(views), bool(member.enquiries_stopped))


async def show_product(uow: UnitOfWork, user_id: int, product_id: int) -> ProductView:
    member, product = await _own(uow, user_id, product_id)
    return await _own_view(uow, member, product)


async def start_adding(uow: UnitOfWork, user_id: int) -> Question:
    """The first question for a new product; the row is made once it has a name."""
    member = await _member(uow, user_id)
    await FLOW.save(uow, user_id, Step.NAME, {"product_id": None})
    await uow.commit()
    blank = ProductView(0, "", None, "pcs", None, None, None, None, None, {}, False, False, (), member.business_name or "",
                        member.cluster.name, member.cluster.kabupaten, member.cluster.commodity)
    return Question(Step.NAME, blank, member.cluster.commodity)


async def start_edit(uow: UnitOfWork, user_id: int, product_id: int, step: Step) -> Question:
    """Change one field of a product: its question, then back to the product."""
    member, product = await _own(uow, user_id, product_id)
    await FLOW.save(uow, user_id, step, {"product_id": product.id, "single": True})
    await uow.commit()
    view = await _own_view(uow, member, product)
    return Question(step, view, member.cluster.commodity, len(view.photos))


async def current_question(uow: UnitOfWork, user_id: int) -> Question:
    """Where the member is in the product flow (to ask again)."""
    step, data = await FLOW.require(uow, user_id)
    member = await _member(uow, user_id)
    product = await uow.catalogue.get(data.get("product_id") or 0)
    if product is None:
        return Question(Step.NAME, (await start_adding(uow, user_id)).product, member.cluster.commodity)
    view = await _own_view(uow, member, product)
    return Question(step, view, member.cluster.commodity, len(view.photos))


def _skipped(text: str | None) -> bool:
    return " ".join((text or "").lower().split()) in SKIP_WORDS


def _price(text: str | None) -> int:
    try:
        amount = parse_amount(text or "")
    except AmountError as exc:
        raise InvalidInput("price_invalid") from exc
    if isinstance(amount, AmbiguousAmount) or amount.no_sales or amount.rupiah <= 0:
        raise InvalidInput("price_invalid")
    return amount.rupiah


_COUNT = re.compile(r"^\s*(?P<n>\d{1,3}(?:[.,]\d{3})+|\d{1,9})\b")
_LEAD = re.compile(r"^\s*(?P<n>\d{1,3})\s*(?P<unit>hari|minggu|mgg|bulan|bln|day|days|week|weeks|month|months)?\b", re.I)


def parse_count(text: str | None) -> int:
    """A whole number as members write it: 100, 1.000, 1,000, "50 lembar"."""
    match = _COUNT.match(text or "")
    if match is None:
        raise InvalidInput("count_invalid")
    value = int(re.sub(r"[.,]", "", match["n"]))
    if value <= 0:
        raise InvalidInput("count_invalid")
    return value


def parse_lead_days(text: str | None) -> int:
    """Days of lead time: "14", "14 hari", "2 minggu", "1 bulan"."""
    match = _LEAD.match(text or "")
    if match is None:
        raise InvalidInput("lead_invalid")
    unit = (match["unit"] or "hari").lower()
    factor = 7 if unit.startswith(("minggu", "mgg", "week")) else 30 if unit.startswith(("bulan", "bln", "month")) else 1
    return int(match["n"]) * factor


def parse_certificates(text: str | None) -> dict[str, str]:
    """ "Batikmark 123, PIRT, halal ID33110000" -> {"batikmark": "123", "pirt": "", "halal": ...}."""
    if _skipped(text):
        return {}
    held: dict[str, str] = {}
    for part in re.split(r"[,;\n]+", text or ""):
        tokens = part.split()
        if not tokens:
            continue
        name = tokens[0].lower().strip(":")
        if name not in CERTIFICATES:
            raise InvalidInput("certificate_unknown")
        number = " ".join(tokens[1:]).strip(": ")[:40]
        held[name] = number
    return held


async def answer(uow: UnitOfWork, user_id: int, text: str | None) -> Question | ProductView:
    """The member's typed answer at the current step: the next question, or the product."""
    step, data = await FLOW.require(uow, user_id)
    member = await _member(uow, user_id)
    product = await uow.catalogue.get(data.get("product_id") or 0)
    if step is Step.NAME:
        name = clean_text(text, max_length=NAME_MAX)
        if product is None:
            product = await uow.catalogue.add(
                Product(member_id=member.id, cluster_id=member.cluster_id, name=name, unit="pcs", certificates={})
            )
            data["product_id"] = product.id
        else:
            product.name = name
    elif product is None or product.member_id != member.id:
        raise StaleAction("product_step")
    elif step is Step.PHOTO:
        if not _skipped(text):
            raise InvalidInput("photo_expected")
    elif step is Step.KIND:
        product.kind = None if _skipped(text) else clean_text(text, max_length=60)
    elif step is Step.UNIT:
        product.unit = "pcs" if _skipped(text) else clean_text(text, max_length=30)
    elif step is Step.RETAIL:
        product.retail_price = _price(text)
    elif step is Step.WHOLESALE:
        product.wholesale_price = None if _skipped(text) else _price(text)
    elif step is Step.MIN_ORDER:
        product.min_order = None if _skipped(text) else parse_count(text)
    elif step is Step.CAPACITY:
        product.capacity_per_month = None if _skipped(text) else parse_count(text)
    elif step is Step.LEAD:
        product.lead_days = None if _skipped(text) else parse_lead_days(text)
    elif step is Step.CERTIFICATES:
        pending = data.get("cert_pending")
        typed = " ".join((text or "").split())
        first = typed.split(" ", 1)[0].lower().strip(":") if typed else ""
        if pending and typed and not _skipped(typed) and first not in CERTIFICATES:
            # The number of the certificate just chosen by its button; the step goes on.
            product.certificates = {**(product.certificates or {}), pending: typed[:40]}
            data.pop("cert_pending", None)
            return await _stay(uow, user_id, member, product, step, data)
        if data.get("cert_buttons"):
            # After choosing by buttons, "selesai" keeps what was chosen and a typed list adds to
            # it ("PIRT 123" after pressing Batikmark must not drop Batikmark).
            if not _skipped(typed):
                product.certificates = {**(product.certificates or {}), **parse_certificates(text)}
        else:
            product.certificates = parse_certificates(text)
    return await _advance(uow, user_id, member, product, step, data)


async def _stay(uow: UnitOfWork, user_id: int, member: Member, product: Product, step: Step, data: dict) -> Question:
    await FLOW.save(uow, user_id, step, data)
    await uow.commit()
    view = await _own_view(uow, member, product)
    return Question(step, view, member.cluster.commodity, len(view.photos), data.get("cert_pending"))


async def _at(uow: UnitOfWork, user_id: int, product_id: int, step: Step) -> tuple[Member, Product, dict]:
    """A button of the step the member is at, for the product they are filling in."""
    _, data = await FLOW.require(uow, user_id, step)
    if int(data.get("product_id") or 0) != product_id:
        raise StaleAction("product_step")
    member, product = await _own(uow, user_id, product_id)
    return member, product, data


async def choose_kind(uow: UnitOfWork, user_id: int, product_id: int, code: str) -> Question | ProductView:
    """A kind's button (tulis, cap, ... or Grade A, B, C), or "Lewati"."""
    member, product, data = await _at(uow, user_id, product_id, Step.KIND)
    if code == "skip":
        product.kind = None
    else:
        chosen = dict(kind_choices(member.cluster.commodity)).get(code)
        if chosen is None:
            raise StaleAction("product_step")
        product.kind = chosen
    return await _advance(uow, user_id, member, product, Step.KIND, data)


async def toggle_certificate(uow: UnitOfWork, user_id: int, product_id: int, name: str) -> Question:
    """A certificate's button: held (its number may be typed next) or, pressed again, not."""
    if name not in CERTIFICATE_BUTTONS:
        raise StaleAction("product_step")
    member, product, data = await _at(uow, user_id, product_id, Step.CERTIFICATES)
    held = dict(product.certificates or {})
    if name in held:
        del held[name]
        if data.get("cert_pending") == name:
            data.pop("cert_pending")
    else:
        held[name] = ""
        data["cert_pending"] = name
    product.certificates = held
    data["cert_buttons"] = True
    return await _stay(uow, user_id, member, product, Step.CERTIFICATES, data)


async def certificates_done(uow: UnitOfWork, user_id: int, product_id: int) -> Question | ProductView:
    """ "Selesai" at the certificates step: what was chosen is kept."""
    member, product, data = await _at(uow, user_id, product_id, Step.CERTIFICATES)
    return await _advance(uow, user_id, member, product, Step.CERTIFICATES, data)


async def _advance(uow: UnitOfWork, user_id: int, member: Member, product: Product, step: Step, data: dict) -> Question | ProductView:
    if product.published:
        await uow.catalogue.index(product.id, index_words(product, member, member.cluster))
    position = ORDER.index(step)
    if data.get("single") or position == len(ORDER) - 1:
        await FLOW.clear(uow, user_id)
        await uow.audit.record("product.update", actor=user_id, subject=f"product:{product.id}", field=step.value)
        await uow.commit()
        return await _own_view(uow, member, product)
    following = ORDER[position + 1]
    await FLOW.save(uow, user_id, following, data)
    await uow.commit()
    view = await _own_view(uow, member, product)
    return Question(following, view, member.cluster.commodity, len(view.photos))


async def add_photo(uow: UnitOfWork, user_id: int, file_id: str, data: bytes) -> Question | ProductView:
    """A photo at the photo step: kept as Telegram's file id and as a clean resized copy."""
    step, state = await FLOW.require(uow, user_id, Step.PHOTO)
    member, product = await _own(uow, user_id, state.get("product_id") or 0)
    held = await uow.catalogue.photos(product.id)
    if len(held) >= PHOTOS_MAX:
        raise InvalidInput("photos_full")
    try:
        clean = clean_photo(data)
    except NotAPhoto as exc:
        raise InvalidInput("photo_unreadable") from exc
    await uow.catalogue.add_photo(ProductPhoto(
        product_id=product.id, position=len(held), telegram_file_id=file_id,
        jpeg=clean.jpeg, width=clean.width, height=clean.height,
    ))
    if len(held) + 1 >= PHOTOS_MAX:
        return await _advance(uow, user_id, member, product, step, state)
    await uow.commit()
    view = await _own_view(uow, member, product)
    return Question(Step.PHOTO, view, member.cluster.commodity, len(view.photos))


async def set_published(uow: UnitOfWork, user_id: int, product_id: int, publish: bool) -> ProductView:
    """Publish (opt-in, per product) or hide at once: the index row goes in the same commit."""
    member, product = await _own(uow, user_id, product_id)
    if bool(product.published) == publish:
        raise AlreadyDone("product_published" if publish else "product_hidden")
    if publish and product.retail_price is None:
        raise InvalidInput("product_needs_price")
    product.published = publish
    if publish:
        await uow.catalogue.index(product.id, index_words(product, member, member.cluster))
    else:
        await uow.catalogue.unindex(product.id)
    await uow.audit.record("product.publish" if publish else "product.hide", actor=user_id, subject=f"product:{product.id}")
    await uow.commit()
    return await _own_view(uow, member, product)


async def set_show_phone(uow: UnitOfWork, user_id: int, product_id: int, show: bool) -> ProductView:
    """Whether buyers see the member's phone on this product (never unless chosen)."""
    member, product = await _own(uow, user_id, product_id)
    product.show_phone = show
    await uow.commit()
    return await _own_view(uow, member, product)


async def delete_product(uow: UnitOfWork, user_id: int, product_id: int) -> str:
    """Delete a product with its photos and index rows; its name, for the answer."""
    _, product = await _own(uow, user_id, product_id)
    name = product.name
    await uow.catalogue.delete(product.id)
    await uow.audit.record("product.delete", actor=user_id, subject=f"product:{product_id}")
    await uow.commit()
    return name


async def set_enquiries_stopped(uow: UnitOfWork, user_id: int, stopped: bool) -> Shelf:
    """A member stops (or again accepts) buyers' enquiries about all their products."""
    member = await _member(uow, user_id)
    member.enquiries_stopped = stopped
    await uow.commit()
    return await my_products(uow, user_id)


async def member_left(uow: UnitOfWork, member_id: int) -> int:
    """A member who leaves the cluster: their products are unpublished (caller commits)."""
    return await uow.catalogue.unpublish_member(member_id)


# --- search and the buyer's view ------------------------------------------------------------


async def search(uow: UnitOfWork, query: str, *, limit: int = INLINE_RESULTS, before_id: int | None = None) -> list[ProductView]:
    """Published products matching the words (typos forgiven, the last word as a prefix),
    newest first; "p_<id>" (the Bagikan button) is that one product."""
    link = DEEP_LINK.match(query.strip())
    if link:
        return [_listed_view(item) for item in await uow.catalogue.listed([int(link["id"])])]
    terms = words(query)[:5]
    groups: list[list[tuple[str, int]]] = []
    for position, term in enumerate(terms):
        found = await uow.catalogue.alternatives(term, as_prefix=position == len(terms) - 1)
        if found:
            groups.append(found)
    if terms and not groups:
        return []
    # The rarest group first: its products are walked, the others only probed.
    groups.sort(key=lambda group: sum(n for _, n in group))
    ids = await uow.catalogue.matching([[w for w, _ in g] for g in groups], limit, before_id)
    return [_listed_view(item) for item in await uow.catalogue.listed(ids)]


async def for_buyer(uow: UnitOfWork, product_id: int) -> ProductView:
    """A published product as anyone may see it (a deep link)."""
    found = await uow.catalogue.listed([product_id])
    if not found:
        raise NotFound("product")
    return _listed_view(found[0])


# --- enquiries ------------------------------------------------------------------------------


async def start_enquiry(uow: UnitOfWork, buyer_id: int, product_id: int, now: datetime) -> AskQuestion:
    """"Tanya / Pesan": the first of four questions, unless the buyer asked enough today or
    the member stopped enquiries."""
    found = await uow.catalogue.listed([product_id])
    if not found:
        raise NotFound("product")
    item = found[0]
    if item.member.telegram_user_id == buyer_id:
        raise NotAllowed("own_product")
    if item.member.enquiries_stopped:
        raise NotAllowed("enquiries_stopped")
    if await uow.catalogue.enquiries_since(buyer_id, now - ENQUIRY_WINDOW) >= ENQUIRIES_PER_DAY:
        raise NotAllowed("enquiries_limit")
    await ASK_FLOW.save(uow, buyer_id, AskStep.WHAT, {"product_id": product_id})
    await uow.commit()
    return AskQuestion(AskStep.WHAT, _listed_view(item))


async def current_ask(uow: UnitOfWork, buyer_id: int) -> AskQuestion:
    step, data = await ASK_FLOW.require(uow, buyer_id)
    return AskQuestion(step, await for_buyer(uow, data["product_id"]))


async def ask_answer(uow: UnitOfWork, buyer_id: int, text: str | None) -> AskQuestion:
    """The buyer's typed answer: what, how many, by when, where; then the consent question."""
    step, data = await ASK_FLOW.require(uow, buyer_id, AskStep.WHAT, AskStep.QUANTITY, AskStep.WHEN, AskStep.WHERE)
    if step is AskStep.WHAT:
        data["what"] = clean_text(text, max_length=300)
    elif step is AskStep.QUANTITY:
        data["quantity"] = parse_count(text)
    elif step is AskStep.WHEN:
        data["when"] = clean_text(text, max_length=100)
    else:
        data["where"] = clean_text(text, max_length=200)
    following = list(AskStep)[list(AskStep).index(step) + 1]
    await ASK_FLOW.save(uow, buyer_id, following, data)
    await uow.commit()
    return AskQuestion(following, await for_buyer(uow, data["product_id"]))


async def send_enquiry(
    uow: UnitOfWork, buyer_id: int, *, share_contact: bool, buyer_name: str | None, buyer_username: str | None,
    now: datetime, i18n: I18n,
) -> EnquirySent:
    """The consent answer: the enquiry is saved and goes to the member, or, when it is more
    than the member makes in a month, to the cluster's chairs. Claimed once (the state row)."""
    taken = await ASK_FLOW.take(uow, buyer_id, AskStep.CONSENT)
    if taken is None:
        raise AlreadyDone("enquiry_sent")
    _, data = taken
    found = await uow.catalogue.listed([data["product_id"]])
    if not found:
        raise NotFound("product")
    item = found[0]
    if await uow.catalogue.enquiries_since(buyer_id, now - ENQUIRY_WINDOW) >= ENQUIRIES_PER_DAY:
        raise NotAllowed("enquiries_limit")
    capacity = item.product.capacity_per_month
    larger = capacity is not None and data["quantity"] > capacity
    enquiry = await uow.catalogue.add_enquiry(Enquiry(
        product_id=item.product.id, member_id=item.member.id, cluster_id=item.cluster.id,
        buyer_telegram_id=buyer_id, buyer_name=(buyer_name or "")[:100] or None,
        buyer_username=(buyer_username or "")[:64] or None, what=data["what"], quantity=data["quantity"],
        needed_by=data["when"], deliver_to=data["where"], routed_to="ketua" if larger else "member",
        buyer_shares_contact=share_contact, member_shares_contact=False, messages=0, created_at=now,
        # Larger than the member makes: a draft market request waits for the cluster's chair.
        draft_key=secrets.token_hex(4) if larger else None, draft_state="waiting" if larger else None,
    ))
    view = _listed_view(item)
    queued: list[notices.Notice] = []
    if larger:
        # The buyer's name and account only when they agreed to share them; to the chair alone.
        buyer = Contact(enquiry.buyer_name or "", None, None, buyer_id, enquiry.buyer_username) if share_contact else None
        chairs = list(await uow.roles.chairs_of(item.cluster.id)) or list(await uow.roles.koordinators_for(item.cluster))
        for chair in chairs:
            user = await uow.users.get(chair)
            t = i18n.translator(user.language if user else None)
            queued.append(notices.Notice("enquiry_large", f"enq:{enquiry.id}:chair:{chair}", chair,
                                         render.large_enquiry(t, view, enquiry_fields(enquiry), buyer)))
    elif item.member.chat_id is not None:
        user = await uow.users.get(item.member.telegram_user_id)
        t = i18n.translator(user.language if user else None)
        queued.append(notices.Notice("enquiry", f"enq:{enquiry.id}:new", item.member.chat_id,
                                     render.new_enquiry(t, view, enquiry_fields(enquiry)), member_id=item.member.id))
    await notices.enqueue(uow, queued, now)
    await uow.audit.record("enquiry.send", actor=buyer_id, subject=f"product:{item.product.id}", routed_to=enquiry.routed_to)
    await uow.commit()
    return EnquirySent(enquiry.id, larger, item.cluster.name)


def enquiry_fields(enquiry: Enquiry) -> EnquiryFields:
    return EnquiryFields(enquiry.id, enquiry.what or "", enquiry.quantity or 0, enquiry.needed_by or "",
                                enquiry.deliver_to or "")


async def _party(uow: UnitOfWork, user_id: int, enquiry_id: int) -> tuple[Enquiry, str, Member | None]:
    enquiry = await uow.catalogue.enquiry(enquiry_id)
    if enquiry is None:
        raise NotFound("enquiry")
    member = await uow.members.get(enquiry.member_id) if enquiry.member_id is not None else None
    if enquiry.buyer_telegram_id == user_id:
        return enquiry, "buyer", member
    if member is not None and member.telegram_user_id == user_id and enquiry.routed_to == "member":
        return enquiry, "member", member
    raise NotFound("enquiry")


async def start_reply(uow: UnitOfWork, user_id: int, enquiry_id: int) -> int:
    """"Balas": the next typed message goes to the other side of the enquiry."""
    enquiry, _, _ = await _party(uow, user_id, enquiry_id)
    await REPLY_FLOW.save(uow, user_id, ReplyStep.MESSAGE, {"enquiry_id": enquiry.id})
    await uow.commit()
    return enquiry.id


async def replying_to(uow: UnitOfWork, user_id: int) -> int:
    _, data = await REPLY_FLOW.require(uow, user_id)
    return int(data["enquiry_id"])


async def relay(uow: UnitOfWork, user_id: int, text: str | None, now: datetime, i18n: I18n) -> int:
    """Pass a typed message to the other side, through the bot (no phone, no username)."""
    _, data = await REPLY_FLOW.require(uow, user_id)
    enquiry, side, member = await _party(uow, user_id, int(data["enquiry_id"]))
    body = " ".join((text or "").split())
    if not body:
        raise InvalidInput("empty")
    if len(body) > RELAY_MAX_CHARS:
        raise InvalidInput("too_long")
    if enquiry.messages >= RELAYS_MAX:
        raise NotAllowed("relay_limit")
    if side == "buyer" and member is not None and member.enquiries_stopped:
        raise NotAllowed("enquiries_stopped")
    enquiry.messages += 1
    to_chat = member.chat_id if side == "buyer" and member is not None else enquiry.buyer_telegram_id
    to_user = member.telegram_user_id if side == "buyer" and member is not None else enquiry.buyer_telegram_id
    await REPLY_FLOW.clear(uow, user_id)
    if to_chat is None:
        raise NotFound("enquiry")
    user = await uow.users.get(to_user) if to_user is not None else None
    t = i18n.translator(user.language if user else None)
    payload = render.relayed(t, enquiry.id, from_buyer=side == "buyer", text=body)
    await notices.enqueue(uow, [notices.Notice("enquiry_relay", f"enq:{enquiry.id}:msg:{enquiry.messages}", to_chat, payload,
                                               member_id=member.id if side == "buyer" and member else None)], now)
    await uow.commit()
    return enquiry.id


async def agree_to_share(uow: UnitOfWork, user_id: int, enquiry_id: int, now: datetime, i18n: I18n) -> bool:
    """One side agrees to exchange contacts; when both have, each gets the other's. True when
    the exchange happened now."""
    enquiry, side, member = await _party(uow, user_id, enquiry_id)
    if side == "buyer":
        if enquiry.buyer_shares_contact:
            raise AlreadyDone("contact_shared")
        enquiry.buyer_shares_contact = True
    else:
        if enquiry.member_shares_contact:
            raise AlreadyDone("contact_shared")
        enquiry.member_shares_contact = True
    queued: list[notices.Notice] = []
    exchanged = enquiry.buyer_shares_contact and enquiry.member_shares_contact and member is not None
    buyer_user = await uow.users.get(enquiry.buyer_telegram_id) if enquiry.buyer_telegram_id else None
    member_user = await uow.users.get(member.telegram_user_id) if member and member.telegram_user_id else None
    tb = i18n.translator(buyer_user.language if buyer_user else None)
    tm = i18n.translator(member_user.language if member_user else None)
    if exchanged:
        seller = Contact(member.name or "", member.business_name, member.phone, member.telegram_user_id, None)
        buyer = Contact(enquiry.buyer_name or "", None, None, enquiry.buyer_telegram_id, enquiry.buyer_username)
        queued.append(notices.Notice("enquiry_contact", f"enq:{enquiry.id}:contact:buyer", enquiry.buyer_telegram_id,
                                     render.contact_of(tb, enquiry.id, seller)))
        if member.chat_id is not None:
            queued.append(notices.Notice("enquiry_contact", f"enq:{enquiry.id}:contact:member", member.chat_id,
                                         render.contact_of(tm, enquiry.id, buyer), member_id=member.id))
    else:
        other_chat = member.chat_id if side == "buyer" and member else enquiry.buyer_telegram_id
        t = tm if side == "buyer" else tb
        if other_chat is not None:
            queued.append(notices.Notice("enquiry_contact_ask", f"enq:{enquiry.id}:offer:{side}", other_chat,
                                         render.contact_offered(t, enquiry.id, from_buyer=side == "buyer")))
    await notices.enqueue(uow, queued, now)
    await uow.commit()
    return exchanged


# --- the printed catalogue ------------------------------------------------------------------


async def catalogue_clusters(uow: UnitOfWork, actor: Actor | None, selector: str | None) -> list[Any]:
    """The clusters a catalogue covers: a chair's own; a koordinator's in scope, narrowed by
    a cluster name, kabupaten or commodity; everything for the operator (actor None)."""
    clusters = [c for c in await uow.clusters.all()]
    if actor is not None:
        clusters = [c for c in clusters if actor.can_manage(cluster_info(c))]
        if not clusters:
            raise NotAllowed("catalogue_role")
    if selector:
        wanted = " ".join(selector.lower().split())
        narrowed = [c for c in clusters if wanted in (c.name.lower(), c.kabupaten.lower(), c.commodity.lower(), c.invite_code.lower())]
        if not narrowed:
            raise NotFound("catalogue_selector")
        clusters = narrowed
    return clusters


async def catalogue_data(uow: UnitOfWork, actor: Actor | None, selector: str | None = None) -> CatalogueData:
    """The published products of the clusters the reader may print, with their photos."""
    clusters = await catalogue_clusters(uow, actor, selector)
    listed = await uow.catalogue.published_in([c.id for c in clusters])
    photos = await uow.catalogue.with_photos([item.product.id for item in listed])
    images = {pid: held[0].jpeg for pid, held in photos.items() if held and held[0].jpeg}
    return CatalogueData(tuple(c.name for c in clusters), tuple(_listed_view(i) for i in listed), images)
