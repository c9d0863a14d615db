"""`python -m benchmarks [--quick | --large]`: B1–B5 (or, --large, B6 and B3 at a million members) against the Bot API emulator over HTTP, one table.

Every case runs in a process of its own (`benchmarks.one`), and inside it the bot runs in yet
another (`benchmarks.botproc`), so memory peaks and databases never mix. PostgreSQL rows appear
when the server on 127.0.0.1:5432 answers; otherwise they say why they are missing.

A full run writes RESULTS.md and b2_rate.png; a quick run writes RESULTS-quick.md and
b2_rate-quick.png; a run with --only writes nothing but the table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.support import machine, postgres_status

HERE = Path(__file__).resolve().parent
CASE_TIMEOUT = 3600


@dataclass
class Row:
    benchmark: str
    target: str
    measured: str
    ratio: str
    result: str  # pass / fail / n/a


@dataclass(frozen=True)
class Sizes:
    b1_reports: int
    b2_main: int
    b2_slow: int
    b2_slow_dbs_all: bool
    b4_members: int
    b4_send_seconds: float | None


QUICK = Sizes(b1_reports=200, b2_main=3000, b2_slow=450, b2_slow_dbs_all=False, b4_members=100_000, b4_send_seconds=15)
FULL = Sizes(b1_reports=1000, b2_main=10_000, b2_slow=1800, b2_slow_dbs_all=True, b4_members=100_000, b4_send_seconds=None)


def run_case(case: str, db: str, quick: bool, *extra: str) -> dict[str, Any]:
    """One case in its own process; its RESULT line, or {"error": why}."""
    command = [sys.executable, "-m", "benchmarks.one", case, "--db", db, *(["--quick"] if quick else []), *extra]
    print(f"[{time.strftime('%H:%M:%S')}] {' '.join(command[2:])}", file=sys.stderr, flush=True)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CASE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {CASE_TIMEOUT} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = [line for line in done.stderr.strip().splitlines() if line.strip()]
    return {"error": (tail[-1] if tail else f"exit {done.returncode}, no output")[:160]}


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("pass" if ok else "fail")


def missing(row_name: str, target: str, result: dict[str, Any]) -> Row | None:
    """A row for a case that did not produce figures (PostgreSQL absent, or a crash)."""
    if "unavailable" in result:
        return Row(row_name, target, result["unavailable"], "", "n/a")
    if "error" in result:
        return Row(row_name, target, f"did not finish: {result['error']}", "", "fail")
    return None


def _b1_figures(r: dict[str, Any], who: str) -> str:
    return (
        f"{r[f'{who}_rate']:.0f} updates/s, p50 {r[f'{who}_p50_ms']:.0f} ms, p99 {r[f'{who}_p99_ms']:.0f} ms; "
        f"CPU {r[f'{who}_cpu_ms_per_update']:.1f} ms/update (busy {r[f'{who}_busy']:.0%}; emulator "
        f"{r[f'{who}_driver_cpu_ms_per_update']:.1f} ms); per update: {r[f'{who}_sql_per_update']:.1f} SQL statements, "
        f"{r[f'{who}_transactions_per_update']:.2f} transactions, {r[f'{who}_api_calls_per_update']:.1f} Bot API calls"
    )


def b1_rows(db: str, r: dict[str, Any], quick: bool) -> list[Row]:
    name = f"B1 omzet updates/s ({db})"
    target = "≥ 1.0 × peer's updates/s, ≤ its CPU/update; ≥ 0.5 × echo; ≤ 8 SQL, 2 transactions per report"
    if (row := missing(name, target, r)) is not None:
        return [row]
    complete = r["reports_saved"] == r["reports_expected"] and not r["bot_failures"] and not r["bot_errors_logged"]
    # A report's cost is what handling its two updates ran; the process's background tasks (the
    # outbox's idle polls) are shown beside it, in the per-update figures.
    per_report_sql = 2 * r.get("bot_handling_sql_per_update", r["bot_sql_per_update"])
    per_report_tx = 2 * r.get("bot_handling_transactions_per_update", r["bot_transactions_per_update"])
    measured = (
        f"klasterbot {_b1_figures(r, 'bot')} (per report, handling its two updates: {per_report_sql:.2f} SQL, "
        f"{per_report_tx:.2f} transactions; the rest of the per-update figures is background work); "
        f"{r['updates']} updates from {r['workers']} users at a time; reports saved {r['reports_saved']}/{r['reports_expected']}"
        + ("" if complete else f"; {r['bot_failures']} flows failed, {r['bot_errors_logged']} errors logged")
        + (f" (first: {r['bot_first_error']})" if r.get("bot_first_error") else "")
        + f"; × echo {r['ratio_echo']:.2f}"
    )
    ok = (
        complete and r["ratio"] >= 1.0 and r["bot_cpu_ms_per_update"] <= r["peer_cpu_ms_per_update"]
        and r["ratio_echo"] >= 0.5 and per_report_sql <= 8 and per_report_tx <= 2
    )
    peer_ok = r["peer_saved"] == r["peer_expected"] and not r["peer_failures"] and not r["peer_errors_logged"]
    return [
        Row(f"B1 reference: echo bot ({db})", "(reference)", _b1_figures(r, "echo"), "", "n/a"),
        Row(
            f"B1 reference: peer bot, PTB + SQLAlchemy ORM ({db})", "(reference)",
            _b1_figures(r, "peer") + f"; rows saved {r['peer_saved']}/{r['peer_expected']}", "",
            "n/a" if peer_ok else "fail",
        ),
        Row(name, target, measured, f"{r['ratio']:.2f}", verdict(ok)),
    ]


def sender_cost(r: dict[str, Any]) -> str:
    """The bot's cost per send call while sending (B2, B6)."""
    if "sender_cpu_ms_per_send" not in r:
        return ""
    return (
        f"per send: bot CPU {r['sender_cpu_ms_per_send']:.2f} ms (busy {r['sender_busy']:.0%}; emulator "
        f"{r['emulator_cpu_ms_per_send']:.2f} ms), {r['sender_sql_per_send']:.2f} SQL statements, "
        f"{r['sender_transactions_per_send']:.3f} transactions"
    )


