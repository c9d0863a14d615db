"""What a koordinator reads about criteria, the ranking by them, and the shortlist."""

from __future__ import annotations

from decimal import Decimal

from bot import callbacks as cb
from bot.dates import format_day, format_month
from bot.i18n import Translator
from bot.messages import Button, Payload
from bot.messages.places import region_title
from bot.money import format_count, format_decimal_score, format_percent_change, format_share
from bot.services.criteria import (
    CRITERIA,
    SHORTLIST_MAX,
    SHORTLIST_MIN,
    ClusterScore,
    CriteriaList,
    CriteriaSetInfo,
    Criterion,
    Ranking,
    ShortlistItem,
)
from bot.text_limits import split_lines

# A message holds 4096 characters; leave room for the buttons' message split.
MESSAGE_BUDGET = 3800
# Buttons to shortlist the best-ranked clusters (more would bury the others).
ADD_BUTTONS = 6


def label(t: Translator, criterion: Criterion) -> str:
    """The criterion in words, as the ranking and the export name it."""
    return {
        Criterion.GROWTH: t.gettext("pertumbuhan sejak bergabung"),
        Criterion.TREND3: t.gettext("tren median omzet 3 bulan"),
        Criterion.TREND6: t.gettext("tren median omzet 6 bulan"),
        Criterion.REPORTING: t.gettext("tingkat pelaporan"),
        Criterion.CONSISTENCY: t.gettext("konsistensi pelaporan 6 bulan"),
        Criterion.MEMBERS: t.gettext("jumlah anggota"),
        Criterion.TRAINING: t.gettext("kehadiran pelatihan"),
        Criterion.MARKET: t.gettext("minat peluang pasar"),
    }[criterion]


def explanation(t: Translator, criterion: Criterion) -> str:
    """How the criterion's value is found (the README says the same)."""
    return {
        Criterion.GROWTH: t.gettext(
            "omzet bulan itu dibanding rata-rata 3 bulan pertama anggota melapor (angka terbit, sedikitnya 5 anggota)"
        ),
        Criterion.TREND3: t.gettext("perubahan median omzet klaster dibanding 3 bulan sebelumnya (angka terbit)"),
        Criterion.TREND6: t.gettext("perubahan median omzet klaster dibanding 6 bulan sebelumnya (angka terbit)"),
        Criterion.REPORTING: t.gettext("bagian anggota yang melapor omzet bulan itu"),
        Criterion.CONSISTENCY: t.gettext("rata-rata tingkat pelaporan 6 bulan terakhir"),
        Criterion.MEMBERS: t.gettext("jumlah anggota bulan itu"),
        Criterion.TRAINING: t.gettext("bagian undangan pelatihan 6 bulan terakhir yang dijawab \"Ikut\""),
        Criterion.MARKET: t.gettext("bagian peluang pasar 6 bulan terakhir yang dijawab \"Saya tertarik\""),
    }[criterion]


def value_text(t: Translator, criterion: Criterion, value: Decimal | None) -> str:
    if value is None:
        return t.gettext("data belum cukup")
    if criterion in (Criterion.GROWTH, Criterion.TREND3, Criterion.TREND6):
        return format_percent_change(value, t.locale)
    if criterion is Criterion.MEMBERS:
        return format_count(int(value), t.locale)
    return format_share(value, t.locale)


def set_title(t: Translator, criteria: CriteriaSetInfo) -> str:
    if criteria.is_default:
        return t.gettext("Bawaan (belum ada kriteria yang disepakati)")
    return t.gettext("{nama}, versi {versi}", nama=criteria.name, versi=criteria.version)


def weights_text(t: Translator, criteria: CriteriaSetInfo) -> str:
    return ", ".join(
        t.gettext("{kriteria} {bobot}", kriteria=c.value, bobot=format_count(w, t.locale)) for c, w in criteria.weights if w
    )


def _score(t: Translator, value: Decimal | None) -> str:
    return format_decimal_score(value, t.locale) if value is not None else "—"


