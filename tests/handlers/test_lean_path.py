"""What one report costs the database: statements and transactions per update (B1, issue 19).

Counted, not timed: the figures are the same on any machine. A report is two updates,
"/omzet 12,5 jt" and "Benar".
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event

from db import summary_queries


def _counting(bot):
    engine = bot.runtime.engine.sync_engine
    seen: dict[str, list] = {"statements": [], "transactions": []}

    def statement(conn, cursor, text, parameters, context, executemany):
        seen["statements"].append(text.split()[0:6])

    def begin(conn):
        seen["transactions"].append(1)

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begin)

    def stop():
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begin)

    return seen, stop


async def _member(bot, user_id=9001, cluster=None):
    cluster = cluster or await bot.cluster()
    user = bot.user(user_id)
    await bot.register(user, cluster)
    return user


async def test_a_report_costs_few_statements_in_two_transactions(bot):
    user = await _member(bot)
    # A first report warms what a process keeps (role grants, compiled statements).
    await user.send("/omzet 12,5 jt")
    await user.press("Benar")
    await user.send("/omzet september 11 jt")
    await user.press("Benar")
    seen, stop = _counting(bot)
    try:
        await user.send("/omzet agustus 12,5 jt")
        assert "benar?" in user.last_text
        await user.press("Benar")
        assert "tersimpan" in user.last_text
    finally:
        stop()
    # One transaction per update (B1: at most 2 per report).
    assert len(seen["transactions"]) == 2
    # Was 33 (5 of them BEGIN) before issue 19's lean path, then 17. B1's target is 8; what is
    # left: per update the claim and the sender (SQLite's BEGIN IMMEDIATE travels with the
    # claim: db/sqlite_one_hop.py); the question's one read and its state; on "Benar" the state
    # taken (on PostgreSQL in the same statement as the next) and the year read with the
    # waiting payments and the published median, the report with its version and the
    # month's total (SQLite: through the view report_first_entries), the joined date (this member
    # reports a month before joining) and the baseline. The claim takes PostgreSQL's
    # per-person lock, so the sender is read in a statement after it (a statement's
    # snapshot is taken before it waits).
    most = {"sqlite": 11, "postgresql": 10}[bot.runtime.engine.dialect.name]
    assert len(seen["statements"]) <= most, [" ".join(s[:3]) for s in seen["statements"]]


async def test_a_members_first_report_costs_what_b1_measures(bot):
    """B1's case: every report is the member's first. The INSERT sets the report's baseline
    itself (no baseline UPDATE: no other month changes) and writes the version and the
    month's total too."""
    warm = await _member(bot, 9002)
    await warm.send("/omzet 12,5 jt")
    await warm.press("Benar")
    user = await _member(bot, 9003, cluster=await bot.cluster("Batik Kauman"))
    # A member since before the month reported, as B1's seeded members are (else the join
    # date moves back to the month: one UPDATE more, once per member).
    async with bot.runtime.uow() as uow:
        (await uow.members.by_telegram_id(9003)).joined_at = datetime(2020, 1, 1, tzinfo=UTC)
        await uow.commit()
    # Their own grants and step once (what a process keeps), without reporting anything.
    await user.send("/omzet 11 jt")
    await user.press("Batal")
    seen, stop = _counting(bot)
    try:
        await user.send("/omzet 12,5 jt")
        assert "benar?" in user.last_text
        await user.press("Benar")
        assert "tersimpan" in user.last_text
    finally:
        stop()
    assert len(seen["transactions"]) == 2
    # Per update the claim and the sender; the question's read
    # and its state; the state taken with the year and what the give-back reads (SQLite: two
    # statements), the report with its baseline, its version and the month's total.
    most = {"sqlite": 9, "postgresql": 8}[bot.runtime.engine.dialect.name]
    assert len(seen["statements"]) <= most, [" ".join(s[:3]) for s in seen["statements"]]
    async with bot.runtime.uow() as uow:
        member = await uow.members.by_telegram_id(9003)
        rows = await uow.reports.of_member(member.id, "2000-01", "2999-12")
        assert [(r.amount, r.version, r.baseline_sum) for r in rows] == [(12_500_000, 1, None)]
        versions = await uow.reports.versions(rows[0].id)
        assert [(v.version, v.old_amount, v.new_amount, v.new_no_sales) for v in versions] == [(1, None, 12_500_000, False)]
        assert versions[0].recorded_at == rows[0].updated_at
        # The cluster's month moved by this one report, as a recount from the reports says.
        totals = await summary_queries.totals(uow.session, [rows[0].month], [member.cluster_id])
        assert totals == {(member.cluster_id, rows[0].month): (1, 12_500_000)}


async def test_a_sender_without_roles_costs_no_grants_read_even_when_not_kept(bot):
    """The sender's statement says whether any grant exists: a member this process has not
    seen (after a restart, or B1's members, each reporting once) costs no role read; someone
    with a grant still gets theirs read and kept."""
    from bot.domain import Role
    from db.role_cache import RoleCache

    user = await _member(bot, 9004)
    bot.runtime.uow.role_cache = RoleCache()  # a process that has not seen anyone yet
    seen, stop = _counting(bot)
    try:
        await user.send("/omzet 12,5 jt")
        assert "benar?" in user.last_text
    finally:
        stop()
    assert not [s for s in seen["statements"] if "role_grants" in " ".join(s)], seen["statements"]
    assert bot.runtime.uow.role_cache._entries[9004][1] == ()  # kept: known to hold none

    chair = bot.user(9005, "Ketua")
    await bot.grant(9005, Role.KETUA, cluster=(await bot.cluster("Batik Laweyan")).name)
    bot.runtime.uow.role_cache = RoleCache()
    seen, stop = _counting(bot)
    try:
        await chair.send("/belumlapor")
    finally:
        stop()
    assert [s for s in seen["statements"] if "role_grants" in " ".join(s)]
    assert [scope.role for scope in bot.runtime.uow.role_cache._entries[9005][1]] == [Role.KETUA]