def b2_rows(db: str, r: dict[str, Any], label: str) -> list[Row]:
    rate_name, rate_target = f"B2 {label} rate ({db})", "≥ 0.95 R"
    ok_name, ok_target = f"B2 {label} delivery ({db})", "none missed, none twice, blocked marked"
    if (row := missing(rate_name, rate_target, r)) is not None:
        return [row]
    rate = r["rate"]
    rate_row = Row(
        rate_name, f"≥ 0.95 R = {0.95 * rate:.0f}/s",
        f"{r['achieved']:.0f}/s sends accepted (delivered {r['delivered_rate']:.0f}/s, steady {r['steady']:.0f}/s), "
        f"{r['send_span_s']:.1f} s first to last send, first {r['first_send_after_press_s']:.1f} s after the press; "
        f"429s {r['rejected_429']}; {sender_cost(r)}",
        f"{r['ratio']:.2f}", verdict(r["ratio"] >= 0.95),
    )
    delivered_ok = (
        r["finished"] and r["missed"] == 0 and r["duplicates"] == 0 and r["blocked_marked"] == r["blocked"]
        and r["wrongly_marked"] == 0 and r["blocked_reached"] == 0 and r["blocked_retried_after_403"] == 0
    )
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(r["statuses"].items()))
    ok_row = Row(
        ok_name, ok_target,
        f"missed {r['missed']}, duplicates {r['duplicates']}, blocked marked {r['blocked_marked']}/{r['blocked']} "
        f"(retried after 403: {r['blocked_retried_after_403']}); 5xx answered {r['answered_5xx']}, all retried; "
        f"rows: {statuses}; final report to ketua: {'yes' if r['chair_final_report'] else 'no'}"
        + ("" if r["finished"] else "; NOT FINISHED before the deadline"),
        "", verdict(delivered_ok),
    )
    return [rate_row, ok_row]