def ranking_texts(t: Translator, r: Ranking) -> list[str]:
    """The ranking, split into messages that fit."""
    lines = [
        t.gettext("Perbandingan klaster — {bulan}", bulan=format_month(r.month, t.locale)),
        t.gettext("Kriteria: {nama} — {bobot}", nama=set_title(t, r.criteria), bobot=weights_text(t, r.criteria)),
        t.gettext(
            "Skor tiap kriteria 0–100 (100 = terbaik di antara klaster yang dibandingkan); skor total = "
            "rata-rata berbobot. Ganti kriteria dengan /kriteria."
        ),
        "",
    ]
    if r.unused:
        lines += [t.gettext(
            "Tidak dipakai kali ini (belum ada data untuk klaster mana pun): {kriteria}.",
            kriteria=", ".join(label(t, c) for c in r.unused),
        ), ""]
    if not r.ranked:
        lines.append(t.gettext("Belum ada klaster yang datanya cukup untuk diperingkat dengan kriteria ini."))
    for place, row in enumerate(r.ranked, 1):
        lines.append(t.gettext(
            "{no}. {nama} ({wilayah}) — skor {skor}{pilihan}",
            no=place, nama=row.cluster.name, wilayah=region_title(t, row.cluster.kabupaten),
            skor=_score(t, row.total), pilihan=t.gettext(" ★ pilihan") if row.shortlisted else "",
        ))
        lines.append("   " + " · ".join(
            t.gettext("{kriteria} {skor} ({nilai})", kriteria=c.value, skor=_score(t, row.scores.get(c)),
                      nilai=value_text(t, c, row.values.get(c)))
            for c in r.used
        ))
        if row.cohorts:
            lines.append("   " + cohorts_inline(t, row.cohorts))
    if r.thin:
        lines += ["", t.gettext("Belum dapat diperingkat (data belum cukup):")]
        lines += [
            t.gettext("- {nama}: {kurang}", nama=row.cluster.name, kurang=", ".join(label(t, c) for c in row.missing))
            for row in r.thin
        ]
    lines += ["", shortlist_line(t, r.shortlist)]
    return _split(lines)


def cohorts_inline(t: Translator, cohorts) -> str:
    """ "Tumbuh sejak bergabung menurut tahun bergabung: 2025 +48,0% (12) · sebelum melapor +9,5% (20)"."""
    parts = [
        t.gettext("{tahun} {persen} ({n})", tahun=str(c.year), persen=format_percent_change(c.growth, t.locale),
                  n=format_count(c.members, t.locale))
        if c.year is not None else
        t.gettext("sebelum melapor {persen} ({n})", persen=format_percent_change(c.growth, t.locale),
                  n=format_count(c.members, t.locale))
        for c in cohorts
    ]
    return t.gettext("Tumbuh sejak bergabung, menurut tahun bergabung (anggota): {kohort}", kohort=" · ".join(parts))


def shortlist_line(t: Translator, items: tuple[ShortlistItem, ...]) -> str:
    return t.gettext(
        "Daftar pilihan Anda: {n} klaster (pilih {min}–{max}). Lihat dan beri catatan dengan /pilihan.",
        n=format_count(len(items), t.locale), min=SHORTLIST_MIN, max=SHORTLIST_MAX,
    )


def _split(lines: list[str]) -> list[str]:
    # Room under the last piece for the buttons' message (handlers/criteria.py).
    return split_lines("\n".join(lines), MESSAGE_BUDGET) or [""]


def ranking_buttons(t: Translator, r: Ranking) -> tuple[tuple[Button, ...], ...]:
    """Shortlist the best ones; the chart; the criteria; the shortlist."""
    rows: list[tuple[Button, ...]] = []
    if len(r.shortlist) < SHORTLIST_MAX:
        addable = [row for row in r.ranked if not row.shortlisted][:ADD_BUTTONS]
        rows += [(Button(t.gettext("+ Pilih {nama}", nama=row.cluster.name), cb.criteria("add", row.cluster.id)),) for row in addable]
    rows.append((
        Button(t.gettext("Lihat grafik"), cb.criteria("chart", r.criteria.id, str(r.month))),
        Button(t.gettext("Ganti kriteria"), cb.criteria("list")),
    ))
    rows.append((Button(t.gettext("Daftar pilihan"), cb.criteria("short")),))
    return tuple(rows)


