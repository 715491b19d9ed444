"""The outbox's loop while the database is unreachable: it says so once and asks again every
second, instead of logging a traceback five times a second."""

import asyncio
import contextlib

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from structlog.testing import capture_logs

from voxgate.webhooks.outbox import Outbox


async def test_an_unreachable_database_is_reported_once() -> None:
    engine = create_async_engine("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")  # refused
    outbox = Outbox(async_sessionmaker(engine))
    with capture_logs() as logs:
        running = asyncio.create_task(outbox.run(interval=0.01))
        await asyncio.sleep(2.5)  # three rounds at one a second, not 250
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    await engine.dispose()
    assert [(e["log_level"], e["event"]) for e in logs] == [
        ("warning", "server messages wait for the database")
    ]
