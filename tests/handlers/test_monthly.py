"""The monthly rhythm with a controllable clock: reminders, summaries, /ringkasan, /ekspor."""

from __future__ import annotations

import io
import random
import statistics
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert, select

from bot.dates import Month
from bot.domain import Role
from bot.services import monthly, summaries
from bot.shell.background import run_monthly_jobs
from db.models import Delivery, JobRun, Member, MonthlyReport
from db.summary_queries import rebuild_upkeep
from tests.support.harness import export_table

CHAIR, KOOR, KOOR_DEMAK, MEMBER_BASE = 800, 801, 802, 30_000
OCTOBER = Month(2026, 10)


async def _seed(bot, *, members=8, reported=5, months=12, seed=3):
    """A batik cluster with `members`, of whom `reported` reported October; earlier months too."""
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    jambu = await bot.cluster("Jambu Lele", "Demak", "jambu")
    await bot.grant(KOOR, Role.KOORDINATOR)
    await bot.grant(KOOR_DEMAK, Role.KOORDINATOR, kabupaten="Demak")
    bot.api.user(KOOR, "Koor")
    bot.api.user(KOOR_DEMAK, "Koor Demak")
    joined = datetime(2025, 1, 1, tzinfo=UTC)
    rng = random.Random(seed)
    rows, reports = [], {}
    for i in range(members):
        user_id = MEMBER_BASE + i
        bot.api.user(user_id, f"Anggota{i}")
        rows.append({
            "telegram_user_id": user_id, "chat_id": user_id, "name": f"Anggota {i:02d}", "business_name": f"Usaha {i}",
            "main_product": "batik", "cluster_id": batik.id, "status": "active", "joined_at": joined,
            "consent_at": joined, "consent_version": "2026-11", "announcements_paused": False, "updated_at": joined,
        })
    async with bot.uow() as uow:
        await uow.session.execute(insert(Member), rows)
        ids = (await uow.session.scalars(select(Member.id).order_by(Member.id))).all()
        report_rows = []
        for index, member_id in enumerate(ids):
            for back in range(months):
                month = OCTOBER.months_back(back)
                if back == 0 and index >= reported:
                    continue
                amount = rng.randint(1, 40) * 500_000
                reports.setdefault(str(month), []).append((member_id, amount))
                report_rows.append({"member_id": member_id, "cluster_id": batik.id, "month": str(month), "amount": amount,
                                    "no_sales": False, "reported_at": joined, "updated_at": joined, "version": 1})
        await uow.session.execute(insert(MonthlyReport), report_rows)
        await rebuild_upkeep(uow.session)  # as the bot keeps them when reports are written
        await uow.commit()
    await bot.grant(MEMBER_BASE, Role.KETUA, cluster=batik.name)
    return batik, jambu, reports


def _messages(bot, user_id, text):
    return [t for t in bot.api.user_handle(user_id).texts() if text in t]


async def test_reminders_reach_only_non_reporters_and_never_twice(bot):
    batik, _, _ = await _seed(bot)
    bot.now = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)  # 09.00 WIB on the 1st
    runs = await run_monthly_jobs(bot.app)
    assert [(r.run.job, r.run.step, r.queued) for r in runs if r.run.cluster.id == batik.id] == [("reminders", "d1", 3)]
    await bot.drain()
    reminded = {uid for uid in range(MEMBER_BASE, MEMBER_BASE + 8) if _messages(bot, uid, "Pengingat: mohon laporkan omzet Oktober 2026")}
    assert reminded == {MEMBER_BASE + 5, MEMBER_BASE + 6, MEMBER_BASE + 7}
    # A restart and another check at the same moment: claimed already, nothing new.
    await bot.restart()
    assert await run_monthly_jobs(bot.app) == []
    await bot.drain()
    assert len(_messages(bot, MEMBER_BASE + 5, "Pengingat")) == 1


async def test_bot_down_for_days_catches_up_once_with_only_the_latest_reminder(bot):
    batik, _, _ = await _seed(bot)
    bot.now = datetime(2026, 11, 9, 3, 0, tzinfo=UTC)  # the 9th: d1, d5 and d8 all missed
    runs = await run_monthly_jobs(bot.app)
    mine = [(r.run.step, r.skipped) for r in runs if r.run.cluster.id == batik.id]
    assert mine == [("d1", True), ("d5", True), ("d8", False)]
    await bot.drain()
    assert len(_messages(bot, MEMBER_BASE + 6, "Pengingat")) == 1
    assert await run_monthly_jobs(bot.app) == []