def criteria_list(t: Translator, found: CriteriaList) -> Payload:
    """/kriteria: the set in use, every saved set, the criteria that exist, how to define one."""
    lines = [
        t.gettext("Kriteria untuk memilih klaster yang dikembangkan"),
        t.gettext("Yang Anda pakai sekarang: {nama} — {bobot}", nama=set_title(t, found.current), bobot=weights_text(t, found.current)),
        "",
    ]
    if found.sets:
        lines.append(t.gettext("Kriteria tersimpan (bisa dipakai semua koordinator):"))
        for i, s in enumerate(found.sets, 1):
            lines.append(t.gettext(
                "{no}. {nama} ({tanggal}): {bobot}", no=i, nama=set_title(t, s),
                tanggal=format_day(s.created_at.date(), t.locale) if s.created_at else "—", bobot=weights_text(t, s),
            ))
        lines.append("")
    lines.append(t.gettext("Kriteria yang bisa dipakai:"))
    lines += [f"{c.value} — {label(t, c)}: {explanation(t, c)}" for c in CRITERIA]
    lines += ["", define_prompt(t)]
    buttons = [
        (Button(t.gettext("Pakai {nama}", nama=set_title(t, s))[:60], cb.criteria("use", s.id)),)
        for s in found.sets[:10] if s.id != found.current.id
    ]
    if not found.current.is_default:
        buttons.append((Button(t.gettext("Pakai bawaan"), cb.criteria("use", 0)),))
    buttons.append((Button(t.gettext("Buat kriteria baru"), cb.criteria("new")),))
    return Payload("\n".join(lines), tuple(buttons))


def define_prompt(t: Translator) -> str:
    return t.gettext(
        "Untuk membuat kriteria, tulis nama lalu bobot tiap kriteria (angka 0–100) dalam satu pesan. Contoh:\n"
        "Pilihan Dinas 2027: tumbuh 40, tren6 20, lapor 20, pasar 20\n"
        "Nama yang sudah ada menjadi versi baru; versi lama tetap tersimpan."
    )


def saved(t: Translator, s: CriteriaSetInfo, month: str) -> Payload:
    return Payload(
        t.gettext(
            "Kriteria tersimpan: {nama} — {bobot}. Mulai sekarang /ringkasan banding memakai kriteria ini.",
            nama=set_title(t, s), bobot=weights_text(t, s),
        ),
        ((Button(t.gettext("Lihat peringkat"), cb.criteria("rank", s.id, month)),),),
    )


def shortlist(t: Translator, items: tuple[ShortlistItem, ...]) -> Payload:
    """/pilihan: the shortlist with notes, a note and a remove button per cluster."""
    if not items:
        return Payload(t.gettext(
            "Daftar pilihan Anda masih kosong. Pilih {min}–{max} klaster dari /ringkasan banding dengan tombol \"+ Pilih\".",
            min=SHORTLIST_MIN, max=SHORTLIST_MAX,
        ))
    lines = [t.gettext("Daftar pilihan Anda (klaster yang akan dikembangkan):"), ""]
    for i, item in enumerate(items, 1):
        lines.append(t.gettext("{no}. {nama} ({wilayah}, {komoditas})", no=i, nama=item.cluster.name,
                               wilayah=region_title(t, item.cluster.kabupaten), komoditas=item.cluster.commodity))
        lines.append("   " + (t.gettext("Catatan: {catatan}", catatan=item.note) if item.note else t.gettext("Belum ada catatan.")))
    if len(items) < SHORTLIST_MIN:
        lines += ["", t.gettext("Pilih sedikitnya {min} klaster.", min=SHORTLIST_MIN)]
    buttons = tuple(
        (Button(t.gettext("Catatan {nama}", nama=item.cluster.name)[:60], cb.criteria("note", item.cluster.id)),
         Button(t.gettext("Hapus"), cb.criteria("del", item.cluster.id)))
        for item in items
    )
    return Payload("\n".join(lines), buttons)


def note_prompt(t: Translator, cluster_name: str) -> str:
    return t.gettext(
        "Tulis catatan untuk {klaster} (paling banyak 500 huruf), misalnya alasan memilihnya.", klaster=cluster_name
    )


def chart_bars(r: Ranking, limit: int = 15) -> list[tuple[str, list[float]]]:
    """Each ranked cluster's total as the weighted parts of its criteria (for the chart)."""
    weights = dict(r.criteria.weights)
    total = sum(weights[c] for c in r.used)
    return [
        (row.cluster.name, [float(row.scores[c]) * weights[c] / total for c in r.used])
        for row in r.ranked[:limit]
    ]


__all__ = ["ClusterScore", "chart_bars", "criteria_list", "ranking_texts", "shortlist"]
