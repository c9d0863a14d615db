"""Data rights through the real Application: /dataku, /hapusdata, withdrawing consent, retention.

Run on SQLite and, with TEST_DATABASE_URL, on PostgreSQL: the erasure is checked by reading
every column of every table afterwards.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.domain import CONSENT_VERSION, Role
from bot.shell.background import forget_expired_data
from db.models import (
    AnnouncementResponse,
    AuditEntry,
    Base,
    ConversationState,
    Member,
    MonthlyReport,
    ProcessedUpdate,
    RoleGrant,
    RosterEntry,
)

KOOR, CHAIR = 7310001, 7310002
# Distinctive values, so that finding them anywhere in the database means a leak.
RATNA, BAYU = 987654321, 987650000
RATNA_NAME, BAYU_NAME = "Ratna Kusumawati", "Bayu Wicaksono"
RATNA_PHONE, BAYU_PHONE = "+6281287654321", "+6281287650000"  # the harness shares 0812 + id


async def _programme(bot, *, requires_approval=False):
    """A cluster with a koordinator and a chair; Ratna and Bayu registered in it."""
    cluster = await bot.cluster(requires_approval=requires_approval)
    await bot.grant(KOOR, Role.KOORDINATOR)
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    bot.user(KOOR, "Koor")
    bot.user(CHAIR, "Ketua")
    ratna, bayu = bot.user(RATNA, "Ratna"), bot.user(BAYU, "Bayu")
    await bot.register(ratna, cluster, name=RATNA_NAME)
    await bot.register(bayu, cluster, name=BAYU_NAME)
    return cluster, ratna, bayu


async def _report(user, month, amount):
    await user.send(f"omzet {month} {amount}")
    await user.press("Benar")


async def _announce_opportunity(bot, chair_id=CHAIR):
    chair = bot.user(chair_id, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Peluang pasar")
    await chair.send("Pembeli dari Semarang mencari 200 lembar batik tulis.")
    await chair.press("Kirim sekarang")
    await bot.drain()
    return chair


def _export(bot, user) -> tuple[dict, bytes]:
    message = next(m for m in reversed(user.bot_messages()) if m.get("document"))
    raw = bot.api.files[message["document"]["file_id"]]
    assert message["document"]["file_name"].endswith(".json")
    return json.loads(raw), raw


async def _database_text(bot) -> tuple[str, set[int]]:
    """Every value in every table: text (JSON included) joined, and the integers apart."""
    texts, numbers = [], set()
    async with bot.uow(read_only=True) as uow:
        for table in Base.metadata.sorted_tables:
            for row in (await uow.session.execute(select(table))).all():
                for value in row:
                    if isinstance(value, bool) or value is None:
                        continue
                    if isinstance(value, int):
                        numbers.add(value)
                    texts.append(json.dumps(value, default=str, ensure_ascii=False))
    return "\n".join(texts), numbers


# --- /dataku --------------------------------------------------------------------------------


async def test_dataku_holds_everything_about_the_member_and_nothing_about_anyone_else(bot):
    cluster, ratna, bayu = await _programme(bot)
    # Both report the same month, and Ratna corrects hers; both answer the same announcement.
    await _report(ratna, "oktober", "12,5 juta")
    await _report(bayu, "oktober", "7.300.000")
    await ratna.send("omzet oktober 13 jt")
    await ratna.press("Ganti")
    await _report(ratna, "september", "9 juta")
    await _announce_opportunity(bot)
    await ratna.press("Saya tertarik")
    await bayu.press("Saya tertarik")
    await bot.drain()

    await ratna.send("/dataku")
    summary = ratna.bot_messages()[-2]["text"]
    assert "Nama: Ratna Kusumawati" in summary and "Telepon: +6281287654321" in summary
    assert f"teks versi {CONSENT_VERSION}" in summary
    assert "Laporan omzet: 2 bulan, 1 kali diubah" in summary and "Jawaban atas pengumuman: 1" in summary
    assert ratna.buttons() == ["Tarik persetujuan"]
    document, raw = _export(bot, ratna)

    assert document["profile"]["name"] == RATNA_NAME
    assert document["profile"]["business_name"] == f"Usaha {RATNA_NAME}"
    assert document["profile"]["phone"] == RATNA_PHONE
    assert document["telegram"]["user_id"] == RATNA
    assert document["consent"]["text_version"] == CONSENT_VERSION
    assert datetime.fromisoformat(document["consent"]["given_at"]) == bot.now
    [membership] = document["memberships"]
    assert membership["cluster"] == cluster.name and membership["status"] == "active" and membership["left_at"] is None
    reports = {r["month"]: r for r in document["omzet_reports"]}
    assert set(reports) == {"2026-09", "2026-10"}
    october = reports["2026-10"]
    assert october["amount_rupiah"] == 13_000_000 and october["version"] == 2
    assert [(v["old_amount_rupiah"], v["new_amount_rupiah"]) for v in october["versions"]] == [
        (None, 12_500_000), (12_500_000, 13_000_000)
    ]
    [answer] = document["announcement_answers"]
    assert answer["answer"] == "tertarik" and answer["kind"] == "peluang"
    actions = [(e["action"], e["by"], e["about"]) for e in document["audit_log"]]
    assert ("member.register", "you", "you") in actions
    assert document["messages_sent_to_you"]["announcement"] == 1

    # Nothing of Bayu's (who answered the same announcement and reported the same month), nor
    # the chair's or koordinator's Telegram ids, is in Ratna's file.
    text = raw.decode("utf-8")
    for foreign in ("Bayu", "Wicaksono", "87650000", "7300000", str(CHAIR), str(KOOR), "Semarang"):
        assert foreign not in text, foreign
    # The copy is audited.
    async with bot.uow(read_only=True) as uow:
        [export] = await uow.audit.entries("privacy.export")
    assert export.actor_telegram_user_id == RATNA and export.subject.startswith("member:")


async def test_dataku_of_a_koordinator_who_is_no_member_shows_the_roles_and_redacts_others(bot):
    cluster, ratna, _ = await _programme(bot)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ketua")
    await koor.press(f"Angkat {RATNA_NAME}")  # appoints Ratna: an audit entry about someone else
    await koor.send("/dataku")
    summary = koor.bot_messages()[-2]["text"]
    assert "tidak terdaftar sebagai anggota" in summary and "Peran Anda: koordinator seluruh provinsi" in summary
    document, raw = _export(bot, koor)
    assert document["profile"] is None and document["roles"][0]["role"] == "koordinator"
    assert ("role.grant", "you", "someone_else") in [(e["action"], e["by"], e["about"]) for e in document["audit_log"]]
    assert str(RATNA) not in raw.decode() and "Ratna" not in raw.decode()


async def test_dataku_from_a_stranger_keeps_no_trace(bot):
    stranger = bot.user(4242, "Tamu")
    await stranger.send("/dataku")
    assert "tidak menyimpan data pribadi tentang Anda" in stranger.last_text
    assert not any(m.get("document") for m in stranger.bot_messages())
    async with bot.uow(read_only=True) as uow:
        assert await uow.audit.entries("privacy.export") == []


# --- /hapusdata -----------------------------------------------------------------------------


async def _koordinator_summary(bot, month_words):
    koor = bot.user(KOOR, "Koor")
    await koor.send(f"/ringkasan Batik Simbang Kulon {month_words}")
    return koor.last_text


async def test_hapusdata_removes_the_person_keeps_past_months_and_greets_them_as_new(bot):
    # Six members join and report September in October (before its deadline).
    bot.now = datetime(2026, 10, 5, 3, 0, tzinfo=UTC)
    cluster, ratna, bayu = await _programme(bot)
    others = []
    for i in range(4):
        user = bot.user(600 + i, f"Anggota{i}")
        await bot.register(user, cluster, name=f"Anggota Nomor {'ABCD'[i]}")
        others.append(user)
    for i, user in enumerate([ratna, bayu, *others]):
        await _report(user, "september", f"{3 + i} juta")
    # In November Ratna corrects September, reports October and answers an announcement.
    bot.now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    await _report(ratna, "oktober", "8 juta")
    await _announce_opportunity(bot)
    await ratna.press("Saya tertarik")
    await bot.drain()
    other = await bot.cluster("Jambu Lele", "Demak", "jambu")
    async with bot.uow() as uow:  # a Dinas list row with her phone, in another cluster too
        uow.session.add(RosterEntry(cluster_id=other.id, name=RATNA_NAME, business_name="Jambu Ratna",
                                    main_product="jambu", phone=RATNA_PHONE, imported_at=bot.now))
        uow.session.add(RosterEntry(cluster_id=other.id, name="Orang Lain", business_name="Jambu Lain",
                                    main_product="jambu", phone="+6281399990000", imported_at=bot.now))
        await uow.commit()
    september_before = await _koordinator_summary(bot, "september")
    assert "Total omzet: Rp33.000.000" in september_before and "Sudah melapor: 6 (100%)" in september_before

    await ratna.send("/hapusdata")
    question = ratna.last_text
    assert "Yang dihapus sekarang juga" in question and "Yang tetap disimpan, tanpa nama" in question
    assert "2 laporan omzet Anda" in question and "ringkasan bulan-bulan yang sudah lewat tidak berubah" in question
    assert "kehilangan peran" not in question  # she has none
    assert ratna.buttons() == ["Ya, hapus data saya", "Batal"]
    await ratna.press("Ya, hapus data saya")
    assert ratna.last_text.startswith("Data Anda sudah dihapus.")
    assert "2 laporan omzet tetap ada tanpa nama" in ratna.last_text
    asked = next(m for m in ratna.bot_messages() if "Yang dihapus sekarang juga" in (m.get("text") or ""))
    assert not asked.get("reply_markup")  # the question's buttons are gone

    # Nothing in any table names her: name, phone, business, Telegram id.
    text, numbers = await _database_text(bot)
    for needle in ("Ratna", "Kusumawati", "87654321"):
        assert needle not in text, needle
    assert RATNA not in numbers
    assert "Bayu" in text and BAYU in numbers  # the others are untouched
    async with bot.uow(read_only=True) as uow:
        tombstone = (await uow.session.scalars(select(Member).where(Member.telegram_user_id.is_(None)))).one()
        assert tombstone.left_at == bot.now and tombstone.chat_id is None and tombstone.name is None
        kept = (await uow.session.scalars(select(MonthlyReport).where(MonthlyReport.member_id == tombstone.id))).all()
        assert sorted(r.month for r in kept) == ["2026-09", "2026-10"]
        assert (await uow.session.scalars(select(AnnouncementResponse))).all() == []
        assert [r.phone for r in (await uow.session.scalars(select(RosterEntry))).all()] == ["+6281399990000"]
        [erased] = await uow.audit.entries("privacy.erase")
    assert erased.details == {
        "reason": "request", "reports_kept": 2, "answers_deleted": 1, "roles_removed": 0, "roster_rows_deleted": 1,
    }
    assert erased.actor_telegram_user_id == 0

    # Past months stay exactly as published.
    assert await _koordinator_summary(bot, "september") == september_before

    # The bot greets her as a new person.
    await ratna.send("/profil")
    assert "belum terdaftar" in ratna.last_text
    await ratna.send("/start")
    assert "Selamat datang di klasterbot" in ratna.texts()[-2]
    assert "/dataku" in ratna.last_text and "/hapusdata" in ratna.last_text
    assert ratna.buttons() == ["Setuju", "Tidak setuju"]


async def test_a_second_press_and_an_old_button_delete_nothing_more(bot):
    cluster, ratna, _ = await _programme(bot)
    await ratna.send("/hapusdata")
    question = ratna.bot_messages()[-1]
    data = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await ratna.press("Ya, hapus data saya")
    await ratna.press_data(data, question)
    assert ratna.last_text == "Data Anda sudah dihapus."
    # She registers again; the old "Ya" from before must not delete the new registration.
    await bot.register(ratna, cluster, name=RATNA_NAME)
    await ratna.press_data(data, question)
    assert "sudah tidak berlaku" in ratna.last_text
    async with bot.uow(read_only=True) as uow:
        assert await uow.members.by_telegram_id(RATNA) is not None
        assert len(await uow.audit.entries("privacy.erase")) == 1


async def test_batal_keeps_everything(bot):
    _, ratna, _ = await _programme(bot)
    await ratna.send("/hapusdata")
    await ratna.press("Batal")
    assert ratna.last_text == "Baik, data Anda tidak diubah."
    async with bot.uow(read_only=True) as uow:
        assert (await uow.members.by_telegram_id(RATNA)).name == RATNA_NAME


async def test_a_ketua_is_warned_and_loses_the_role_and_the_lists(bot):
    cluster, ratna, bayu = await _programme(bot)
    await bot.grant(RATNA, Role.KETUA, cluster=cluster.name)
    chair = await _announce_opportunity(bot, chair_id=RATNA)
    await bayu.press("Saya tertarik")
    await bot.drain()
    await ratna.send("/hapusdata")
    assert "Anda juga kehilangan peran Anda (ketua Batik Simbang Kulon)" in chair.last_text
    await ratna.press("Ya, hapus data saya")
    assert "Peran Anda sudah dicabut: ketua Batik Simbang Kulon." in ratna.last_text
    async with bot.uow(read_only=True) as uow:
        assert (await uow.session.scalars(select(RoleGrant).where(RoleGrant.telegram_user_id == RATNA))).all() == []
    # Bayu's name and phone reached her as "Peminat baru"; that copy is gone from the outbox.
    text, numbers = await _database_text(bot)
    assert "Ratna" not in text and RATNA not in numbers
    assert "Peminat baru" not in text
    await ratna.send("/umumkan")
    assert "tidak memiliki hak" in ratna.last_text


async def test_a_waiting_request_is_deleted_outright_and_its_approval_button_is_stale(bot):
    cluster, _, _ = await _programme(bot, requires_approval=True)
    await bot.drain()
    chair = bot.user(CHAIR, "Ketua")
    assert "Ratna Kusumawati" in " ".join(chair.texts())
    ratna = bot.api.user_handle(RATNA)
    await ratna.send("/hapusdata")
    assert "Yang tetap disimpan: hanya catatan bahwa data dihapus" in ratna.last_text  # counted nowhere
    await ratna.press("Ya, hapus data saya")
    async with bot.uow(read_only=True) as uow:
        assert (await uow.session.scalars(select(Member.name))).all() == [BAYU_NAME]
    text, _ = await _database_text(bot)
    assert "Ratna" not in text
    message = next(m for m in chair.bot_messages() if "Ratna" in (m.get("text") or ""))
    await chair.press_data(message["reply_markup"]["inline_keyboard"][0][0]["callback_data"], message)  # Terima
    async with bot.uow(read_only=True) as uow:
        assert (await uow.session.scalars(select(Member.name))).all() == [BAYU_NAME]  # nobody was let in
    assert bot.api.calls_to("answerCallbackQuery")[-1].params.get("text")  # told, not silently ignored


# --- withdrawing consent --------------------------------------------------------------------


async def test_consent_is_withdrawn_from_the_dataku_message(bot):
    _, ratna, _ = await _programme(bot)
    await _report(ratna, "oktober", "5 juta")
    await ratna.send("/dataku")
    await ratna.press("Tarik persetujuan")
    explanation = ratna.last_text
    assert explanation.startswith("Tarik persetujuan?")
    assert f"28 November 2026 (teks versi {CONSENT_VERSION})" in explanation
    assert "menarik persetujuan berarti keanggotaan Anda berakhir dan data Anda dihapus" in explanation
    assert ratna.buttons() == ["Ya, tarik persetujuan", "Batal"]
    await ratna.press("Ya, tarik persetujuan")
    assert ratna.last_text.startswith("Persetujuan Anda sudah ditarik dan data Anda sudah dihapus.")
    async with bot.uow(read_only=True) as uow:
        [erased] = await uow.audit.entries("privacy.erase")
        assert erased.details["reason"] == "consent_withdrawn"
        assert await uow.members.by_telegram_id(RATNA) is None


async def test_the_consent_text_names_the_rights_and_its_version_is_recorded(bot):
    cluster = await bot.cluster()
    user = bot.user(4343)
    await user.send(f"/start {cluster.invite_code}")
    for command in ("/profil", "/dataku", "/hapusdata"):
        assert command in user.last_text
    await bot.register(user, cluster, name="Wulan Sari")
    async with bot.uow(read_only=True) as uow:
        member = await uow.members.by_telegram_id(user.id)
        [registered] = await uow.audit.entries("member.register")
    assert member.consent_version == CONSENT_VERSION == registered.details["consent_version"] == "2026-12"


async def test_help_and_menu_name_the_new_commands(bot):
    user = bot.user(4444)
    await user.send("/bantuan")
    assert "/dataku" in user.last_text and "/hapusdata" in user.last_text


# --- retention ------------------------------------------------------------------------------


async def test_retention_deletes_what_is_no_longer_needed(bot):
    cluster = await bot.cluster()
    now = bot.now
    # One who registered long ago through the list: their claimed row is kept with the member.
    user = bot.user(4545)
    await bot.register(user, cluster, name="Dari Daftar")
    async with bot.uow() as uow:
        uow.session.add_all([
            ProcessedUpdate(update_id=1, fingerprint="old", processed_at=now - timedelta(days=3)),
            ProcessedUpdate(update_id=2, fingerprint="new", processed_at=now - timedelta(hours=2)),
            ConversationState(telegram_user_id=1, flow="registration", step="name", data={"name": "Lama"},
                              updated_at=now - timedelta(days=31)),
            ConversationState(telegram_user_id=2, flow="registration", step="name", data={}, updated_at=now - timedelta(days=2)),
            RosterEntry(cluster_id=cluster.id, name="Lama Sekali", business_name="B", main_product="p",
                        phone="+6281300000001", imported_at=now - timedelta(days=181)),
            RosterEntry(cluster_id=cluster.id, name="Baru Saja", business_name="B", main_product="p",
                        phone="+6281300000002", imported_at=now - timedelta(days=10)),
        ])
        await uow.commit()
    async with bot.uow() as uow:
        member = await uow.members.by_telegram_id(user.id)
        uow.session.add(RosterEntry(cluster_id=cluster.id, name="Dari Daftar", business_name="B", main_product="p",
                                    phone="+6281200004545", imported_at=now - timedelta(days=400),
                                    claimed_member_id=member.id))
        await uow.commit()

    forgotten = await forget_expired_data(bot.app)
    assert (forgotten.updates, forgotten.drafts, forgotten.roster_rows) == (1, 1, 1)
    async with bot.uow(read_only=True) as uow:
        assert 1 not in set((await uow.session.scalars(select(ProcessedUpdate.update_id))).all())
        assert 2 in set((await uow.session.scalars(select(ProcessedUpdate.update_id))).all())
        assert set((await uow.session.scalars(select(ConversationState.telegram_user_id))).all()) == {2}
        assert set((await uow.session.scalars(select(RosterEntry.name))).all()) == {"Baru Saja", "Dari Daftar"}
        [audit] = await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.retention"))
    assert audit.details["drafts"] == 1 and audit.details["roster_rows"] == 1
    again = await forget_expired_data(bot.app)
    assert (again.updates, again.drafts, again.roster_rows, again.message_copies) == (0, 0, 0, 0)


async def test_retention_blanks_the_text_of_old_sent_messages(bot):
    _, ratna, bayu = await _programme(bot)
    chair = await _announce_opportunity(bot)
    await bayu.press("Saya tertarik")
    await bot.drain()
    assert "Peminat baru" in chair.last_text
    bot.now += timedelta(days=8)
    forgotten = await forget_expired_data(bot.app)
    assert forgotten.message_copies >= 3
    text, _ = await _database_text(bot)
    assert "Peminat baru" not in text and "Semarang mencari" in text  # the announcement itself stays
    assert ratna.id == RATNA


def test_the_readme_states_the_retention_periods_the_code_applies():
    from pathlib import Path

    from bot.services import actors, privacy

    readme = Path(__file__).resolve().parents[2].joinpath("README.md").read_text()
    section = readme.split("## Data pribadi / Personal data", 1)[1].split("\n## ", 1)[0]
    for period, words in (
        (actors.UPDATE_MEMORY, "| handled update ids | {} days"),
        (privacy.DRAFT_MEMORY, "| {} days after its last answer"),
        (privacy.ROSTER_MEMORY, "| {} days after the import"),
        (privacy.COPY_MEMORY, "| {} days, to look into"),
    ):
        assert words.format(period.days) in section, words
    assert "### Angka kecil / Small numbers" in section and "### Log" in section


async def test_a_no_sales_reason_is_in_the_copy_and_goes_with_the_person(bot):
    """"tutup karena banjir" is the member's own words: in /dataku, and gone after /hapusdata
    (the month itself stays counted as reported without sales)."""
    from db.models import MonthlyReport

    _, ratna, _ = await _programme(bot)
    await ratna.send("tutup karena banjir")
    await ratna.press("Benar")
    await ratna.send("/dataku")
    document, _ = _export(bot, ratna)
    [report] = document["omzet_reports"]
    assert report["no_sales"] is True and "banjir" in (report["note"] or "")
    await ratna.send("/hapusdata")
    await ratna.press("Ya, hapus data saya")
    async with bot.uow(read_only=True) as uow:
        rows = (await uow.session.execute(select(MonthlyReport.no_sales, MonthlyReport.note))).all()
    assert rows == [(True, None)]