async def test_two_instances_on_one_database_remind_each_member_once(bot):
    """F9: two bot processes on the same database fire the same reminder and summary jobs at the
    same moment and drain the same outbox; every reminder and summary goes out once."""
    import asyncio

    from tests.support.harness import Harness

    batik, _, _ = await _seed(bot, members=40, reported=10)
    other = await Harness(bot.settings, bot.api).start()
    try:
        other.runtime.outbox.worker_id = "host-b:2"  # another machine's worker
        for moment in (datetime(2026, 11, 1, 2, 0, tzinfo=UTC), datetime(2026, 11, 10, 11, 0, tzinfo=UTC)):
            bot.now = other.now = moment  # 1 November 09.00 WIB: reminders; 10 November 18.00: summaries
            first, second = await asyncio.gather(run_monthly_jobs(bot.app), run_monthly_jobs(other.app))
            ours = [(r.run.job, r.run.step) for r in [*first, *second] if r.run.cluster.id == batik.id]
            assert ours and len(ours) == len(set(ours))  # each step claimed by one of the two, never both
            await asyncio.gather(bot.drain(), other.drain())
    finally:
        await other.stop()
    reminded = [len(_messages(bot, MEMBER_BASE + i, "Pengingat: mohon laporkan omzet Oktober 2026")) for i in range(40)]
    assert reminded == [0] * 10 + [1] * 30
    for person in (MEMBER_BASE, KOOR):  # the chair (member 0) and the koordinator
        assert len(_messages(bot, person, "Ringkasan Batik Simbang Kulon — Oktober 2026")) == 1
    assert len(_messages(bot, MEMBER_BASE, "Belum melapor omzet Oktober 2026")) == 1
    cards = [len(_messages(bot, MEMBER_BASE + i, "Terima kasih sudah melapor omzet Oktober 2026")) for i in range(40)]
    assert cards == [1] * 10 + [0] * 30
    async with bot.uow(read_only=True) as uow:
        statuses = dict((await uow.session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))).all())
    assert set(statuses) == {"sent"}


async def test_nothing_is_sent_at_night(bot):
    await _seed(bot)
    bot.now = datetime(2026, 11, 5, 14, 0, tzinfo=UTC)  # 21.00 WIB on the 5th: due, but night
    await run_monthly_jobs(bot.app)
    async with bot.uow(read_only=True) as uow:
        due = set((await uow.session.scalars(select(Delivery.not_before))).all())
    assert due == {datetime(2026, 11, 6, 0, 0, tzinfo=UTC)}  # 07.00 WIB next morning


async def test_summaries_after_deadline_to_chair_and_koordinator_with_missing_list_and_cards(bot):
    batik, _, reports = await _seed(bot)
    bot.now = datetime(2026, 11, 10, 11, 0, tzinfo=UTC)  # 18.00 WIB on the 10th
    await run_monthly_jobs(bot.app)
    await bot.drain()
    amounts = [a for _, a in reports["2026-10"]]
    chair_summary = _messages(bot, MEMBER_BASE, "Ringkasan Batik Simbang Kulon — Oktober 2026")
    koor_summary = _messages(bot, KOOR, "Ringkasan Batik Simbang Kulon — Oktober 2026")
    assert len(chair_summary) == 1 and len(koor_summary) == 1
    from bot.money import format_rupiah

    assert f"Total omzet: {format_rupiah(sum(amounts), 'id')}" in chair_summary[0]
    assert f"Median omzet: {format_rupiah(int(statistics.median(amounts)), 'id')}" in chair_summary[0]
    assert "Sudah melapor: 5 (62%)" in chair_summary[0] or "Sudah melapor: 5 (63%)" in chair_summary[0]
    # The kabupaten koordinator of Demak is not in scope of a Pekalongan cluster.
    assert not _messages(bot, KOOR_DEMAK, "Ringkasan Batik")
    missing = _messages(bot, MEMBER_BASE, "Belum melapor omzet Oktober 2026")
    assert len(missing) == 1 and "Anggota 07" in missing[0]
    assert _messages(bot, MEMBER_BASE + 1, "Terima kasih sudah melapor omzet Oktober 2026")
    assert not _messages(bot, MEMBER_BASE + 6, "Terima kasih sudah melapor")
    # One tap on "Ingatkan" nudges the three; a second tap the same day adds nothing.
    chair = bot.api.user_handle(MEMBER_BASE)
    await chair.press("Ingatkan")
    assert "Pengingat dikirim kepada 3 anggota" in chair.last_text
    await chair.press_data(f"ring:nudge:{batik.id}:2026-10")
    assert "Tidak ada pengingat baru" in chair.last_text
    await bot.drain()
    assert len(_messages(bot, MEMBER_BASE + 7, "Pengingat")) == 1


