"""The catalogue's rows: products, photos, the word index of published products, enquiries.

Search is an inverted index of our own (product_words: word -> product) plus the vocabulary
with counts (catalogue_words), the same SQL on SQLite and PostgreSQL. A query word not in the
vocabulary is replaced by its nearest known words (typos); the last word also stands for the
words it begins (typing as you go); then the rarest word's products are walked newest first
and each is probed for the other words, so a page of results stops the walk early.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import CatalogueWord, Cluster, Enquiry, Member, Product, ProductPhoto, ProductWord
from db.search_words import distance, next_prefix, typo_budget

# Alternatives kept per query word (nearest spellings, or the words a prefix begins).
ALTERNATIVES = 4


@dataclass(frozen=True)
class Listed:
    """A published product with what a card shows."""

    product: Product
    member: Member
    cluster: Cluster
    photo_file_id: str | None


class Catalogue:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- products ------------------------------------------------------------------------

    async def add(self, product: Product) -> Product:
        self.session.add(product)
        await self.session.flush()
        return product

    async def get(self, product_id: int) -> Product | None:
        return await self.session.get(Product, product_id)

    async def of_member(self, member_id: int) -> Sequence[Product]:
        result = await self.session.execute(
            select(Product).where(Product.member_id == member_id).order_by(Product.id)
        )
        return result.scalars().all()

    async def delete(self, product_id: int) -> None:
        await self.unindex(product_id)
        await self.session.execute(delete(ProductPhoto).where(ProductPhoto.product_id == product_id))
        await self.session.execute(
            update(Enquiry).where(Enquiry.product_id == product_id).values(product_id=None)
        )
        await self.session.execute(delete(Product).where(Product.id == product_id))

    async def photos(self, product_id: int) -> Sequence[ProductPhoto]:
        result = await self.session.execute(
            select(ProductPhoto).where(ProductPhoto.product_id == product_id).order_by(ProductPhoto.position)
        )
        return result.scalars().all()

    async def add_photo(self, photo: ProductPhoto) -> None:
        self.session.add(photo)
        await self.session.flush()

    # --- the index -----------------------------------------------------------------------

    async def index(self, product_id: int, words: Sequence[str]) -> None:
        """(Re)index a published product under `words`, keeping the vocabulary's counts."""
        await self.unindex(product_id)
        if not words:
            return
        self.session.add_all([ProductWord(word=w, product_id=product_id) for w in words])
        known = set(
            (await self.session.execute(select(CatalogueWord.word).where(CatalogueWord.word.in_(words)))).scalars()
        )
        if known:
            await self.session.execute(
                update(CatalogueWord).where(CatalogueWord.word.in_(known)).values(products=CatalogueWord.products + 1)
            )
        self.session.add_all([CatalogueWord(word=w, products=1, length=len(w)) for w in words if w not in known])
        await self.session.flush()

    async def unindex(self, product_id: int) -> None:
        """Take a product out of every search at once (unpublished, deleted, member gone)."""
        held = (
            await self.session.execute(select(ProductWord.word).where(ProductWord.product_id == product_id))
        ).scalars().all()
        if not held:
            return
        await self.session.execute(delete(ProductWord).where(ProductWord.product_id == product_id))
        await self.session.execute(
            update(CatalogueWord).where(CatalogueWord.word.in_(held)).values(products=CatalogueWord.products - 1)
        )
        await self.session.execute(delete(CatalogueWord).where(CatalogueWord.products <= 0))

    async def alternatives(self, word: str, *, as_prefix: bool) -> list[tuple[str, int]]:
        """Known words a typed word may stand for, with their product counts: itself, the
        words it begins (the last word, still being typed), or its nearest spellings."""
        found: dict[str, int] = {}
        exact = await self.session.get(CatalogueWord, word)
        if exact is not None:
            found[word] = exact.products
        if as_prefix:
            rows = await self.session.execute(
                select(CatalogueWord.word, CatalogueWord.products)
                .where(CatalogueWord.word > word, CatalogueWord.word < next_prefix(word))
                .order_by(CatalogueWord.products.desc())
                .limit(ALTERNATIVES)
            )
            found.update({w: n for w, n in rows.all() if w not in found})
        if found:
            return sorted(found.items(), key=lambda item: -item[1])[:ALTERNATIVES]
        budget = typo_budget(word)
        if budget == 0:
            return []
        # Same first letter and a length within the budget: a small slice of the vocabulary.
        rows = await self.session.execute(
            select(CatalogueWord.word, CatalogueWord.products).where(
                CatalogueWord.word >= word[0],
                CatalogueWord.word < next_prefix(word[0]),
                CatalogueWord.length.between(len(word) - budget, len(word) + budget),
            )
        )
        near = [(w, n, distance(word, w, budget)) for w, n in rows.all()]
        near = [(w, n, d) for w, n, d in near if d <= budget]
        near.sort(key=lambda item: (item[2], -item[1]))
        return [(w, n) for w, n, _ in near[:ALTERNATIVES]]

    async def matching(self, groups: Sequence[Sequence[str]], limit: int, before_id: int | None = None) -> list[int]:
        """Ids of published products holding one word of every group, newest first. The
        rarest group is walked; each of its products is probed for the other groups."""
        if not groups:
            query = select(Product.id).where(Product.published.is_(True))
            if before_id is not None:
                query = query.where(Product.id < before_id)
            rows = await self.session.execute(query.order_by(Product.id.desc()).limit(limit))
            return list(rows.scalars())
        first, *others = groups
        walk = aliased(ProductWord)
        query = select(walk.product_id).where(walk.word.in_(list(first)))
        for group in others:
            probe = aliased(ProductWord)
            query = query.where(
                exists().where(and_(probe.product_id == walk.product_id, probe.word.in_(list(group))))
            )
        if before_id is not None:
            query = query.where(walk.product_id < before_id)
        rows = await self.session.execute(query.distinct().order_by(walk.product_id.desc()).limit(limit))
        return list(rows.scalars())

    async def listed(self, ids: Sequence[int]) -> list[Listed]:
        """The cards of these products, in the given order, leaving out any no longer
        published or whose member is no longer an active member of the cluster."""
        if not ids:
            return []
        first_photo = (
            select(ProductPhoto.telegram_file_id)
            .where(ProductPhoto.product_id == Product.id)
            .order_by(ProductPhoto.position)
            .limit(1)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(Product, Member, Cluster, first_photo)
            .join(Member, Member.id == Product.member_id)
            .join(Cluster, Cluster.id == Product.cluster_id)
            .where(
                Product.id.in_(list(ids)),
                Product.published.is_(True),
                Member.status == "active",
                Member.left_at.is_(None),
                Member.telegram_user_id.is_not(None),
            )
        )
        by_id = {p.id: Listed(p, m, c, f) for p, m, c, f in rows.all()}
        return [by_id[i] for i in ids if i in by_id]

    async def published_in(self, cluster_ids: Sequence[int]) -> list[Listed]:
        """Every published product of these clusters (the printed catalogue), by cluster."""
        ids = (
            await self.session.execute(
                select(Product.id)
                .where(Product.cluster_id.in_(list(cluster_ids)), Product.published.is_(True))
                .order_by(Product.cluster_id, Product.id)
            )
        ).scalars().all()
        return await self.listed(list(ids))

    async def unpublish_member(self, member_id: int) -> int:
        """A member who leaves: every product of theirs unpublished and out of the index."""
        ids = (
            await self.session.execute(
                select(Product.id).where(Product.member_id == member_id, Product.published.is_(True))
            )
        ).scalars().all()
        for product_id in ids:
            await self.unindex(product_id)
        await self.session.execute(update(Product).where(Product.member_id == member_id).values(published=False))
        return len(ids)

    # --- enquiries -----------------------------------------------------------------------

    async def add_enquiry(self, enquiry: Enquiry) -> Enquiry:
        self.session.add(enquiry)
        await self.session.flush()
        return enquiry

    async def enquiry(self, enquiry_id: int) -> Enquiry | None:
        return await self.session.get(Enquiry, enquiry_id)

    async def claim_draft(self, enquiry_id: int, chair: int) -> bool:
        """A chair opens the draft of a larger enquiry: once, by one chair (the one who opened
        it may open it again). False when another chair has it, or it was posted or discarded."""
        result = await self.session.execute(
            update(Enquiry)
            .where(
                Enquiry.id == enquiry_id,
                or_(Enquiry.draft_state == "waiting", and_(Enquiry.draft_state == "opened", Enquiry.draft_by == chair)),
            )
            .values(draft_state="opened", draft_by=chair)
        )
        return result.rowcount == 1

    async def discard_draft(self, enquiry_id: int, chair: int) -> bool:
        """ "Abaikan": once, while nobody else has opened it."""
        result = await self.session.execute(
            update(Enquiry)
            .where(
                Enquiry.id == enquiry_id,
                or_(Enquiry.draft_state == "waiting", and_(Enquiry.draft_state == "opened", Enquiry.draft_by == chair)),
            )
            .values(draft_state="discarded", draft_by=chair)
        )
        return result.rowcount == 1

    async def draft_posted(self, key: str) -> int:
        """The request posted from a draft: its enquiry (if any) is done."""
        result = await self.session.execute(
            update(Enquiry).where(Enquiry.draft_key == key, Enquiry.draft_state != "posted").values(draft_state="posted")
        )
        return result.rowcount

    async def enquiries_since(self, buyer_telegram_id: int, since: datetime) -> int:
        result = await self.session.execute(
            select(func.count()).select_from(Enquiry).where(
                Enquiry.buyer_telegram_id == buyer_telegram_id, Enquiry.created_at >= since
            )
        )
        return int(result.scalar_one())

    async def enquiries_about(self, *, member_id: int | None, buyer_telegram_id: int | None) -> Sequence[Enquiry]:
        """Enquiries the person is a party to, as member or as buyer."""
        conditions = []
        if member_id is not None:
            conditions.append(Enquiry.member_id == member_id)
        if buyer_telegram_id is not None:
            conditions.append(Enquiry.buyer_telegram_id == buyer_telegram_id)
        if not conditions:
            return []
        result = await self.session.execute(select(Enquiry).where(or_(*conditions)).order_by(Enquiry.id))
        return result.scalars().all()

    async def with_photos(self, product_ids: Sequence[int]) -> dict[int, list[ProductPhoto]]:
        result = await self.session.execute(
            select(ProductPhoto).where(ProductPhoto.product_id.in_(list(product_ids))).order_by(ProductPhoto.position)
        )
        photos: dict[int, list[ProductPhoto]] = {}
        for photo in result.scalars():
            photos.setdefault(photo.product_id, []).append(photo)
        return photos

