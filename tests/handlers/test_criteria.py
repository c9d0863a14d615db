"""Agreed criteria and the shortlist (issue 16, item 4): a koordinator defines criteria with
weights, /ringkasan banding ranks by them with each criterion's score, thin clusters are
marked, a shortlist of 3-5 with notes is kept; every figure under the small-numbers rule."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, insert, select

from bot.dates import Month
from bot.domain import Actor, Role, RoleScope
from bot.services import criteria
from bot.services.criteria import Criterion
from db.models import AuditEntry, CriteriaSet, Member, MonthlyReport, ShortlistEntry
from db.summary_queries import rebuild_upkeep

KOOR, KOOR_DEMAK = 900, 901
OCTOBER = Month(2026, 10)
JOINED = datetime(2025, 1, 1, tzinfo=UTC)


async def seed_cluster(
    bot, cluster, *, members: int, first_id: int, growth: float, reported: int | None = None, seed: int = 1, months: int = 12
):
    """`members` members with `months` months up to October; their omzet grows by `growth` a month.
    Only `reported` of them (all when None) reported October."""
    rng = random.Random(seed)
    rows = []
    for i in range(members):
        user_id = first_id + i
        bot.api.user(user_id, f"A{user_id}")
        rows.append({
            "telegram_user_id": user_id, "chat_id": user_id, "name": f"Anggota {user_id}", "business_name": "Usaha",
            "main_product": cluster.commodity, "cluster_id": cluster.id, "status": "active", "joined_at": JOINED,
            "consent_at": JOINED, "consent_version": "2026-11", "announcements_paused": False, "updated_at": JOINED,
        })
    async with bot.uow() as uow:
        await uow.session.execute(insert(Member), rows)
        ids = (await uow.session.scalars(
            select(Member.id).where(Member.cluster_id == cluster.id).order_by(Member.id)
        )).all()
        reports = []
        for index, member_id in enumerate(ids):
            base = rng.randint(4, 20) * 500_000
            for back in range(months):
                month = OCTOBER.months_back(back)
                if back == 0 and reported is not None and index >= reported:
                    continue
                amount = int(base * (1 + growth) ** (months - 1 - back))
                reports.append({"member_id": member_id, "cluster_id": cluster.id, "month": str(month), "amount": amount,
                                "no_sales": False, "reported_at": JOINED, "updated_at": JOINED, "version": 1})
        await uow.session.execute(insert(MonthlyReport), reports)
        await rebuild_upkeep(uow.session)
        await uow.commit()


async def programme(bot, months: int = 12):
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    jambu = await bot.cluster("Jambu Lele", "Demak", "jambu")
    small = await bot.cluster("Batik Kecil", "Pekalongan", "batik")
    await seed_cluster(bot, batik, members=8, first_id=40_000, growth=0.05, seed=1, months=months)
    await seed_cluster(bot, jambu, members=6, first_id=41_000, growth=0.01, reported=5, seed=2, months=months)
    await seed_cluster(bot, small, members=3, first_id=42_000, growth=0.2, seed=3, months=months)
    await bot.grant(KOOR, Role.KOORDINATOR)
    await bot.grant(KOOR_DEMAK, Role.KOORDINATOR, kabupaten="Demak")
    return batik, jambu, small


def _rupiah(text: str) -> list[str]:
    return re.findall(r"Rp[\d.]+", text)


async def test_today_banding_ranks_by_growth_alone_and_keeps_no_criteria(bot):
    """What they met: no way to agree on criteria; the ranking said only 'growth, then rate'."""
    await programme(bot)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ringkasan banding oktober")
    assert "Urutan: pertumbuhan sejak bergabung" not in koor.last_text
    assert "Kriteria: Bawaan" in "\n".join(koor.texts()[-2:])
    await koor.send("/kriteria")
    assert "Kriteria untuk memilih klaster" in koor.last_text and "Buat kriteria baru" in koor.buttons()


async def test_koordinator_defines_criteria_and_banding_ranks_by_them(bot):
    batik, jambu, small = await programme(bot)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/kriteria")
    await koor.press("Buat kriteria baru")
    assert "tulis nama lalu bobot" in koor.last_text
    await koor.send("Pilihan Dinas 2027: tumbuh 40, tren6 20, lapor 20, anggota 20")
    assert "Kriteria tersimpan: Pilihan Dinas 2027, versi 1" in koor.last_text
    await koor.send("/ringkasan banding oktober")
    text = "\n".join(t for t in koor.texts()[-3:])
    assert "Kriteria: Pilihan Dinas 2027, versi 1 — tumbuh 40, tren6 20, lapor 20, anggota 20" in text
    # Batik grows fastest, reports fully and has the most members: every score 100.
    assert "1. Batik Simbang Kulon (Kabupaten Pekalongan) — skor 100" in text
    assert "tumbuh 100 (" in text and "lapor 100 (100%)" in text
    assert "2. Jambu Lele (Kabupaten Demak) — skor 0" in text
    # Three reporters: no money figure, so not ranked, and it says what is missing.
    assert "Belum dapat diperingkat (data belum cukup):" in text
    assert "- Batik Kecil: pertumbuhan sejak bergabung, tren median omzet 6 bulan" in text
    assert not _rupiah(text)
    # The same through the service: the scores are the weighted mean of min-max scores.
    async with bot.uow() as uow:
        actor = Actor(KOOR, "id", roles=(RoleScope(Role.KOORDINATOR),))
        ranked = await criteria.ranking(uow, actor, OCTOBER, bot.now)
    assert [r.cluster.name for r in ranked.ranked] == ["Batik Simbang Kulon", "Jambu Lele"]
    assert [r.cluster.name for r in ranked.thin] == ["Batik Kecil"]
    best, other = ranked.ranked
    assert best.values[Criterion.GROWTH] > other.values[Criterion.GROWTH] > 0
    assert other.values[Criterion.REPORTING] == Decimal(5) / Decimal(6)
    assert best.total == Decimal(100) and other.total == Decimal(0)

    # Another name's set, with weights that change the order: members count most.
    await koor.send("/kriteria Anggota dulu: anggota 90, tumbuh 10")
    await koor.send("/ringkasan banding oktober")
    text = "\n".join(koor.texts()[-3:])
    assert "Kriteria: Anggota dulu, versi 1" in text
    # Batik Kecil is ranked now? No: growth is still weighted and it has none.
    assert "- Batik Kecil: pertumbuhan sejak bergabung" in text
    # Saving the first name again is its next version; the old one stays.
    await koor.send("/kriteria pilihan dinas 2027: tumbuh 50, lapor 50")
    assert "versi 2" in koor.last_text
    async with bot.uow(read_only=True) as uow:
        versions = (await uow.session.execute(select(CriteriaSet.name_key, CriteriaSet.version).order_by(CriteriaSet.id))).all()
        audited = await uow.session.scalar(select(func.count()).where(AuditEntry.action == "criteria.save"))
    assert versions == [("pilihan dinas 2027", 1), ("anggota dulu", 1), ("pilihan dinas 2027", 2)]
    assert audited == 3


async def test_other_koordinator_see_and_reuse_a_set(bot):
    await programme(bot)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/kriteria Pilihan Dinas 2027: tumbuh 40, lapor 60")
    demak = bot.user(KOOR_DEMAK, "Koor Demak")
    await demak.send("/kriteria")
    assert "Pilihan Dinas 2027, versi 1" in demak.last_text and "Yang Anda pakai sekarang: Bawaan" in demak.last_text
    await demak.press("Pakai Pilihan Dinas 2027, versi 1")
    assert "Mulai sekarang /ringkasan banding memakai kriteria Pilihan Dinas 2027, versi 1." in "\n".join(demak.texts())
    # A Demak koordinator ranks the Demak clusters only.
    text = "\n".join(demak.texts()[-2:])
    assert "Jambu Lele" in text and "Batik Simbang Kulon" not in text


async def test_bad_criteria_are_explained_with_an_example(bot):
    await programme(bot)
    koor = bot.user(KOOR, "Koor")
    for typed, says in (
        ("/kriteria Pilihan: tumbuh 40, cuaca 20", "tidak kami kenal"),
        ("/kriteria Pilihan: tumbuh seratus", "bobot"),
        ("/kriteria Pilihan tanpa titik dua", "titik dua"),
    ):
        await koor.send(typed)
        assert says in koor.texts()[-2], typed
        assert "Pilihan Dinas 2027: tumbuh 40" in koor.last_text
    chair = bot.user(40_000, "Ketua")
    await bot.grant(40_000, Role.KETUA, cluster="Batik Simbang Kulon")
    for command in ("/kriteria", "/pilihan"):
        await chair.send(command)
        assert "tidak memiliki hak" in chair.last_text


async def test_shortlist_of_three_to_five_with_a_note_each(bot, monkeypatch):
    batik, jambu, small = await programme(bot)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ringkasan banding oktober")
    await koor.press("+ Pilih Batik Simbang Kulon")
    assert "1. Batik Simbang Kulon (Kabupaten Pekalongan, batik)" in koor.last_text
    assert "Pilih sedikitnya 3 klaster." in koor.last_text
    await koor.press_data(f"krit:add:{batik.id}")
    assert "sudah ada di daftar pilihan" in koor.last_text
    await koor.press_data(f"krit:add:{jambu.id}")
    await koor.press_data(f"krit:add:{small.id}")
    assert "Pilih sedikitnya" not in koor.last_text
    await koor.press("Catatan Batik Simbang Kulon")
    assert "Tulis catatan untuk Batik Simbang Kulon" in koor.last_text
    await koor.send("Omzet naik 50% sejak bergabung; siap ekspor.")
    assert "Catatan untuk Batik Simbang Kulon tersimpan." in koor.texts()[-2]
    assert "Catatan: Omzet naik 50% sejak bergabung; siap ekspor." in koor.last_text
    await koor.send("/ringkasan banding oktober")
    assert "Batik Simbang Kulon (Kabupaten Pekalongan) — skor 100 ★ pilihan" in "\n".join(koor.texts()[-2:])
    # At most five.
    monkeypatch.setattr(criteria, "SHORTLIST_MAX", 3)
    other = await bot.cluster("Kopi Temanggung", "Temanggung", "kopi")
    await koor.press_data(f"krit:add:{other.id}")
    assert "paling banyak" in koor.last_text
    await koor.press("Hapus")  # the first entry
    assert "Batik Simbang Kulon" not in koor.last_text
    async with bot.uow(read_only=True) as uow:
        kept = (await uow.session.scalars(select(ShortlistEntry.cluster_id).order_by(ShortlistEntry.id))).all()
    assert kept == [jambu.id, small.id]


async def test_shortlist_follows_the_current_role(bot):
    batik, jambu, _ = await programme(bot)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/pilihan")
    await koor.press_data(f"krit:add:{batik.id}")
    await koor.press_data(f"krit:add:{jambu.id}")
    # The Demak koordinator has no list of their own, and cannot add a Pekalongan cluster.
    demak = bot.user(KOOR_DEMAK, "Koor Demak")
    await demak.send("/pilihan")
    assert "masih kosong" in demak.last_text
    await demak.send("/pilihan")
    await demak.press_data(f"krit:add:{batik.id}")
    assert "tidak memiliki hak" in demak.last_text
    # Narrowed to Demak, the first koordinator sees only Jambu Lele on their list.
    from bot.services import roles as role_service

    async with bot.uow() as uow:
        await role_service.revoke_role(uow, KOOR, Role.KOORDINATOR)
    await bot.grant(KOOR, Role.KOORDINATOR, kabupaten="Demak")
    await koor.send("/pilihan")
    assert "Jambu Lele" in koor.last_text and "Batik Simbang Kulon" not in koor.last_text


async def test_chart_of_the_scores(bot):
    await programme(bot)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ringkasan banding oktober")
    await koor.press("Lihat grafik")
    photo = bot.api.calls_to("sendPhoto")[-1]
    [(_, (_name, content, _mime))] = photo.files.items()
    assert content.startswith(b"\x89PNG") and 10_000 < len(content) < 500_000
    import os
    from pathlib import Path

    if os.environ.get("KLASTERBOT_SAVE_CHARTS"):  # to look at the picture by hand
        Path(os.environ["KLASTERBOT_SAVE_CHARTS"]).write_bytes(content)  # noqa: ASYNC240


async def test_dataku_holds_the_koordinators_criteria_and_hapusdata_removes_them(bot):
    import json

    from tests.handlers.test_privacy import _database_text

    batik, jambu, small = await programme(bot)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/kriteria Pilihan Dinas 2027: tumbuh 40, lapor 60")
    await koor.send("/pilihan")
    await koor.press_data(f"krit:add:{batik.id}")
    await koor.press("Catatan Batik Simbang Kulon")
    await koor.send("Sentra batik tulis yang paling siap.")
    await koor.send("/dataku")
    message = next(m for m in reversed(koor.bot_messages()) if m.get("document"))
    document = json.loads(bot.api.files[message["document"]["file_id"]])
    assert document["criteria_sets"] == [{
        "name": "Pilihan Dinas 2027", "version": 1, "weights": {"tumbuh": 40, "lapor": 60},
        "created_at": bot.now.isoformat(),
    }]
    assert document["criteria_in_use"] == {"name": "Pilihan Dinas 2027", "version": 1}
    assert document["shortlist"] == [{"cluster": "Batik Simbang Kulon", "note": "Sentra batik tulis yang paling siap.",
                                      "added_at": bot.now.isoformat()}]

    await koor.send("/hapusdata")
    await koor.press("Ya, hapus data saya")
    text, numbers = await _database_text(bot)
    assert KOOR not in numbers and "paling siap" not in text
    async with bot.uow(read_only=True) as uow:
        [kept] = (await uow.session.scalars(select(CriteriaSet))).all()
    assert kept.created_by == 0  # the set stays for the other koordinator, made by nobody
    demak = bot.user(KOOR_DEMAK, "Koor Demak")
    await demak.send("/kriteria")
    assert "Pilihan Dinas 2027, versi 1" in demak.last_text