async def test_jobs_run_by_hand_are_idempotent(bot):
    await _seed(bot)
    async with bot.uow() as uow:
        first = await monthly.run_by_hand(uow, "reminders", OCTOBER, None, bot.now, bot.runtime.i18n)
    async with bot.uow() as uow:
        second = await monthly.run_by_hand(uow, "reminders", OCTOBER, None, bot.now, bot.runtime.i18n)
    assert sum(r.queued for r in first) == 3 and sum(r.queued for r in second) == 0
    async with bot.uow() as uow:
        await monthly.run_by_hand(uow, "summaries", OCTOBER, "Batik Simbang Kulon", bot.now, bot.runtime.i18n)
    async with bot.uow() as uow:
        again = await monthly.run_by_hand(uow, "summaries", OCTOBER, "Batik Simbang Kulon", bot.now, bot.runtime.i18n)
    assert sum(r.queued for r in again) == 0


async def test_small_clusters_are_suppressed(bot):
    await _seed(bot, members=4, reported=2)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ringkasan Batik Simbang Kulon oktober")
    assert "data belum cukup" in koor.last_text
    assert "Total omzet" not in koor.last_text


async def test_ringkasan_roles_scopes_and_same_figures_as_export(bot):
    batik, jambu, reports = await _seed(bot)
    chair = bot.api.user_handle(MEMBER_BASE)
    await chair.send("/ringkasan")
    assert "Ringkasan Batik Simbang Kulon — Oktober 2026" in chair.last_text
    text = chair.last_text
    await chair.send("/ringkasan Jambu Lele")
    assert "tidak memiliki hak" in chair.last_text
    await chair.send("/ekspor")
    assert "tidak memiliki hak" in chair.last_text
    member = bot.api.user_handle(MEMBER_BASE + 3)
    for command in ("/ringkasan", "/belumlapor", "/ekspor"):
        await member.send(command)
        assert "tidak memiliki hak" in member.last_text
    await chair.send("/belumlapor")
    assert "3 dari 8 anggota" in chair.last_text

    koor = bot.user(KOOR, "Koor")
    await koor.send("/ringkasan")
    assert "Batik Simbang Kulon (Pekalongan)" in koor.buttons()
    await koor.press("Batik Simbang Kulon (Pekalongan)")
    assert koor.last_text == text
    await koor.send("/ringkasan banding")
    assert "Perbandingan klaster" in koor.last_text and "1. Batik Simbang Kulon" in koor.last_text
    await koor.send("/ringkasan semua oktober")
    assert "Ringkasan semua klaster di wilayah Anda — Oktober 2026" in koor.last_text
    await koor.send("/ringkasan Wonosobo")
    assert "tidak ditemukan" in koor.last_text

    demak = bot.user(KOOR_DEMAK, "Koor Demak")
    await demak.send("/ringkasan Batik Simbang Kulon")
    assert "tidak memiliki hak" in demak.last_text

    await koor.send("/ekspor")
    sent = bot.api.calls_to("sendDocument")[-1]
    [(_, (filename, content, _mime))] = sent.files.items()
    assert filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(content))["Ringkasan"]
    rows = export_table(content)
    october = [r for r in rows if r["Klaster"] == "Batik Simbang Kulon" and r["Bulan"] == datetime(2026, 10, 1)]
    assert october[0]["Total omzet"] == sum(a for _, a in reports["2026-10"])
    assert sheet.cell(row=2, column=8).number_format == '"Rp"#,##0'
    jambu_rows = [r for r in rows if r["Klaster"] == "Jambu Lele"]
    assert jambu_rows and jambu_rows[0]["Total omzet"] is None and "belum cukup" in jambu_rows[0]["Catatan"]
    async with bot.uow(read_only=True) as uow:
        actions = (await uow.session.scalars(select(func.count()).where(JobRun.id > 0))).all()
        from db.models import AuditEntry

        exported = await uow.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "summary.export"))
    assert exported == 1 and actions is not None


