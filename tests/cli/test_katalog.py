"""`klasterbot katalog … -o FILE.pdf`: the printed catalogue from the command line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.shell.cli import main


async def _seed(url: str) -> int:
    from bot.services import catalogue
    from bot.services.clusters import create_cluster
    from db.migrate import upgrade_to_head
    from db.models import Member, Product
    from db.session import create_engine, create_session_factory
    from db.uow import UnitOfWorkFactory

    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
        factory = UnitOfWorkFactory(create_session_factory(engine))
        async with factory() as uow:
            cluster = await create_cluster(uow, name="Batik Simbang Kulon", kabupaten="Pekalongan", commodity="batik")
        async with factory() as uow:
            now = datetime(2026, 11, 1, tzinfo=UTC)
            member = await uow.members.add(Member(
                telegram_user_id=801, chat_id=801, name="Siti", business_name="Batik Siti", main_product="batik",
                cluster_id=cluster.id, status="active", consent_at=now, consent_version="1", joined_at=now,
            ))
            product = await uow.catalogue.add(Product(
                member_id=member.id, cluster_id=cluster.id, name="Batik Cap Kawung", unit="lembar",
                retail_price=185000, min_order=20, certificates={"halal": ""}, published=True,
            ))
            await uow.catalogue.index(product.id, catalogue.index_words(product, member, await uow.clusters.get(cluster.id)))
            await uow.commit()
            return product.id
    finally:
        await engine.dispose()


def test_katalog_writes_a_pdf_of_published_products(env, tmp_path, capsys, database_url):
    import pypdfium2

    asyncio.run(_seed(database_url))
    out = tmp_path / "katalog.pdf"
    assert main(["katalog", "batik", "-o", str(out)]) == 0
    assert "1 produk" in capsys.readouterr().out
    document = pypdfium2.PdfDocument(out.read_bytes())
    assert len(document) == 2
    text = document[1].get_textpage().get_text_range()
    assert "Batik Cap Kawung" in text and "Rp185.000" in text and "Halal" in text


def test_katalog_with_an_unknown_selector_fails_with_one_line(env, tmp_path, capsys):
    assert main(["katalog", "rotan", "-o", str(tmp_path / "x.pdf")]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
