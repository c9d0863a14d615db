"""Telegram's documented limits: the fake Bot API refuses what Telegram refuses, with the same
400s, and no flow of the bot produces such a request (the longest inputs each flow accepts).

Every other test of the suite runs against the same checks, so any call beyond a limit fails
there too; these tests go to the edges on purpose.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.domain import AnnouncementKind, Role
from bot.services import announcements as ann
from bot.services.text_fields import BUSINESS_MAX, CLUSTER_NAME_MAX, NAME_MAX, PRODUCT_MAX
from bot.shell.sandbox.core import FakeBotApi, telegram_length
from bot.text_limits import split_lines
from db.models import Delivery

CHAIR = 5100


@pytest.fixture
def fake() -> FakeBotApi:
    api = FakeBotApi()
    api.user(42, "Ani")
    return api


def _error(answer) -> tuple[int, str]:
    assert answer["ok"] is False, answer
    return answer["error_code"], answer["description"]


def test_text_over_4096_is_refused_and_4096_is_not(fake):
    assert fake.handle("sendMessage", {"chat_id": 42, "text": "a" * 4096})["ok"]
    assert _error(fake.handle("sendMessage", {"chat_id": 42, "text": "a" * 4097})) == (400, "Bad Request: message is too long")
    # Telegram counts UTF-16 code units: 2,049 emoji are 4,098.
    assert _error(fake.handle("sendMessage", {"chat_id": 42, "text": "🙂" * 2049}))[0] == 400
    sent = fake.handle("sendMessage", {"chat_id": 42, "text": "pendek"})["result"]
    edit = {"chat_id": 42, "message_id": sent["message_id"], "text": "b" * 4097}
    assert _error(fake.handle("editMessageText", edit)) == (400, "Bad Request: message is too long")


def test_caption_over_1024_is_refused(fake):
    photo = ("p.png", b"\x89PNG", "image/png")
    ok = fake.handle("sendPhoto", {"chat_id": 42, "photo": "attach://photo", "caption": "c" * 1024}, {"photo": photo})
    assert ok["ok"]
    too_long = fake.handle("sendPhoto", {"chat_id": 42, "photo": "attach://photo", "caption": "c" * 1025}, {"photo": photo})
    assert _error(too_long) == (400, "Bad Request: message caption is too long")
    document = fake.handle("sendDocument", {"chat_id": 42, "document": "attach://d", "caption": "c" * 1025}, {"d": ("a.pdf", b"%PDF", "application/pdf")})
    assert _error(document)[0] == 400


@pytest.mark.parametrize("data", ["", "x" * 65, "é" * 33])
def test_callback_data_must_be_1_to_64_bytes(fake, data):
    markup = {"inline_keyboard": [[{"text": "Tombol", "callback_data": data}]]}
    answer = fake.handle("sendMessage", {"chat_id": 42, "text": "pilih", "reply_markup": markup})
    assert _error(answer) == (400, "Bad Request: BUTTON_DATA_INVALID")


def test_callback_data_of_64_bytes_is_accepted(fake):
    markup = {"inline_keyboard": [[{"text": "Tombol", "callback_data": "x" * 64}]]}
    assert fake.handle("sendMessage", {"chat_id": 42, "text": "pilih", "reply_markup": markup})["ok"]


def test_inline_keyboard_size_is_limited(fake):
    def keyboard(rows, per_row):
        return {"inline_keyboard": [[{"text": f"{r}.{c}", "callback_data": f"{r}.{c}"} for c in range(per_row)] for r in range(rows)]}

    assert fake.handle("sendMessage", {"chat_id": 42, "text": "ok", "reply_markup": keyboard(12, 8)})["ok"]
    for markup in (keyboard(1, 9), keyboard(26, 4)):  # 9 in a row; 104 in all
        assert _error(fake.handle("sendMessage", {"chat_id": 42, "text": "x", "reply_markup": markup})) == (400, "Bad Request: BUTTONS_TOO_MUCH")
    sent = fake.handle("sendMessage", {"chat_id": 42, "text": "pendek"})["result"]
    edit = {"chat_id": 42, "message_id": sent["message_id"], "reply_markup": keyboard(1, 9)}
    assert _error(fake.handle("editMessageReplyMarkup", edit))[0] == 400


def test_file_sizes_photo_10_mb_document_50_mb(fake):
    big_photo = ("p.png", b"\0" * (10 * 1024 * 1024 + 1), "image/png")
    assert _error(fake.handle("sendPhoto", {"chat_id": 42, "photo": "attach://p"}, {"p": big_photo}))[0] == 400
    big_document = ("a.zip", b"\0" * (50 * 1024 * 1024 + 1), "application/zip")
    assert _error(fake.handle("sendDocument", {"chat_id": 42, "document": "attach://d"}, {"d": big_document})) == (413, "Request Entity Too Large")
    # A bot downloads at most 20 MB of what a person sent.
    file_id, _ = fake._store_file(b"\0" * (20 * 1024 * 1024 + 1))
    assert _error(fake.handle("getFile", {"file_id": file_id})) == (400, "Bad Request: file is too big")


async def test_callback_answered_once_and_edits_must_change_something(fake):
    sent = fake.handle("sendMessage", {"chat_id": 42, "text": "sama", "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}})["result"]
    press = await fake.user_handle(42).press("A")
    query = press["callback_query"]["id"]
    assert fake.handle("answerCallbackQuery", {"callback_query_id": query})["ok"]
    assert _error(fake.handle("answerCallbackQuery", {"callback_query_id": query}))[0] == 400
    same = {"chat_id": 42, "message_id": sent["message_id"], "text": "sama", "reply_markup": sent["reply_markup"]}
    assert _error(fake.handle("editMessageText", same)) == (400, "Bad Request: message is not modified")


@pytest.mark.parametrize(
    ("parameter", "arrives"),
    [("AbC_12-x", "/start AbC_12-x"), ("x" * 64, "/start " + "x" * 64), ("x" * 65, "/start"), ("ab cd", "/start"), ("é", "/start")],
)
async def test_start_parameter_is_64_characters_of_a_z_0_9_underscore_dash(fake, parameter, arrives):
    user = fake.user_handle(42)
    update = await user.open_link(f"https://t.me/{fake.bot_user['username']}?start={parameter}")
    assert update["message"]["text"] == arrives


def test_split_lines_keeps_every_line_whole_and_every_piece_within_the_limit():
    lines = [f"{i}. {'Nama Panjang ' * 4}— {'Usaha ' * 12}— 081234567890" for i in range(1, 200)]
    pieces = split_lines("\n".join(lines), 4096)
    assert len(pieces) > 1 and all(telegram_length(p) <= 4096 for p in pieces)
    assert "\n".join(pieces).split("\n") == lines
    assert all(telegram_length(p) <= 100 for p in split_lines("y" * 250, 100))
    # A line longer than a message is cut at its spaces, each piece a message of its own.
    assert split_lines("aaa bbb ccc ddd", 7) == ["aaa", "bbb", "ccc ddd"]


def test_split_lines_never_cuts_inside_html_tags_entities_or_links():
    from bot.shell.sandbox.entities import parse_html

    line = '{i}. <a href="tg://user?id={i}">Nama &amp; Usaha {i}</a> — <a href="https://t.me/+62812">+62812</a>'
    text = "\n".join(line.format(i=i) for i in range(300))
    pieces = split_lines(text, 1000, html=True)
    assert len(pieces) > 1 and "\n".join(pieces) == text
    for piece in pieces:
        parse_html(piece)  # each piece is valid Telegram HTML on its own
    # A tag open across lines keeps its lines together; a long line is cut outside its links.
    assert split_lines("a\n<b>x\ny</b>\nzz", 10, html=True) == ["a", "<b>x\ny</b>", "zz"]
    long_line = " ".join(f'<a href="tg://user?id={i}">N{i}</a>' for i in range(100))
    for piece in split_lines(long_line, 300, html=True):
        assert telegram_length(piece) <= 300
        parse_html(piece)


# ---- the bot stays within them --------------------------------------------------------------


async def _chair_and_members(bot, languages=("id", "en")):
    cluster = await bot.cluster()
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    members = []
    for i, language in enumerate(languages):
        member = bot.user(5200 + i, "Ani")
        await bot.register(member, cluster, name=f"Ani Lestari {'Dewi ' * 9}"[:NAME_MAX].strip())
        if language == "en":  # the English header and words are longer
            await member.send("/bahasa")
            await member.press("English")
        members.append(member)
    return cluster, bot.user(CHAIR, "Ketua"), members


async def _umumkan(chair, kind_label):
    await chair.send("/umumkan")
    await chair.press(kind_label)


async def test_training_with_a_photo_and_the_longest_caption_and_place_fits_telegram(bot):
    _, chair, members = await _chair_and_members(bot)
    limit = ann.body_limit(AnnouncementKind.PELATIHAN, attachment=True)
    # The reported case: 900 characters were accepted and, with the header, date and place,
    # made a caption of 1,209 that Telegram refuses. Now the author is told before sending.
    await _umumkan(chair, "Pelatihan")
    await chair.send_photo(caption="k" * 900)
    assert f"paling banyak {limit}" in chair.last_text and "900 huruf" in chair.last_text
    await chair.send_photo(caption="k" * limit)
    await chair.send("30/12/2026 09.00")
    await chair.send("T" * ann.PLACE_MAX)
    preview = [m for m in chair.bot_messages() if m.get("photo")][-1]
    # (The limit leaves room for the longest sender line; this chair's is shorter.)
    assert limit < telegram_length(preview["caption"]) <= 1024
    await chair.press("Kirim sekarang")
    await bot.drain()
    for member in members:
        [copy] = [m for m in member.bot_messages() if m.get("photo")]
        assert telegram_length(copy["caption"]) <= 1024 and copy["caption"].count("k") >= limit
    # The reminder the day before is a text message with an opening line: it fits too.
    bot.now = datetime(2026, 12, 29, 1, 0, tzinfo=UTC)
    for member in members:
        copy = [m for m in member.bot_messages() if m.get("photo")][-1]
        await member.press(member.buttons(copy)[0])  # "Ikut" / "Attend"
    await bot.drain()
    for member in members:
        reminders = [t for t in member.texts() if t.startswith(("Pengingat", "Reminder"))]
        assert len(reminders) == 1 and telegram_length(reminders[0]) <= 4096
    await chair.press("Daftar hadir")
    assert "Daftar hadir: 2 ikut" in chair.last_text


@pytest.mark.parametrize("kind_label", ["Umum", "Peluang pasar"])
async def test_the_longest_text_announcement_fits_in_every_copy_and_in_info(bot, kind_label):
    from bot.money import format_count
    from bot.services.announcements import Kind, body_limit

    # A market opportunity's copy says what happens to the member's data: its limit is lower.
    limit = body_limit(Kind.PELUANG if kind_label == "Peluang pasar" else Kind.UMUM, attachment=False)
    assert limit >= 3400
    _, chair, members = await _chair_and_members(bot)
    await _umumkan(chair, kind_label)
    await chair.send("panjang " * 500)  # 4,000 characters: refused, the limit named
    assert f"paling banyak {format_count(limit, 'id')}" in chair.last_text
    words = (limit + 1) // 5
    await chair.send(("kata " * words).strip())  # as long as allowed, or one short
    await chair.press("Kirim sekarang")
    await bot.drain()
    for member in members:
        await member.send("/info")
        assert all(telegram_length(t) <= 4096 for t in member.texts())
        assert sum(t.count("kata") >= words - 1 for t in member.texts()) == 2  # the copy and /info


async def test_a_long_interest_list_is_split_at_line_ends(bot):
    cluster = await bot.cluster()
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    chair = bot.user(CHAIR, "Ketua")
    await _umumkan(chair, "Peluang pasar")
    await chair.send("Pembeli dari Semarang mencari batik tulis.")
    await chair.press("Kirim sekarang")
    members = []
    for i in range(40):
        member = bot.user(6000 + i, "Budi")
        name = f"Budi Santoso {'Wijaya ' * 6}"[:NAME_MAX].strip()
        await member.send(f"/start {cluster.invite_code}")
        await member.press("Setuju")
        await member.send(name)
        await member.send(f"Usaha {'Batik Tulis ' * 7}"[:BUSINESS_MAX].strip())
        await member.send(f"{'kain ' * 20}"[:PRODUCT_MAX].strip())
        await member.share_contact(f"0812{i:08d}")
        await member.press("Benar")
        members.append(member)
    # Members who joined after the send do not receive it: send a second one to all.
    await _umumkan(chair, "Peluang pasar")
    await chair.send("Pembeli kedua mencari batik cap.")
    await chair.press("Kirim sekarang")
    await bot.drain()
    for member in members:
        await member.press("Saya tertarik")
    # Not drained: 40 notices to one author go at Telegram's one a second per chat; the list
    # is read from the database.
    before = len(chair.texts())
    await chair.press("Daftar peminat")
    pieces = chair.texts()[before:]
    assert len(pieces) >= 2 and all(telegram_length(p) <= 4096 for p in pieces)
    numbered = [line for p in pieces for line in p.split("\n") if line[:1].isdigit()]
    assert [line.split(".")[0] for line in numbered] == [str(i) for i in range(1, 41)]


async def test_registration_with_the_longest_answers_and_cluster_name_fits(bot):
    cluster = await bot.cluster(name=("Klaster Batik Tulis Simbang Kulon " * 4)[:CLUSTER_NAME_MAX].strip())
    for language in ("id", "en"):
        user = bot.user(7000 if language == "id" else 7001, "Siti", language_code=language)
        # The invite link the bot gives is a start parameter Telegram accepts.
        update = await user.open_link(f"https://t.me/{bot.api.bot_user['username']}?start={cluster.invite_code}")
        assert update["message"]["text"] == f"/start {cluster.invite_code}"
        await user.press(user.buttons()[0])
        await user.send(("Siti Aminah " * 6)[:NAME_MAX].strip())
        await user.send(("Batik Tulis Bu Siti " * 5)[:BUSINESS_MAX].strip())
        await user.send(("batik tulis pewarna alam " * 4)[:PRODUCT_MAX].strip())
        await user.share_contact("081234567890")
        assert cluster.name in user.last_text
        await user.press(user.buttons()[0])
        assert all(telegram_length(t) <= 4096 for t in user.texts())


# ---- every flow with the longest input it accepts -----------------------------------------

LONG_NAME = ("Raden Ayu Sekar Kinanthi Wulandari Puspitasari " * 2)[:NAME_MAX].strip()
LONG_BUSINESS = ("Usaha Batik Tulis dan Cap Sekar Jagad " * 3)[:BUSINESS_MAX].strip()
LONG_PRODUCT = ("batik tulis pewarna alam motif jlamprang " * 3)[:PRODUCT_MAX].strip()


def _all_within_limits(user) -> None:
    """Every message the user received fits (the fake Bot API refused the others, and the
    harness's error collector holds the crash)."""
    for message in user.bot_messages():
        if message.get("text") is not None:
            assert telegram_length(message["text"]) <= 4096
        if message.get("caption") is not None:
            assert telegram_length(message["caption"]) <= 1024


def _letters(i: int) -> str:
    """A distinct tag made of letters (names take no digits)."""
    return "".join("ABCDEFGHIJ"[int(d)] for d in f"{i:03d}")


async def _many_long_members(bot, cluster, count, *, first_id=8000, when=None):
    """`count` members with the longest name, business and product registration accepts."""
    now = bot.now
    if when is not None:
        bot.now = when
    members = []
    for i in range(count):
        member = bot.user(first_id + i, "Sekar")
        name = f"{_letters(i)} {LONG_NAME}"[:NAME_MAX].strip()
        await member.send(f"/start {cluster.invite_code}")
        await member.press("Setuju")
        await member.send(name)
        await member.send(LONG_BUSINESS)
        await member.send(LONG_PRODUCT)
        await member.share_contact(f"0812{member.id:08d}")
        await member.press("Benar")
        members.append((member, name))
    bot.now = now
    return members


def _numbered(texts: list[str]) -> list[int]:
    return [int(line.split(".")[0]) for text in texts for line in text.split("\n") if line[:1].isdigit() and "." in line[:4]]


async def test_profile_edits_with_the_longest_values_fit(bot):
    cluster = await bot.cluster(name=("Klaster Batik Tulis Simbang Kulon " * 4)[:CLUSTER_NAME_MAX].strip())
    for language in ("id", "en"):
        user = bot.user(7100 if language == "id" else 7101, "Siti", language_code=language)
        await user.send(f"/start {cluster.invite_code}")
        await user.press(user.buttons()[0])
        for answer in ("Siti Aminah", "Batik Siti", "batik tulis"):
            await user.send(answer)
        await user.share_contact("081234567890")
        await user.press(user.buttons()[0])
        await user.send("/profil")
        for button, value in ((0, LONG_NAME), (1, LONG_BUSINESS), (2, LONG_PRODUCT)):
            await user.press(user.buttons()[button])
            await user.send(value + " x")  # one over: refused, the limit named
            await user.send(value)
            await user.send("/profil")
            assert value in user.last_text
        await user.send("/dataku")
        _all_within_limits(user)


async def test_cluster_creation_with_the_longest_name_kabupaten_and_commodity_fits(bot):
    from bot.services.text_fields import PLACE_MAX

    await bot.grant(7200, Role.KOORDINATOR)
    koor = bot.user(7200, "Koor")
    name = ("Klaster Batik Tulis Simbang Kulon " * 4)[:CLUSTER_NAME_MAX].strip()
    kabupaten = ("Kabupaten Pekalongan Raya Selatan " * 3)[:PLACE_MAX].strip()
    commodity = ("batik tulis pewarna alam " * 4)[:PLACE_MAX].strip()
    await koor.send("/klaster")
    await koor.send(name)
    await koor.send(kabupaten)
    await koor.send(commodity)
    await koor.press("WIB")
    await koor.press("Ya, perlu")
    assert f"{name} ({kabupaten}, WIB) sudah dibuat" in koor.last_text
    for command in ("/undang", "/anggota", "/ringkasan", "/belumlapor", "/ketua"):
        await koor.send(command)
        if koor.buttons():
            await koor.press(koor.buttons()[0])
    _all_within_limits(koor)
    assert not bot.errors.records


async def test_lists_of_many_long_names_are_split_at_line_ends_and_complete(bot):
    from bot.shell.background import run_monthly_jobs

    cluster = await bot.cluster()
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    chair = bot.user(CHAIR, "Ketua")
    count = 70
    await _many_long_members(bot, cluster, count, when=datetime(2026, 10, 5, 3, 0, tzinfo=UTC))
    # /anggota and /belumlapor: every member, numbered in order, over several messages.
    for command in ("/anggota", "/belumlapor"):
        before = len(chair.texts())
        await chair.send(command)
        pieces = chair.texts()[before:]
        assert len(pieces) >= 2 and all(telegram_length(p) <= 4096 for p in pieces), command
        assert _numbered(pieces) == list(range(1, count + 1)), command
    assert chair.buttons()  # the buttons under the last piece
    # The missing list after the deadline (and the summary): complete, HTML intact.
    bot.now = datetime(2026, 11, 10, 11, 0, tzinfo=UTC)
    before = len(chair.bot_messages())
    await run_monthly_jobs(bot.app)
    await bot.drain()
    sent = chair.bot_messages()[before:]
    missing = [m for m in sent if "tg://user" in str(m.get("entities"))]
    assert len(missing) >= 2
    links = [e["url"] for m in missing for e in m["entities"] if e["url"].startswith("tg://")]
    assert links == [f"tg://user?id={8000 + i}" for i in range(count)]
    # One delivery row per piece: a retry after a failed piece never repeats one that arrived.
    async with bot.uow(read_only=True) as uow:
        keys = (await uow.session.scalars(select(Delivery.dedupe_key).where(Delivery.kind == "summary_missing"))).all()
    assert len(keys) == len(missing) and all(k.startswith("sum:missing:") for k in keys)
    async with bot.uow(read_only=True) as uow:
        payloads = (await uow.session.scalars(select(Delivery.payload).where(Delivery.kind == "summary_missing"))).all()
    assert all(p.get("reader_of") == cluster.id for p in payloads)  # checked again as each leaves
    _all_within_limits(chair)
    await chair.send("/ringkasan oktober")
    _all_within_limits(chair)


async def test_attendance_of_many_long_names_is_complete(bot):
    cluster = await bot.cluster()
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    chair = bot.user(CHAIR, "Ketua")
    count = 60
    members = await _many_long_members(bot, cluster, count)
    await _umumkan(chair, "Pelatihan")
    await chair.send("Pelatihan pewarnaan alami.")
    await chair.send("12/12/2026 09.00")
    await chair.send("T" * ann.PLACE_MAX)
    await chair.press("Kirim sekarang")
    await bot.drain()
    for i, (member, _) in enumerate(members):
        if i % 3:
            await member.press("Ikut" if i % 3 == 1 else "Tidak bisa")
    before = len(chair.texts())
    await chair.press("Daftar hadir")
    pieces = chair.texts()[before:]
    assert all(telegram_length(p) <= 4096 for p in pieces)
    assert sum(p.count("+62812") for p in pieces) == 20 + 20  # going and silent, with phones
    _all_within_limits(chair)


async def test_a_request_with_the_longest_fields_and_many_pledges_fits(bot):
    from bot.services import requests as market

    cluster = await bot.cluster()
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    chair = bot.user(CHAIR, "Ketua")
    count = 45
    members = await _many_long_members(bot, cluster, count)
    await chair.send("/permintaan")
    product = ("Batik tulis motif jlamprang " * 10)[:market.PRODUCT_MAX].strip()
    await chair.send(product + "\n" + ("Katun primisima 2 x 1,15 m " * 40)[:market.DETAILS_MAX].strip())
    await chair.send("5000 lembar")
    await chair.send("50 ribu")
    await chair.send("5/12/2026")
    await chair.send(("Gudang CV Batik Jaya Pekalongan " * 10)[:market.PLACE_MAX].strip())
    await chair.send(("Katun primisima, pewarna alam, " * 20)[:market.REQUIREMENTS_MAX].strip())
    await chair.press("Kirim sekarang")
    await bot.drain()
    for member, _ in members:
        await member.press("Sanggup")
        await member.press(member.buttons()[0])
    await bot.drain()
    before = len(chair.texts())
    await chair.press("Lihat sanggupan")
    pieces = chair.texts()[before:]
    assert _numbered(pieces)[-count:] == list(range(1, count + 1))
    assert "Bagi pesanan" in chair.buttons()  # under the last piece
    await chair.press("Bagi pesanan")  # the proposal lists every pledge too
    assert _numbered(chair.texts()[-3:])[-count:] == list(range(1, count + 1))
    _all_within_limits(chair)
    for member, _ in members[:3]:
        _all_within_limits(member)
    assert not bot.errors.records


async def test_a_product_with_the_longest_fields_fits(bot):
    from bot.services import catalogue

    cluster = await bot.cluster()
    [(member, _)] = await _many_long_members(bot, cluster, 1)
    await member.send("/produk")
    await member.press("Tambah produk")
    await member.send(("Batik Tulis Motif Jlamprang " * 4)[:catalogue.NAME_MAX].strip())
    await member.send("lanjut")
    await member.send(("tulis " * 12)[:60].strip())
    await member.send(("lembar " * 6)[:30].strip())
    await member.send("350 rb")
    await member.send("300rb")
    await member.send("10")
    await member.send("200")
    await member.send("14 hari")
    await member.send(("Batikmark 123, PIRT " * 30)[:500].strip())
    await member.press("Terbitkan")
    await member.send("/produk")
    _all_within_limits(member)
    assert not bot.errors.records
