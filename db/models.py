"""SQLAlchemy 2 models: the schema Alembic migrates to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names make migrations reproducible on SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite keeps no zone, so values come back naive; we store UTC and re-attach it on load.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Cluster(Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kabupaten: Mapped[str] = mapped_column(String(80), index=True)
    province: Mapped[str] = mapped_column(String(80), default="Jawa Tengah")
    commodity: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    invite_code: Mapped[str] = mapped_column(String(32), unique=True)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    members: Mapped[list[Member]] = relationship(back_populates="cluster")


class TelegramUser(Base):
    """Anyone who talks to the bot: only the Telegram id and the chosen language.

    Members, chairs and koordinator all have one; it holds nothing personal beyond the id,
    so it may exist before consent (the language must be remembered before registration).
    """

    __tablename__ = "telegram_users"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Nullable: deletion (UU PDP) removes the Telegram identity but keeps anonymous rows.
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(100))
    business_name: Mapped[str | None] = mapped_column(String(100))
    main_product: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    consent_version: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    cluster: Mapped[Cluster] = relationship(back_populates="members")


class RoleGrant(Base):
    """A role with its scope.

    ketua: cluster_id set. koordinator: cluster_id set (that cluster), kabupaten set (all
    clusters of that kabupaten) or neither (the whole province).
    """

    __tablename__ = "role_grants"
    __table_args__ = (Index("ix_role_grants_user_role", "telegram_user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[str] = mapped_column(String(16))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))
    kabupaten: Mapped[str | None] = mapped_column(String(80))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    granted_by: Mapped[int | None] = mapped_column(BigInteger)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    # None when the operator acted from the command line.
    actor_telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str | None] = mapped_column(String(120))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProcessedUpdate(Base):
    """Update ids already handled; Telegram may deliver one twice."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class ConversationState(Base):
    """The step a user is at in a multi-message flow, and what they entered so far."""

    __tablename__ = "conversation_states"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


__all__ = [
    "AuditEntry",
    "Base",
    "Cluster",
    "ConversationState",
    "Member",
    "ProcessedUpdate",
    "RoleGrant",
    "TelegramUser",
    "utcnow",
]
