"""/riwayat through the real Application: twelve months as text, then a chart picture.

The harness clock is 28 November 2026, 10.00 WIB.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime

from sqlalchemy import insert, select

from bot.chart import ChartLabels, ChartMonth, draw
from bot.dates import Month
from db.models import Member, MonthlyReport
from db.summary_queries import rebuild_upkeep


async def _member(bot, user_id=9301, cluster=None, name="Siti Aminah"):
    cluster = cluster or await bot.cluster()
    user = bot.user(user_id)
    await bot.register(user, cluster, name=name)
    return user


async def _report(bot, user, month_words, amount):
    await user.send(f"omzet {month_words} {amount}")
    while "benar?" in user.last_text or "yakin?" in user.last_text or "Ganti menjadi" in user.last_text:
        label = next(b for b in user.buttons() if b in ("Benar", "Ya, yakin", "Ganti"))
        await user.press(label)


def _history_text(user):
    return next(t for t in reversed(user.texts()) if "Omzet yang sudah Anda laporkan:" in t)


def _photo(bot):
    [call] = bot.api.calls_to("sendPhoto")
    [(_field, (_name, content, _mime))] = call.files.items()
    return call, content


async def _publish(bot, cluster_id, *months):
    """The deadline compile of these months, as the monthly job runs it."""
    from bot.services import summaries

    async with bot.uow() as uow:
        for month in months:
            await summaries.compile_month(uow, Month.parse_iso(month), bot.now, [cluster_id])


async def _seed_cluster_month(bot, cluster_id, month, amounts):
    """Other members' reports for a month, written straight to the database."""
    joined = datetime(2025, 1, 1, tzinfo=UTC)
    async with bot.uow() as uow:
        for index, amount in enumerate(amounts):
            member = Member(
                telegram_user_id=None, chat_id=None, name=f"Lain {index}", business_name="u",
                main_product="p", cluster_id=cluster_id, status="active", joined_at=joined,
                consent_at=joined, consent_version="v",
            )
            uow.session.add(member)
            await uow.session.flush()
            await uow.session.execute(insert(MonthlyReport).values(
                member_id=member.id, cluster_id=cluster_id, month=month, amount=amount,
                no_sales=amount == 0, reported_at=joined, updated_at=joined, version=1,
            ))
        await rebuild_upkeep(uow.session)  # as the bot keeps them when reports are written
        await uow.commit()


async def test_no_reports_yet(bot):
    user = await _member(bot)
    await user.send("/riwayat")
    assert user.last_text == "Anda belum pernah melapor omzet. Ketik /omzet untuk melapor."
    assert bot.api.calls_to("sendPhoto") == []


async def test_unregistered_user_is_pointed_to_daftar(bot):
    stranger = bot.user(9399)
    await stranger.send("/riwayat")
    assert "Ketik /daftar" in stranger.last_text
    assert bot.api.calls_to("sendPhoto") == []


async def test_headline_first_then_only_the_months_reported(bot):
    # Issue 15: twelve blocks of statistics, eleven of them "belum dilaporkan" for a new member.
    user = await _member(bot)
    await _report(bot, user, "november 2025", "10 juta")
    await _report(bot, user, "agustus", "8 juta")
    await _report(bot, user, "september", "tutup")
    await _report(bot, user, "oktober", "12,5 juta")
    await user.send("/riwayat")
    lines = _history_text(user).splitlines()
    # After a month with no sales the change has no base: no made-up percentage.
    assert lines[0] == "Oktober 2026: Rp12,5\u00a0jt."
    assert lines[2:7] == [
        "Omzet yang sudah Anda laporkan:",
        "Okt 2026: Rp12.500.000",
        "Sep 2026: tidak ada penjualan · turun 100%",
        "Agu 2026: Rp8.000.000",
        "Nov 2025: Rp10.000.000",
    ]
    assert lines[7] == "Bulan lain sejak Nov 2025: belum dilaporkan."
    assert "belum dilaporkan" not in "\n".join(lines[:7])
    assert "median" not in _history_text(user)


