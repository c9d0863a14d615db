"""B1's "peer": a minimal python-telegram-bot + SQLAlchemy ORM bot, written the way PTB's examples
and a typical production bot are — per update it loads the sender's row with the ORM, inserts one
row in one transaction and replies once. Its two tables live beside klasterbot's in the
benchmark database (`peer_users`, `peer_notes`); nothing of klasterbot is imported.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "peer_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Note(Base):
    __tablename__ = "peer_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("peer_users.id"))
    text: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


async def seed(url: str, first_user: int, count: int) -> None:
    """The peer's tables and its registered users (as klasterbot's members are seeded)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(insert(User), [
                {"telegram_id": first_user + i, "name": f"Anggota {i}"} for i in range(count)
            ])
    finally:
        await engine.dispose()


async def notes_saved(url: str) -> int:
    from sqlalchemy import func

    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(select(func.count()).select_from(Note))).scalar_one()
    finally:
        await engine.dispose()


def application(token: str, api: str, database_url: str):
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)

    async def note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        async with sessions() as session, session.begin():
            user = await session.scalar(select(User).where(User.telegram_id == update.effective_user.id))
            session.add(Note(user_id=user.id, text=message.text, created_at=datetime.now(UTC)))
        await message.reply_text(f"Tercatat, {user.name}: {message.text}")

    built = ApplicationBuilder().token(token).base_url(f"{api}/bot").build()
    built.add_handler(MessageHandler(filters.TEXT, note))
    return built
