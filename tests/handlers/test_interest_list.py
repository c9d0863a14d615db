"""The interest list as a small spreadsheet to forward to a buyer (issue 16, item 1): only with each
member's consent to pass their phone on, said in words that name who sees it. The file is opened
and its cell types and formats are checked."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.domain import Role
from db.models import AnnouncementResponse, AuditEntry, Member

CHAIR = 730


async def _opportunity(bot):
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    await bot.grant(CHAIR, Role.KETUA, cluster=batik.name)
    chair = bot.user(CHAIR, "Ketua")
    await bot.register(chair, batik, name="Siti Aminah")
    members = []
    for i, (name, phone) in enumerate([("Ani Lestari", True), ("Budi Santoso", True), ("Citra Dewi", False)]):
        user = bot.user(740 + i, name.split()[0])
        await bot.register(user, batik, name=name, phone=phone)
        members.append(user)
    async with bot.uow() as uow:  # a business name that looks like a formula must stay text
        await uow.session.execute(update(Member).where(Member.telegram_user_id == 741).values(business_name="=1+1 Batik"))
        await uow.commit()
    await chair.send("/umumkan")
    await chair.press("Peluang pasar")
    await chair.send("Pembeli dari Semarang mencari 200 lembar batik tulis.")
    await chair.press("Kirim sekarang")
    await bot.drain()
    return chair, members


async def test_consent_text_names_who_sees_the_phone_and_the_list_exports_only_consented_phones(bot):
    chair, (ani, budi, citra) = await _opportunity(bot)
    copy = ani.message_with_button("Saya tertarik")["text"]
    # What the member agrees to by tapping, and what needs a second yes.
    assert ("kepada pengirim pengumuman ini, yang dapat meneruskan nama, usaha, dan produk Anda kepada "
            "pembeli; nomor Anda hanya bila Anda setujui.") in copy
    await ani.press("Saya tertarik")
    question = ani.last_text
    assert ("Nomor Anda akan diteruskan oleh Siti Aminah, ketua Batik Simbang Kulon, kepada pembeli "
            "dalam peluang pasar ini") in question
    assert ani.buttons()[-2:] == ["Ya, teruskan nomor saya", "Jangan teruskan"]
    await ani.press("Ya, teruskan nomor saya")
    assert "Nomor Anda boleh diteruskan kepada pembeli" in ani.last_text
    await budi.press("Saya tertarik")
    await budi.press("Jangan teruskan")
    assert "tidak akan diteruskan kepada pembeli" in budi.last_text
    await citra.press("Saya tertarik")  # no phone shared: not asked
    assert "Ya, teruskan nomor saya" not in citra.buttons()
    await bot.drain()

    await chair.press("Daftar peminat")
    assert "Daftar peminat: 3 orang." in chair.last_text
    await chair.press("Unduh daftar untuk pembeli (Excel)")
    call = bot.api.calls_to("sendDocument")[-1]
    [(_, (filename, content, _mime))] = call.files.items()
    assert filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == ["Nama", "Nama usaha", "Produk", "Telepon", "Menjawab pada (WIB)"]
    rows = {r[0].value: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2) if r[0].value}
    assert set(rows) == {"Ani Lestari", "Budi Santoso", "Citra Dewi"}
    assert rows["Ani Lestari"]["Telepon"].value.startswith("+62812")
    assert rows["Ani Lestari"]["Telepon"].data_type == "s"  # text, never a number or a formula
    assert rows["Budi Santoso"]["Telepon"].value is None  # did not consent
    assert rows["Citra Dewi"]["Telepon"].value is None  # shared no phone
    assert rows["Budi Santoso"]["Nama usaha"].value == "=1+1 Batik" and rows["Budi Santoso"]["Nama usaha"].data_type == "s"
    assert rows["Budi Santoso"]["Nama usaha"].quotePrefix
    assert rows["Ani Lestari"]["Produk"].value == "batik tulis"
    answered = rows["Ani Lestari"]["Menjawab pada (WIB)"]
    assert isinstance(answered.value, datetime) and answered.is_date and "yyyy" in answered.number_format
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    notes = " ".join(str(c.value) for row in book["Keterangan"].iter_rows() for c in row if c.value)
    assert "Nomor telepon hanya tercantum bila anggota setuju" in notes
    async with bot.uow(read_only=True) as uow:
        consent = (await uow.session.execute(
            select(Member.name, AnnouncementResponse.phone_to_buyer_at, AnnouncementResponse.phone_to_buyer_version)
            .join(Member, Member.id == AnnouncementResponse.member_id)
        )).all()
        audit = (await uow.session.scalars(select(AuditEntry.action))).all()
    consented = {name: (at is not None, version) for name, at, version in consent}
    assert consented["Ani Lestari"][0] and consented["Ani Lestari"][1]
    assert not consented["Budi Santoso"][0] and not consented["Citra Dewi"][0]
    assert "announcement.interest_export" in audit and "announcement.phone_to_buyer" in audit


async def test_withdrawn_consent_and_withdrawn_interest_leave_no_phone(bot):
    chair, (ani, _budi, _citra) = await _opportunity(bot)
    await ani.press("Saya tertarik")
    await ani.press("Ya, teruskan nomor saya")
    await ani.press("Jangan teruskan")  # changed their mind: the later answer counts
    await chair.press_data(_list_button(chair))
    await chair.press("Unduh daftar untuk pembeli (Excel)")
    [(_, (_f, content, _m))] = bot.api.calls_to("sendDocument")[-1].files.items()
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert [r[3].value for r in sheet.iter_rows(min_row=2)] == [None]


async def test_only_the_author_in_scope_exports_the_list(bot):
    chair, (ani, _budi, _citra) = await _opportunity(bot)
    await ani.press("Saya tertarik")
    data = _list_button(chair).replace(":list:", ":xlsx:")
    await ani.press_data(data)  # a member forging the author's button
    assert "tidak memiliki hak" in ani.last_text or "hanya" in ani.last_text
    assert not bot.api.calls_to("sendDocument")


def _list_button(chair) -> str:
    message = chair.message_with_button("Daftar peminat")
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button["text"] == "Daftar peminat":
                return button["callback_data"]
    raise AssertionError("no list button")