async def test_a_new_member_sees_one_line_not_eleven_gaps(bot):
    user = await _member(bot)
    await _report(bot, user, "oktober", "8.110.000")
    await user.send("/riwayat")
    assert _history_text(user) == (
        "Oktober 2026: Rp8,1\u00a0jt.\n\nOmzet yang sudah Anda laporkan:\nOkt 2026: Rp8.110.000\n\n"
        "Angka omzet Anda hanya dapat dilihat oleh Anda."
    )


async def test_change_from_previous_month_and_from_last_year(bot):
    user = await _member(bot)
    today = bot.now
    bot.now = datetime(2025, 11, 20, 3, 0, tzinfo=UTC)  # reported a year ago, when it could be
    await _report(bot, user, "oktober 2025", "10 juta")
    bot.now = today
    await _report(bot, user, "september", "5 juta")
    await _report(bot, user, "oktober", "12,5 juta")
    await user.send("/riwayat")
    lines = _history_text(user).splitlines()
    assert lines[0] == "Oktober 2026: Rp12,5\u00a0jt, naik 150% dari September 2026."
    assert "Okt 2026: Rp12.500.000 · naik 150% · naik 25% dari Okt 2025" in lines


async def test_a_months_note_is_shown_with_it(bot):
    user = await _member(bot)
    await _report(bot, user, "oktober", "tutup karena banjir")
    await user.send("/riwayat")
    assert _history_text(user).splitlines()[0] == "Oktober 2026: tidak ada penjualan."
    assert "Okt 2026: tidak ada penjualan (tutup karena banjir)" in _history_text(user)


async def test_corrected_month_is_marked_and_keeps_its_old_version(bot):
    user = await _member(bot)
    await _report(bot, user, "oktober", "10 juta")
    await _report(bot, user, "oktober", "11 juta")
    await user.send("/riwayat")
    text = _history_text(user)
    assert "Okt 2026: Rp11.000.000 (dikoreksi)" in text
    assert "Rp10.000.000" not in text


async def test_chart_is_a_real_png_of_sensible_size(bot):
    user = await _member(bot)
    await _report(bot, user, "september", "9 juta")
    await _report(bot, user, "oktober", "12,5 juta")
    await user.send("/riwayat")
    call, content = _photo(bot)
    assert call.params["caption"] == "Grafik omzet Anda per bulan."
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    assert content[12:16] == b"IHDR"
    width, height = struct.unpack(">II", content[16:24])
    # 800 pixels wide: Telegram shows it about 360 dp wide on a phone held upright.
    assert width == 800 and 400 <= height <= 1400
    assert 5_000 < len(content) < 500_000
    # The photo arrives in the member's chat, after the text.
    last = user.bot_messages()[-1]
    assert "photo" in last and bot.api.files[last["photo"][0]["file_id"]] == content


def _drawn_texts(months):
    from matplotlib.text import Text

    labels = ChartLabels(title="Omzet Anda", own="Omzet Anda", cluster_median="Nilai tengah klaster",
                         not_reported="belum dilaporkan")
    figure = draw(months, labels=labels, locale="id")
    return figure, [t for t in figure.findobj(Text) if t.get_text()]


def test_the_chart_carries_values_in_large_type_and_indonesian_months():
    months = [ChartMonth(Month(2026, 8), 8_110_000, 9_000_000), ChartMonth(Month(2026, 9), None),
              ChartMonth(Month(2026, 10), 0), ChartMonth(Month(2026, 11), 12_500_000, 9_000_000)]
    figure, texts = _drawn_texts(months)
    shown = {t.get_text() for t in texts}
    assert {"Rp8,1\u00a0jt", "Rp12,5\u00a0jt", "Rp0 (tutup)", "belum dilaporkan"} <= shown
    assert {"Agu 2026", "Sep 2026", "Okt 2026", "Nov 2026", "Nilai tengah klaster"} <= shown
    # Every text at least 18 pt on an 800-pixel picture: about 11 dp on a 6-inch phone.
    assert min(t.get_fontsize() for t in texts) >= 18
    assert figure.get_size_inches()[0] * figure.dpi == 800


def test_a_new_members_chart_starts_at_their_first_month():
    months = [ChartMonth(m, None) for m in Month(2026, 10).window(12)[:-1]] + [ChartMonth(Month(2026, 10), 5_000_000)]
    _figure, texts = _drawn_texts(months)
    assert "belum dilaporkan" not in {t.get_text() for t in texts}