def b3_rows(db: str, r: dict[str, Any], quick: bool, members: int | None = None) -> tuple[Row, Row | None]:
    scale = f", {members:,} members" if members else ""
    name, target = f"B3 one month's summaries{scale} ({db})", "≤ 2 × bare SQL"
    if (row := missing(name, target, r)) is not None:
        return row, None
    size = f"{r['clusters']:,} clusters × {r['members']:,} members × {r['months']} months, {r['reports']:,} reports"
    slowest = max(r["parts_s"].items(), key=lambda kv: kv[1])
    agreement = "match" if r["figures_match"] else f"DIFFER for {r['mismatches']} clusters"
    measured = (
        f"compile_published {r['compiled_s'] * 1000:.0f} ms vs bare SQL {r['bare_s'] * 1000:.0f} ms "
        f"({'quick: ' if quick else ''}{size}); timed alone, its slowest query: {slowest[0]} "
        f"{slowest[1] * 1000:.0f} ms, its count/sum/median query: {r['parts_s']['month_aggregates'] * 1000:.0f} ms; "
        f"figures {agreement}; first publication {r['first_publish_s']:.1f} s (the month released; the "
        f"{r['months'] - 1} months before it, released when their time came, get their snapshots, oldest "
        f"first); a read once published {r['published_read_s'] * 1000:.0f} ms; seeding {r['seed_s']:.0f} s"
    )
    main = Row(name, target, measured, f"{r['ratio']:.1f}", verdict(r["ratio"] <= 2 and r["figures_match"]))
    memory = Row(
        f"B4 peak RSS during B3{scale} ({db})", "≤ 150 MB",
        f"{r['peak_rss_mb']:.0f} MB (process with the bot's modules loaded: {r['rss_start_mb']:.0f} MB before B3)",
        f"{r['peak_rss_mb'] / 150:.2f}", verdict(r["peak_rss_mb"] <= 150),
    )
    return main, memory


def b4_b2_row(db: str, r: dict[str, Any], partial: bool) -> Row:
    name, target = f"B4 peak RSS during B2, {r.get('members', 100_000):,} members ({db})", "≤ 150 MB"
    if (row := missing(name, target, r)) is not None:
        return row
    scope = "quick: publishing + the first 15 s of sending" if partial else "the whole announcement"
    rss = r["bot_peak_rss_mb"]
    measured = (
        f"{rss:.0f} MB, bot process alone ({scope}); {r['rss_before_press_mb']:.0f} MB before 'Kirim sekarang', "
        f"peak {r['rss_peak_after_press_s']:.1f} s after it (first send after {r['first_send_after_press_s']:.1f} s), "
        f"{r['rss_while_sending_mb']:.0f} MB while sending"
    )
    return Row(name, target, measured, f"{rss / 150:.2f}", verdict(rss <= 150))


def b6_rows(r: dict[str, Any]) -> list[Row]:
    members = r.get("members", 1_000_000)
    name = f"B6 {members:,}-member announcement (postgresql)"
    target = "publish ≤ 60 s, ≤ 150 MB, ≥ 0.95 R at R = 300 over the first minutes"
    if (row := missing(name, target, r)) is not None:
        return [row]
    rss = r["bot_peak_rss_mb"]
    ok = r["publish_s"] <= 60 and rss <= 150 and r["ratio"] >= 0.95
    main = Row(
        name, target,
        f"publish {r['publish_s']:.1f} s (first send {r['first_send_after_press_s']:.1f} s after the press); "
        f"peak RSS {rss:.0f} MB (bot process, {r['rss_peak_after_press_s']:.0f} s after the press); "
        f"{r['achieved']:.0f}/s sends accepted over the first {r['send_minutes']:g} min (steady {r['steady']:.0f}/s, "
        f"{r['sends_in_window']:,} sends; R = {r['rate']:.0f}); {sender_cost(r)}; seeding {r['seed_s']:.0f} s",
        f"{r['ratio']:.2f}", verdict(ok),
    )
    statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(r["statuses"].items()))
    delivered_ok = (
        r["sent_missing_copy"] == 0 and r["duplicates"] == 0 and r["blocked_reached"] == 0
        and r["queue_intact"] and r["counters_match"]
    )
    delivery = Row(
        "B6 delivery among those sent (postgresql)", "none missed, none twice, the queue intact",
        f"{r['sent_rows']:,} marked sent, {r['sent_missing_copy']} of them without their copy, {r['duplicates']} twice, "
        f"{r['reached_not_marked']} reached but in flight when stopped; rows: {statuses} "
        f"({'all ' + format(r['counters']['recipients'], ',') + ' there' if r['queue_intact'] else 'ROWS MISSING'}); "
        f"counters {'match' if r['counters_match'] else 'DIFFER from'} the rows",
        "", verdict(delivered_ok),
    )
    size = Row(
        "B6 database per member-year (postgresql)", "(measured)",
        f"{r['bytes_per_member_year'] / 1024:.1f} KiB: member row {r['bytes_per_member']:.0f} B + 12 reports × "
        f"{r['bytes_per_report']:.0f} B + 36 deliveries × {r['bytes_per_delivery']:.0f} B (with indexes; 2 announcements "
        f"a month and the reminder assumed); whole database {r['database_bytes'] / 2**20:.0f} MB",
        "", "n/a",
    )
    return [main, delivery, size]


