"""Run one benchmark case in this process and print its figures as one line `RESULT {json}`.

    python -m benchmarks.one b1 --db sqlite [--quick] [--profile /tmp/b1.txt]
    python -m benchmarks.one b2 --db postgresql --members 10000 --rate 300
    python -m benchmarks.one b2 --members 100000 --rate 300 --send-seconds 15
    python -m benchmarks.one b3 --db sqlite --quick
    python -m benchmarks.one b5 --db sqlite
    python -m benchmarks.one b6 --db postgresql --members 1000000 --rate 300 --send-minutes 10

`--profile FILE` (b1, b2) writes a pyinstrument profile of the bot process (pyinstrument must
be installed; it is not a dependency of the project).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path

from benchmarks import cases
from benchmarks.support import postgres_status


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.one")
    parser.add_argument("case", choices=("b1", "b2", "b3", "b3-seed", "b5", "b6"))
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--members", type=int, help="default: b2 10,000; b6 1,000,000; b3 100,000 (--quick: 10,000)")
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--send-seconds", type=float)
    parser.add_argument("--send-minutes", type=float, default=10.0, help="b6: minutes of sending measured")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--profile")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # A long poll cut short when a bot process stops is logged by tornado as a 500: not news.
    logging.getLogger("tornado.access").setLevel(logging.CRITICAL)
    if args.db == "postgresql":
        available, detail = asyncio.run(postgres_status())
        if not available:
            print("RESULT " + json.dumps({"unavailable": f"PostgreSQL not available ({detail})"}), flush=True)
            return
    if args.case == "b1":
        result = asyncio.run(cases.b1(args.db, args.quick, profile=args.profile))
    elif args.case == "b2":
        result = asyncio.run(cases.b2(args.db, args.quick, args.members or 10_000, args.rate, args.send_seconds, profile=args.profile))
    elif args.case == "b3":
        result = asyncio.run(cases.b3(args.db, args.quick, args.members))
    elif args.case == "b3-seed":
        if args.workdir is None:
            parser.error("b3-seed needs --workdir")
        result = asyncio.run(cases.b3_seed(args.db, args.quick, args.workdir, args.members))
    elif args.case == "b6":
        if args.db != "postgresql":
            parser.error("b6 runs on PostgreSQL only (--db postgresql)")
        result = asyncio.run(cases.b6(args.members or 1_000_000, args.rate, args.send_minutes, profile=args.profile))
    else:
        result = asyncio.run(cases.b5(args.db, args.quick))
    print("RESULT " + json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main()
