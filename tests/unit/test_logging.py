"""Neither the bot token (F12) nor personal data (issue 13) reaches a log line, even at DEBUG."""

from __future__ import annotations

import io
import logging

from bot.shell.logs import REDACTED, configure_logging
from tests.support.harness import TEST_TOKEN


def test_token_is_redacted_at_debug_including_httpx_and_tracebacks():
    stream = io.StringIO()
    handler = configure_logging("DEBUG", TEST_TOKEN, stream=stream)
    try:
        url = f"https://api.telegram.org/bot{TEST_TOKEN}/getMe"
        logging.getLogger("httpx").warning("HTTP Request: POST %s", url)
        logging.getLogger("telegram.ext").debug("Calling %s", url)
        try:
            raise RuntimeError(f"failed {url}")
        except RuntimeError:
            logging.getLogger("bot").exception("boom")
        logging.getLogger("bot").debug("secret half %s", TEST_TOKEN.split(":")[1])
        output = stream.getvalue()
    finally:
        logging.getLogger().removeHandler(handler)
    assert TEST_TOKEN not in output
    assert TEST_TOKEN.split(":")[1] not in output
    assert output.count(REDACTED) >= 2  # the exception's text and our own line; library arguments are withheld
    assert "RuntimeError" in output


def test_httpx_is_kept_at_warning_even_at_debug():
    handler = configure_logging("DEBUG", TEST_TOKEN, stream=io.StringIO())
    try:
        assert logging.getLogger("httpx").level == logging.WARNING
    finally:
        logging.getLogger().removeHandler(handler)


async def test_whole_registration_at_debug_never_logs_the_token(bot):
    stream = io.StringIO()
    handler = configure_logging("DEBUG", TEST_TOKEN, stream=stream)
    try:
        cluster = await bot.cluster()
        await bot.register(bot.user(1201), cluster)
        await bot.restart()
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    output = stream.getvalue()
    assert "getMe" in output or "sendMessage" in output or "send_message" in output.lower()
    assert TEST_TOKEN not in output and TEST_TOKEN.split(":")[1] not in output


NAME, BUSINESS, PHONE_DIGITS = "Wulandari Kusuma", "Batik Wulan Sejahtera", "81234567890"


def _personal_data_in(output: str) -> list[str]:
    """What of the member's data a log holds: name parts, business, phone in any form, amounts."""
    needles = ["Wulandari", "Kusuma", "Sejahtera", PHONE_DIGITS, "812-3456", "812 3456", "12500000",
               "12.500.000", "12,5 jt", "12,5jt", "13750000", "13.750.000"]
    return [n for n in needles if n.casefold() in output.casefold()]


async def test_whole_registration_report_and_announcement_at_debug_log_no_personal_data(bot):
    """PTB logs every Bot API call with its parameters and return value at DEBUG: names, phones
    and amounts are in both. Played through the real Application, with an error on the way."""
    from sqlalchemy import insert

    from bot.domain import Role
    from db.models import Member

    stream = io.StringIO()
    handler = configure_logging("DEBUG", TEST_TOKEN, stream=stream)
    try:
        cluster = await bot.cluster()
        await bot.grant(700, Role.KETUA, cluster=cluster.name)
        member = bot.user(1201, "Wulandari")
        await member.send(f"/start {cluster.invite_code}")
        await member.press("Setuju")
        await member.send(NAME)
        await member.send(BUSINESS)
        await member.send("batik tulis")
        await member.share_contact("+62 812-3456-7890")
        await member.press("Benar")
        await member.send("/omzet 12,5 jt")
        await member.press("Benar")
        await member.send("/omzet oktober 13.750.000")
        await member.press("Ganti")
        await member.send("/riwayat")
        chair = bot.user(700, "Ketua")
        await chair.send("/umumkan")
        await chair.press("Peluang pasar")
        await chair.send("Pembeli dari Semarang mencari batik tulis.")
        await chair.press("Kirim sekarang")
        await bot.drain()
        await member.press("Saya tertarik")
        await bot.drain()
        await chair.press("Daftar peminat")
        await chair.send("/anggota")
        # A database error whose statement carries the member's data, logged with its traceback.
        try:
            async with bot.uow() as uow:
                await uow.session.execute(insert(Member), [{"id": 1, "name": NAME, "phone": "+6281234567890"}] * 2)
        except Exception:
            logging.getLogger("bot.outbox").exception("a failure with a traceback")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    output = stream.getvalue()
    assert "Calling Bot API endpoint `sendMessage`" in output and "Traceback" in output  # it did log
    assert "Anda" not in output  # nor the bot's texts, which quote what members typed
    found = _personal_data_in(output)
    assert found == [], [line for line in output.splitlines() if any(n.casefold() in line.casefold() for n in found)]
    assert TEST_TOKEN.split(":")[1] not in output


def test_library_payloads_and_our_own_slips_are_scrubbed():
    from telegram import Update

    stream = io.StringIO()
    handler = configure_logging("DEBUG", TEST_TOKEN, stream=stream)
    try:
        update = Update.de_json({"update_id": 77, "message": {
            "message_id": 1, "date": 0, "chat": {"id": 5, "type": "private", "first_name": "Wulandari"},
            "text": "Wulandari Kusuma", "contact": {"phone_number": "6281234567890", "first_name": "Wulandari"},
        }}, None)
        logging.getLogger("telegram.ext.Application").debug("Processing update %s", update)
        logging.getLogger("telegram.ext._utils.webhookhandler").debug("Webhook received data: %s", '{"text": "Wulandari"}')
        logging.getLogger("telegram.ext.ExtBot").debug("Calling Bot API endpoint `%s` with parameters `%s`",
                                                      "sendMessage", {"chat_id": 5, "text": f"Halo {NAME}"})
        # Our own code never logs these; if it ever did, phones and amounts are still caught.
        logging.getLogger("bot").warning("reply to 0812 3456 7890 about Rp12.500.000 (/omzet 12,5 jt)")
        # PostgreSQL quotes the failing row or key in its error details.
        logging.getLogger("bot.outbox").error(
            "boom\nDETAIL:  Failing row contains (1, null, Wulandari Kusuma, active).\n"
            "DETAIL:  Key (name)=(Wulandari Kusuma) already exists."
        )
        try:
            raise ValueError("bad amount Rp 12.500.000 from +6281234567890")
        except ValueError:
            logging.getLogger("handlers.errors").error("unhandled", exc_info=True)
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    output = stream.getvalue()
    assert "Processing update Update(update_id=77" in output
    assert "`sendMessage` with parameters `{chat_id, text: <withheld>}`" in output
    assert _personal_data_in(output) == [], output
    assert "<phone>" in output and "<amount>" in output
    assert "Failing row contains (<withheld>)" in output and "Key (name)=(<withheld>) already exists" in output