def b5_row(db: str, r: dict[str, Any]) -> Row:
    name, target = f"B5 start → first getUpdates ({db})", "≤ 2 s"
    if (row := missing(name, target, r)) is not None:
        return row
    measured = (
        f"{r['median_s']:.2f} s median, {r['max_s']:.2f} s worst of {len(r['runs_s'])} starts "
        f"(whole process incl. Python imports and schema check: {r['cold_median_s']:.2f} s)"
    )
    return Row(name, target, measured, f"{r['max_s'] / 2:.2f}", verdict(r["max_s"] <= 2))


def chart(runs: list[tuple[str, dict[str, Any]]], path: Path) -> None:
    """B2's send rate per second: accepted sends, delivered, 429s, and R."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 3.2 * len(runs)), dpi=100, layout="constrained")
    for index, (title, r) in enumerate(runs, start=1):
        axes = figure.add_subplot(len(runs), 1, index)
        seconds = range(len(r["per_second"]))
        axes.plot(seconds, r["per_second"], marker=".", label="sends accepted / s")
        axes.plot(range(len(r["per_second_delivered"])), r["per_second_delivered"], marker=".", label="delivered / s")
        if r["rejected_429"]:
            axes.bar(range(len(r["per_second_429"])), r["per_second_429"], color="tab:red", label="429 / s")
        axes.axhline(r["rate"], color="grey", linestyle="--", label=f"R = {r['rate']:.0f}/s")
        axes.axhline(0.95 * r["rate"], color="grey", linestyle=":", label="0.95 R (target)")
        axes.set_ylim(bottom=0, top=max(r["rate"] * 1.15, max(r["per_second"], default=0) * 1.1))
        axes.set_xlabel("seconds since the first send")
        axes.set_ylabel("messages / s")
        axes.set_title(title)
        axes.legend(loc="lower left", fontsize="small")
    figure.savefig(path)


def render(rows: list[Row], header: list[str]) -> str:
    titles = ("benchmark", "target", "measured", "ratio", "result")
    cells = [titles] + [(r.benchmark, r.target, r.measured, r.ratio, r.result) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(5)]
    lines = [*header, ""]
    lines.append("| " + " | ".join(t.ljust(w) for t, w in zip(titles, widths, strict=True)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells[1:]:
        lines.append("| " + " | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes; a few minutes on 2 cores")
    parser.add_argument("--only", help="comma-separated subset of b1,b2,b3,b4,b5,b6 (writes no files)")
    parser.add_argument(
        "--large", action="store_true",
        help="B6, an announcement to 1,000,000 members, and B3 and its memory at 1,000,000 members x 36 months,"
        " on PostgreSQL (under 30 minutes with the defaults)",
    )
    parser.add_argument("--send-minutes", type=float, default=10.0, help="B6: minutes of sending measured (default 10)")
    parser.add_argument("--members", type=int, default=1_000_000, help="--large: members (default 1,000,000)")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else {"b1", "b2", "b3", "b4", "b5"}
    if args.large:
        only = {"b6", "b3-large"}
    sizes = QUICK if args.quick else FULL
    started = time.monotonic()
    load = os.getloadavg()
    pg_ok, pg_detail = asyncio.run(postgres_status())
    dbs = ["sqlite", "postgresql"]
    if not pg_ok:
        print(f"PostgreSQL not available ({pg_detail}): its rows say so.", file=sys.stderr)

    def run(case: str, db: str, *extra: str) -> dict[str, Any]:
        if db == "postgresql" and not pg_ok:
            return {"unavailable": f"PostgreSQL not available ({pg_detail})"}
        return run_case(case, db, args.quick, *extra)

    rows: list[Row] = []
    memory_rows: list[Row] = []
    charted: list[tuple[str, dict[str, Any]]] = []
    if "b1" in only:
        for db in dbs:
            rows += b1_rows(db, run("b1", db), args.quick)
    if "b2" in only:
        for db in dbs:
            r = run("b2", db, "--members", str(sizes.b2_main), "--rate", "300")
            rows += b2_rows(db, r, f"{sizes.b2_main:,} members, R=300")
            if db == "sqlite" and "per_second" in r:
                charted.append((f"B2: {sizes.b2_main:,} members, R = 300/s, SQLite (2 % blocked, 1 % 5xx)", r))
        for db in dbs if sizes.b2_slow_dbs_all else ["sqlite"]:
            r = run("b2", db, "--members", str(sizes.b2_slow), "--rate", "30")
            rows += b2_rows(db, r, f"{sizes.b2_slow:,} members, R=30")
            if db == "sqlite" and "per_second" in r:
                charted.append((f"B2: {sizes.b2_slow:,} members, R = 30/s, SQLite", r))
    if "b4" in only:
        extra = ["--members", str(sizes.b4_members), "--rate", "300"]
        if sizes.b4_send_seconds:
            extra += ["--send-seconds", str(sizes.b4_send_seconds)]
        r = run("b2", "sqlite", *extra)
        memory_rows.append(b4_b2_row("sqlite", r, partial=sizes.b4_send_seconds is not None))
        if sizes.b4_send_seconds is None:
            rows += b2_rows("sqlite", r, f"{sizes.b4_members:,} members, R=300")
    if "b3" in only:
        for db in dbs:
            main_row, memory = b3_rows(db, run("b3", db), args.quick)
            rows.append(main_row)
            if memory is not None and "b4" in only:
                memory_rows.append(memory)
    if "b3-large" in only:
        main_row, memory = b3_rows("postgresql", run("b3", "postgresql", "--members", str(args.members)), False, args.members)
        memory_rows += [main_row] + ([memory] if memory is not None else [])
    rows += memory_rows
    if "b5" in only:
        for db in dbs:
            rows.append(b5_row(db, run("b5", db)))
    if "b6" in only:
        rows += b6_rows(run(
            "b6", "postgresql", "--members", str(args.members), "--rate", "300", "--send-minutes", str(args.send_minutes)
        ))

    m = machine()
    mode = "large" if args.large else ("quick" if args.quick else "full")
    header = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM; Python {m['python']}; {m['os']}; "
        f"SQLite {m['sqlite']}; {pg_detail if pg_ok else 'PostgreSQL not available'}",
        f"Run: {mode} mode, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {time.monotonic() - started:.0f} s; "
        "bot and emulator in separate processes on 127.0.0.1 (HTTP, long polling); "
        f"load average at the start {load[0]:.2f} (the machine may be shared: figures vary from run to run)",
    ]
    table = render(rows, header)
    print(table)
    if args.only:
        return
    suffix = {"full": "", "quick": "-quick", "large": "-large"}[mode]
    if charted:
        chart(charted, HERE / f"b2_rate{suffix}.png")
    (HERE / f"RESULTS{suffix}.md").write_text(
        f"# Benchmark results ({mode} run)\n\nProduced by `python -m benchmarks{' --quick' if args.quick else ''}"
        f"{f' --large --send-minutes {args.send_minutes:g}' if args.large else ''}`; "
        f"see README.md for what each figure means.\n\n{table}\n"
        + (f"\n![B2 send rate](b2_rate{suffix}.png)\n" if charted else "")
    )


if __name__ == "__main__":
    main()
