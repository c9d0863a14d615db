"""The one conversation engine: every flow is in the table, and one rule holds for a command
that arrives in the middle of any flow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain import Role
from bot.flows import Flow
from bot.services import (
    announcements,
    catalogue,
    cluster_setup,
    criteria,
    profile,
    registration,
    reports,
)
from bot.services import requests as market
from db.models import ConversationState
from handlers.flows import FLOWS

ROOT = Path(__file__).resolve().parents[2]
MEMBER, CHAIR, KOOR = 810, 811, 812


def test_every_flow_of_the_core_is_in_the_table():
    cores = (registration, reports, announcements, profile, cluster_setup, market, criteria)
    declared = {m.FLOW.name for m in cores}
    declared.add(market.ANSWER_FLOW.name)  # market requests have two: composing, and typed answers
    assert all(isinstance(m.FLOW, Flow) for m in cores)
    # The catalogue declares three: a product's details, a buyer's enquiry, a relayed reply.
    declared |= {f.name for f in (catalogue.FLOW, catalogue.ASK_FLOW, catalogue.REPLY_FLOW)}
    assert set(FLOWS) == declared


def test_no_service_touches_the_conversation_row_but_the_engine():
    """The state is loaded and saved in one place (bot/flows.py), not once per flow."""
    offenders = []
    for path in sorted((ROOT / "bot" / "services").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "conversations":
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


async def _state(bot, user_id):
    async with bot.uow(read_only=True) as uow:
        row = await uow.session.scalar(select(ConversationState).where(ConversationState.telegram_user_id == user_id))
        return None if row is None else (row.flow, row.step, dict(row.data))


@pytest.fixture
async def people(bot):
    cluster = await bot.cluster()
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    await bot.grant(KOOR, Role.KOORDINATOR)
    member = bot.user(MEMBER, "Ani")
    await bot.register(member, cluster, name="Ani Lestari")
    return cluster, member, bot.user(CHAIR, "Ketua"), bot.user(KOOR, "Koor")


async def _into_registration(bot, people):
    cluster = people[0]
    user = bot.user(820, "Baru")
    await user.send(f"/start {cluster.invite_code}")
    await user.press("Setuju")
    await user.send("Siti Aminah")
    return user, "nama usaha"


async def _into_omzet(bot, people):
    member = people[1]
    await member.send("/omzet")
    await member.press("Oktober 2026")
    return member, "Berapa omzet"


async def _into_announcement(bot, people):
    chair = people[2]
    await chair.send("/umumkan")
    await chair.press("Umum")
    return chair, "Tulis isi pengumuman"


async def _into_profile(bot, people):
    member = people[1]
    await member.send("/profil")
    await member.press("Ubah nama")
    return member, "nama baru"


async def _into_cluster_setup(bot, people):
    koor = people[3]
    await koor.send("/klaster")
    await koor.send("Jambu Lele")
    return koor, "kabupaten"


@pytest.mark.parametrize(
    "enter, command",
    [
        (_into_registration, "/riwayat"),
        (_into_registration, "/omzet"),
        (_into_omzet, "/umumkan"),
        (_into_omzet, "/riwayat"),
        (_into_announcement, "/omzet 5 jt"),
        (_into_announcement, "/ringkasan"),
        (_into_profile, "/daftar"),
        (_into_profile, "/info"),
        (_into_cluster_setup, "/umumkan"),
        (_into_cluster_setup, "/ekspor"),
    ],
)
async def test_a_command_mid_flow_keeps_what_was_entered_and_asks_again(bot, people, enter, command):
    user, question = await enter(bot, people)
    before = await _state(bot, user.id)
    assert before is not None
    await user.send(command)
    if enter is _into_registration:
        # Someone registering is told so, with a button to go on: the question shown at once
        # would read as the answer to the command (issue 15).
        assert "Anda sedang" in user.last_text and "tetap tersimpan" in user.last_text
        await user.press("Lanjutkan pendaftaran")
    else:
        assert "Anda sedang" in user.texts()[-2] and "tetap tersimpan" in user.texts()[-2]
    assert question.casefold() in user.last_text.casefold()
    assert await _state(bot, user.id) == before


@pytest.mark.parametrize(
    "enter, dropped",
    [
        (_into_registration, "Pendaftaran dibatalkan"),
        (_into_omzet, "Laporan omzet dibatalkan"),
        (_into_announcement, "Pengumuman dibatalkan"),
        (_into_profile, "Perubahan dibatalkan"),
        (_into_cluster_setup, "Pembuatan klaster dibatalkan"),
    ],
)
async def test_batal_says_what_each_flow_dropped(bot, people, enter, dropped):
    user, _ = await enter(bot, people)
    await user.send("/batal")
    assert dropped in user.last_text
    assert await _state(bot, user.id) is None


async def test_help_mid_flow_shows_the_question_again(bot, people):
    user, question = await _into_cluster_setup(bot, people)
    await user.send("/bantuan")
    assert "di tengah sebuah langkah" in user.texts()[-2]
    assert question in user.last_text


async def test_a_photo_where_text_is_expected_is_said_so_and_the_question_comes_again(bot, people):
    user, question = await _into_omzet(bot, people)
    await user.send_sticker()
    assert "hanya bisa membaca pesan teks" in user.texts()[-2]
    assert question in user.last_text
