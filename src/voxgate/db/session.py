"""The async engine, and one database session per request that commits at the end."""

from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from voxgate.config import get_settings

SQLITE_BUSY_SECONDS = 30.0


@lru_cache
def get_engine(url: str | None = None) -> AsyncEngine:
    settings = get_settings()
    url = url or settings.resolved_database_url
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_pre_ping=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
    _serialize_sqlite_writes(engine)
    return engine


def _serialize_sqlite_writes(engine: AsyncEngine) -> None:
    """SQLite has one writer. A transaction that reads and then writes (every update here)
    fails at once with "database is locked" when another writer got in between, whatever the
    busy timeout; so each transaction takes the write lock when it begins (`BEGIN IMMEDIATE`)
    and waits its turn. WAL keeps readers outside transactions off the writer's back. As in
    SQLAlchemy's documentation for aiosqlite: the driver's own BEGIN is turned off."""

    @event.listens_for(engine.sync_engine, "connect")
    def connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache
def get_sessionmaker(url: str | None = None) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(get_engine(url), expire_on_commit=False)


async def session_per_request() -> AsyncIterator[AsyncSession]:
    """Commit when the handler returns, roll back when it raises; nobody else commits."""
    async with get_sessionmaker()() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