async def test_chart_button_sends_a_png(bot):
    batik, _, _ = await _seed(bot)
    chair = bot.api.user_handle(MEMBER_BASE)
    await chair.send("/ringkasan")
    await chair.press("Lihat grafik")
    photo = bot.api.calls_to("sendPhoto")[-1]
    [(_, (_name, content, _mime))] = photo.files.items()
    assert content.startswith(b"\x89PNG") and 10_000 < len(content) < 500_000


async def test_a_late_report_waits_for_a_batch(bot):
    """Published figures do not move by one late report (the differencing attacks are in
    tests/handlers/test_small_numbers.py); the chair is told it is waiting."""
    batik, _, reports = await _seed(bot)
    chair = bot.api.user_handle(MEMBER_BASE)
    await chair.send("/ringkasan")
    assert "Sudah melapor: 5" in chair.last_text
    before = chair.last_text
    late = bot.api.user_handle(MEMBER_BASE + 7)
    bot.now = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
    await late.send("/omzet oktober 12,5 jt")
    await late.press("Benar")
    await chair.send("/ringkasan")
    assert chair.last_text.startswith(before)
    assert "Laporan susulan atau perubahan sejak angka ini terbit: 1. Angka diperbarui setelah terkumpul 5." in chair.last_text


@pytest.mark.parametrize("when, expected", [
    (datetime(2026, 11, 1, 1, 59, tzinfo=UTC), []),
    (datetime(2026, 11, 1, 2, 0, tzinfo=UTC), ["d1"]),
    (datetime(2026, 11, 10, 10, 59, tzinfo=UTC), ["d1", "d5", "d8"]),
    (datetime(2026, 11, 10, 11, 0, tzinfo=UTC), ["d1", "d5", "d8", "compile"]),
])
def test_schedule_in_the_clusters_zone(when, expected):
    from bot.domain import ClusterInfo

    cluster = ClusterInfo(1, "X", "K", "Jawa Tengah", "batik", "Asia/Jakarta", "code", False)
    assert [r.step for r in monthly.due_runs_for(cluster, when, monthly.MonthlySchedule())] == expected


async def test_reminders_in_chunks_reach_each_non_reporter_once(bot, monkeypatch):
    """Reminders are read and written a chunk at a time: no one lost or doubled at the seams."""
    monkeypatch.setattr(summaries, "REMINDER_CHUNK", 3)
    batik, _, _ = await _seed(bot, members=20, reported=6)
    async with bot.uow() as uow:
        # Unreachable or blocked members in the middle of a chunk are skipped.
        await uow.session.execute(
            Member.__table__.update().where(Member.telegram_user_id == MEMBER_BASE + 10).values(blocked_at=bot.now)
        )
        await uow.commit()
    bot.now = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    runs = await run_monthly_jobs(bot.app)
    assert [r.queued for r in runs if r.run.cluster.id == batik.id] == [13]
    async with bot.uow(read_only=True) as uow:
        chats = (await uow.session.scalars(select(Delivery.chat_id).where(Delivery.kind == "omzet_reminder"))).all()
    assert sorted(chats) == [MEMBER_BASE + i for i in range(6, 20) if i != 10]
    # Run by hand again: the dedupe keys hold across chunks too.
    async with bot.uow() as uow:
        again = await monthly.run_by_hand(uow, "reminders", OCTOBER, batik.name, bot.now, bot.runtime.i18n)
    assert [r.queued for r in again] == [13]  # "manual" is its own step: one more round, once
    async with bot.uow() as uow:
        twice = await monthly.run_by_hand(uow, "reminders", OCTOBER, batik.name, bot.now, bot.runtime.i18n)
    assert [r.queued for r in twice] == [0]


async def test_monthly_jobs_can_be_left_out_and_the_rest_still_runs(settings, api):
    """A process that must not fire the calendar (a benchmark) still sends and reports."""
    from dataclasses import replace

    from tests.support.harness import Harness

    for monthly_on, expected in ((True, {"progress", "due-work", "monthly", "retention", "market-followups"}), (False, {"progress", "due-work", "retention"})):
        harness = await Harness(replace(settings, run_background_tasks=True, run_monthly_jobs=monthly_on), api).start()
        try:
            assert {job.name for job in harness.app.job_queue.jobs()} == expected
        finally:
            await harness.stop()
