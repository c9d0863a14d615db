"""Run one benchmark case in this process and print its figures as one JSON line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging

from benchmarks import cases


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("case", choices=("b1", "b2", "b2_separate", "b3", "b5"))
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--members", type=int)
    parser.add_argument("--rate", type=float)
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    function = getattr(cases, args.case)
    extra = {}
    if args.case in ("b2", "b2_separate"):
        extra = {"members": args.members, "rate": args.rate}
    if args.db == "postgresql":
        from benchmarks.support import postgres_available

        if not asyncio.run(postgres_available()):
            print("RESULT " + json.dumps({"error": "PostgreSQL not available"}))
            return
    result = asyncio.run(function(args.db, args.quick, **extra))
    print("RESULT " + json.dumps(result, default=str))


if __name__ == "__main__":
    main()
