"""B7 — inline search over 100,000 published products (target: p95 under 100 ms).

    python -m benchmarks.b7_search [--products 100000] [--queries 400] [--db sqlite,postgres]

Products are seeded straight into the tables the service reads (clusters, members, products,
the word index and its vocabulary), with names drawn from Indonesian commodity words, kinds,
motifs and colours. Each query then runs `bot.services.catalogue.search` in its own read-only
unit of work, as an inline query does: exact words, two words, the last word half typed, and a
typo in one word. PostgreSQL uses its own database, klasterbot_bench_katalog (wiped first).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

os.environ.setdefault("KLASTERBOT_BENCH_PG_DB", "klasterbot_bench_katalog")

from benchmarks.support import fresh_database, postgres_status  # noqa: E402
from bot.services import catalogue  # noqa: E402
from db.models import CatalogueWord, Cluster, Member, Product, ProductWord  # noqa: E402
from db.search_words import words  # noqa: E402
from db.session import create_engine, create_session_factory  # noqa: E402
from db.uow import UnitOfWorkFactory  # noqa: E402

COMMODITIES = {
    "batik": (["batik tulis", "batik cap", "batik kombinasi", "batik printing", "kain batik", "kemeja batik", "selendang batik"],
              ["jlamprang", "parang", "kawung", "mega mendung", "sekar jagad", "truntum", "buketan", "liong"]),
    "tenun": (["kain tenun", "sarung tenun", "songket", "ulos", "ikat"], ["troso", "lurik", "sumba", "pekalongan"]),
    "makanan": (["keripik singkong", "keripik tempe", "rengginang", "wajik", "dodol", "kerupuk udang", "emping melinjo"],
                ["pedas", "original", "balado", "manis", "gurih", "bawang"]),
    "kopi": (["kopi robusta", "kopi arabika", "kopi bubuk", "biji kopi sangrai"], ["temanggung", "wonosobo", "gayo", "kintamani"]),
    "kerajinan": (["anyaman bambu", "tas rotan", "keramik", "ukiran jati", "kerajinan kulit", "gerabah"], ["jepara", "kasongan", "serut"]),
    "jambu": (["jambu air", "jambu kristal", "jambu biji"], ["delima", "citra", "madu", "grade a", "grade b"]),
}
COLOURS = ["merah", "biru", "hijau", "coklat", "hitam", "putih", "ungu", "kuning", "indigo", "soga"]
KABUPATEN = ["Pekalongan", "Solo", "Sragen", "Jepara", "Demak", "Temanggung", "Wonosobo", "Klaten", "Kudus", "Rembang",
             "Batang", "Pemalang", "Tegal", "Brebes", "Banyumas", "Cilacap", "Kebumen", "Purworejo", "Magelang", "Boyolali"]
QUERIES = ["batik tulis", "batik", "batk tulis", "batik tul", "kopi robusta", "kopi", "keripik pedas", "kripik pedas",
           "tenun troso", "jambu kristal", "jambu kristl", "anyaman bambu", "batik parang biru", "mega mendung",
           "kerupuk", "songket", "ukiran jati jepara", "batik cap kawung", "batk", "rotan", "dodol", "emping",
           "batik tulis pekalongan", "kemeja batik hitam", "kain tenun lurik", "keramik kasongan", "kopi arabika gayo", "sarung"]


async def seed(url: str, count: int) -> None:
    engine = create_engine(url)
    rng = random.Random(18)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    try:
        async with engine.begin() as db:
            clusters, members = [], []
            cluster_rows = []
            for i in range(200):
                commodity = list(COMMODITIES)[i % len(COMMODITIES)]
                kab = KABUPATEN[i % len(KABUPATEN)]
                cluster_rows.append({"id": i + 1, "name": f"Klaster {commodity.title()} {kab} {i}", "kabupaten": kab,
                                     "province": "Jawa Tengah", "commodity": commodity, "timezone": "Asia/Jakarta",
                                     "invite_code": f"bench{i:05d}", "requires_approval": False, "created_at": now})
            await db.execute(insert(Cluster), cluster_rows)
            clusters = cluster_rows
            member_rows = [{"id": m + 1, "telegram_user_id": 10_000_000 + m, "chat_id": 10_000_000 + m, "name": f"Anggota {m}",
                            "business_name": f"Usaha {rng.choice(['Sari', 'Makmur', 'Jaya', 'Barokah', 'Lestari', 'Indah'])} {m}",
                            "main_product": "produk", "cluster_id": m % 200 + 1, "status": "active", "joined_at": now,
                            "consent_at": now, "consent_version": "1", "announcements_paused": False, "updated_at": now}
                           for m in range(10_000)]
            await db.execute(insert(Member), member_rows)
            members = member_rows
            vocabulary: dict[str, int] = {}
            for start in range(0, count, 5000):
                products, postings = [], []
                for pid in range(start + 1, min(count, start + 5000) + 1):
                    member = members[rng.randrange(len(members))]
                    cluster = clusters[member["cluster_id"] - 1]
                    names, motifs = COMMODITIES[cluster["commodity"]]
                    name = f"{rng.choice(names)} {rng.choice(motifs)} {rng.choice(COLOURS)}".title()
                    products.append({"id": pid, "member_id": member["id"], "cluster_id": cluster["id"], "name": name,
                                     "unit": "pcs", "retail_price": rng.randrange(20, 900) * 1000, "min_order": 10,
                                     "certificates": {}, "show_phone": False, "published": True,
                                     "created_at": now, "updated_at": now})
                    for word in words(" ".join([name, cluster["commodity"], cluster["name"], cluster["kabupaten"], member["business_name"]]))[:40]:
                        postings.append({"word": word, "product_id": pid})
                        vocabulary[word] = vocabulary.get(word, 0) + 1
                await db.execute(insert(Product), products)
                await db.execute(insert(ProductWord), postings)
            await db.execute(insert(CatalogueWord), [{"word": w, "products": n, "length": len(w)} for w, n in vocabulary.items()])
            if url.startswith("postgresql"):
                await db.execute(text("ANALYZE"))
        if url.startswith("sqlite"):
            async with engine.begin() as db:
                await db.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def measure(url: str, queries: int) -> dict[str, float]:
    engine = create_engine(url)
    factory = UnitOfWorkFactory(create_session_factory(engine))
    timings, hits = [], []
    try:
        for q in QUERIES:  # warm up: connections, statement caches, pages
            async with factory(read_only=True) as uow:
                await catalogue.search(uow, q)
        for i in range(queries):
            query = QUERIES[i % len(QUERIES)]
            started = time.perf_counter()
            async with factory(read_only=True) as uow:
                found = await catalogue.search(uow, query)
            timings.append((time.perf_counter() - started) * 1000)
            hits.append(len(found))
    finally:
        await engine.dispose()
    timings.sort()
    return {"p50": statistics.median(timings), "p95": timings[int(len(timings) * 0.95) - 1], "max": timings[-1],
            "empty": sum(1 for h in hits if h == 0)}


async def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.b7_search")
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--db", default="sqlite,postgres")
    args = parser.parse_args()
    print(f"B7 inline search: {args.products:,} published products, {args.queries} queries, target p95 < 100 ms")
    print(f"{'database':<11}{'seed s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'no hits':>9}  result")
    ok = True
    with tempfile.TemporaryDirectory() as workdir:
        for kind in args.db.split(","):
            if kind == "postgres":
                up, why = await postgres_status()
                if not up:
                    print(f"{kind:<11} not available: {why}")
                    continue
            url = await fresh_database(kind, Path(workdir))
            started = time.perf_counter()
            await seed(url, args.products)
            seeded = time.perf_counter() - started
            figures = await measure(url, args.queries)
            passed = figures["p95"] < 100
            ok &= passed
            print(f"{kind:<11}{seeded:>8.1f}{figures['p50']:>9.1f}{figures['p95']:>9.1f}{figures['max']:>9.1f}"
                  f"{figures['empty']:>9}  {'pass' if passed else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