async def test_cluster_median_only_where_published(bot):
    """The cluster's middle value is the published one: at least 5 reporters (the
    small-numbers rule), the lower middle report, never another member's own figure."""
    cluster = await bot.cluster()
    user = await _member(bot, cluster=cluster)
    await _report(bot, user, "agustus", "10 juta")
    await _report(bot, user, "september", "10 juta")
    await _report(bot, user, "oktober", "10 juta")
    await _seed_cluster_month(bot, cluster.id, "2026-08", [4_000_000, 5_000_000, 6_000_000])  # 4 reporters
    await _seed_cluster_month(bot, cluster.id, "2026-09", [20_000_000, 30_000_000, 40_000_000, 50_000_000])  # 5
    await _seed_cluster_month(bot, cluster.id, "2026-10", [1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000])  # 6
    await _publish(bot, cluster.id, "2026-08", "2026-09", "2026-10")
    await user.send("/riwayat")
    lines = _history_text(user).splitlines()
    assert lines[0] == "Oktober 2026: Rp10\u00a0jt, sama dengan September 2026; di atas nilai tengah klaster."
    assert "Agu 2026: Rp10.000.000" in lines
    assert "Sep 2026: Rp10.000.000 · sama · nilai tengah klaster Rp30\u00a0jt" in lines
    assert "Okt 2026: Rp10.000.000 · sama · nilai tengah klaster Rp3\u00a0jt" in lines
    # "Nilai tengah" is explained once.
    assert sum("separuh anggota" in line for line in lines) == 1
    text = "\n".join(lines)
    # Other members' own figures never appear, only published middle values.
    for figure in ("Rp4.000.000", "Rp50.000.000", "Rp1.000.000", "Rp20.000.000"):
        assert figure not in text
    _call, content = _photo(bot)
    assert content.startswith(b"\x89PNG")


async def test_no_cluster_median_before_a_month_is_published(bot):
    """Five reporters, but before the deadline nothing of the cluster is shown."""
    cluster = await bot.cluster()
    user = await _member(bot, cluster=cluster)
    await _report(bot, user, "oktober", "10 juta")
    await _seed_cluster_month(bot, cluster.id, "2026-10", [1_000_000, 2_000_000, 3_000_000, 4_000_000])
    await user.send("/riwayat")
    assert "nilai tengah klaster" not in _history_text(user)


async def test_chart_differs_with_and_without_the_median(bot):
    """The median line is drawn only for a month whose figures are published."""
    cluster = await bot.cluster()
    user = await _member(bot, cluster=cluster)
    await _report(bot, user, "oktober", "10 juta")
    await _seed_cluster_month(bot, cluster.id, "2026-10", [5_000_000])
    await user.send("/riwayat")
    _call, without = _photo(bot)
    await _seed_cluster_month(bot, cluster.id, "2026-10", [6_000_000, 7_000_000, 8_000_000])
    await _publish(bot, cluster.id, "2026-10")
    bot.api.calls.clear()
    await user.send("/riwayat")
    _call, with_median = _photo(bot)
    assert "nilai tengah klaster Rp7\u00a0jt" in _history_text(user)
    assert without != with_median


async def test_reports_of_a_deleted_member_still_count_but_are_nobodys(bot):
    cluster = await bot.cluster()
    user = await _member(bot, cluster=cluster)
    other = await _member(bot, 9302, cluster=cluster, name="Ani Lestari")
    await _report(bot, user, "oktober", "10 juta")
    await _report(bot, other, "oktober", "20 juta")
    await _seed_cluster_month(bot, cluster.id, "2026-10", [30_000_000, 40_000_000, 50_000_000])
    async with bot.uow() as uow:
        member = await uow.members.by_telegram_id(other.id)
        rows = (await uow.session.scalars(select(MonthlyReport).where(MonthlyReport.member_id == member.id))).all()
        for row in rows:
            row.member_id = None  # what deleting personal data does to the figures
        await uow.commit()
    await _publish(bot, cluster.id, "2026-10")
    await user.send("/riwayat")
    assert "nilai tengah klaster Rp30\u00a0jt" in _history_text(user)
    await other.send("/riwayat")
    assert other.last_text == "Anda belum pernah melapor omzet. Ketik /omzet untuk melapor."
