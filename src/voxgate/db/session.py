"""The async engine, and one database session per request that commits at the end."""

from collections.abc import AsyncIterator
from functools import lru_cache

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from voxgate.config import get_settings


@lru_cache
def get_engine(url: str | None = None) -> AsyncEngine:
    settings = get_settings()
    url = url or settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return create_async_engine(url, pool_pre_ping=not url.startswith("sqlite"))


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
