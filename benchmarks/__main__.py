"""`python -m benchmarks [--quick]`: B1–B5 against the emulator over HTTP, one table.

Each case runs in its own process (memory peaks and databases stay apart). PostgreSQL rows
appear when a server answers on 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from pathlib import Path

from benchmarks.support import machine, postgres_available

HERE = Path(__file__).resolve().parent


def run(case: str, db: str, quick: bool, *extra: str) -> dict:
    command = [sys.executable, "-m", "benchmarks.one", case, "--db", db, *(["--quick"] if quick else []), *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return {"error": (result.stderr.strip().splitlines() or ["no output"])[-1][:120]}


def chart(per_second: list[int], rate: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3.5), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    axes.plot(range(len(per_second)), per_second, marker="o", label="sent per second")
    axes.axhline(rate, color="grey", linestyle="--", label=f"R = {rate:.0f}/s")
    axes.set_xlabel("seconds since the first send")
    axes.set_ylabel("messages / s")
    axes.set_title("B2: announcement send rate over time")
    axes.legend()
    figure.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller sizes; finishes in a few minutes")
    args = parser.parse_args()
    dbs = ["sqlite"] + (["postgresql"] if asyncio.run(postgres_available()) else [])
    rows: list[tuple[str, str, str, str, str]] = []

    def row(name: str, target: str, measured: str, ratio: str, ok: bool | None) -> None:
        rows.append((name, target, measured, ratio, "pass" if ok else ("fail" if ok is False else "n/a")))

    for db in dbs:
        r = run("b5", db, args.quick)
        if "error" in r:
            row(f"B5 start→getUpdates ({db})", "≤ 2 s", r["error"], "", False)
        else:
            row(f"B5 start→getUpdates ({db})", "≤ 2 s", f"{r['seconds']:.2f} s", f"{r['seconds'] / 2:.2f}", r["seconds"] <= 2)
    for db in dbs:
        r = run("b1", db, args.quick)
        if "error" in r:
            row(f"B1 omzet updates/s ({db})", "≥ 0.7 × echo", r["error"], "", False)
            continue
        row(
            f"B1 omzet updates/s ({db})", "≥ 0.7 × echo",
            f"{r['bot_rate']:.0f}/s vs echo {r['echo_rate']:.0f}/s; p99 {r['bot_p99_ms']:.0f} ms (echo {r['echo_p99_ms']:.0f} ms)",
            f"{r['ratio']:.2f}", r["ratio"] >= 0.7,
        )
    # The emulator runs in its own process for B2, as Telegram would: the bot's figures
    # (rate and memory) are its own.
    b2_runs = [("b2_separate", "sqlite", ["--members", "3000" if args.quick else "10000", "--rate", "300"])]
    b2_runs.append(("b2_separate", "sqlite", ["--members", "300", "--rate", "30"]))
    if not args.quick:
        b2_runs.append(("b2_separate", "sqlite", ["--members", "100000", "--rate", "300"]))
    memory: list[tuple[str, float]] = []
    for case, db, extra in b2_runs:
        r = run(case, db, args.quick, *extra)
        label = f"B2 {extra[1]} members at R={extra[3]} ({db})"
        if "error" in r:
            row(label, "≥ 0.95 R; none missed or doubled", r["error"], "", False)
            continue
        correct = r["missed"] == 0 and r["duplicates"] == 0 and r["blocked_marked"] == r["blocked"]
        row(
            label, "≥ 0.95 R; none missed or doubled",
            f"{r['achieved']:.0f}/s overall, {r['steady']}/s steady; missed {r['missed']}, duplicates {r['duplicates']}, "
            f"blocked marked {r['blocked_marked']}/{r['blocked']}, 5xx {r['rejected_5xx']}, 429 {r['rejected_429']}",
            f"{r['ratio']:.2f}", correct and r["ratio"] >= 0.95,
        )
        memory.append((f"B2 {extra[1]} members", r["peak_rss_mb"]))
        if extra[3] == "300" and r.get("per_second"):
            chart(r["per_second"], 300, HERE / "b2_rate.png")
    for db in dbs:
        r = run("b3", db, args.quick)
        if "error" in r:
            row(f"B3 summaries ({db})", "≤ 2 × bare SQL", r["error"], "", False)
            continue
        size = f"{r['clusters']} clusters × {r['members']:,} members × {r['months']} months"
        row(
            f"B3 summaries ({db})", "≤ 2 × bare SQL",
            f"{r['compiled_s'] * 1000:.0f} ms vs bare {r['bare_s'] * 1000:.0f} ms ({size})",
            f"{r['ratio']:.1f}", r["ratio"] <= 2,
        )
        memory.append((f"B3 ({db})", r["peak_rss_mb"]))
    for label, rss in memory:
        where = "the bot alone" if label.startswith("B2") else "bot process, B3 data loaded"
        row(f"B4 peak RSS, {label}", "≤ 150 MB", f"{rss:.0f} MB ({where})", f"{rss / 150:.2f}", rss <= 150)

    widths = [max(len(r[i]) for r in rows + [("benchmark", "target", "measured", "ratio", "result")]) for i in range(5)]
    lines = [f"Machine: {machine()}", f"Mode: {'quick' if args.quick else 'full'}", ""]
    header = ("benchmark", "target", "measured", "ratio", "result")
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    table = "\n".join(lines)
    print(table)
    (HERE / "RESULTS.md").write_text("# Latest benchmark run\n\n" + table + "\n")


if __name__ == "__main__":
    main()
