"""A migrated database of a test's own, of the test database's kind, where no other process
(the session's live server) reads or writes."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from voxgate.db.migrate import upgrade


@asynccontextmanager
async def own_database(url: str, directory: Path) -> AsyncIterator[str]:
    """A SQLite file in `directory`, or a new PostgreSQL database beside `url`'s (dropped
    after); yields its URL."""
    if url.startswith("sqlite"):
        own = f"sqlite+aiosqlite:///{directory / 'own.db'}"
        await asyncio.to_thread(upgrade, own)
        yield own
        return
    parsed = make_url(url)
    name = f"{parsed.database}_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        own = parsed.set(database=name).render_as_string(hide_password=False)
        await asyncio.to_thread(upgrade, own)
        yield own
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
