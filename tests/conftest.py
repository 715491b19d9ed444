"""Test wiring: one migrated database and one live server per session, one fresh org per test.

The database is SQLite in a temporary directory unless VOXGATE_TEST_DATABASE_URL names another
(CI runs the suite on PostgreSQL too). Every test gets an org of its own, so tests never see
each other's rows and need no clean-up.
"""

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

_data_dir = Path(tempfile.mkdtemp(prefix="voxgate-test-"))
os.environ["VOXGATE_DATA_DIR"] = str(_data_dir)
os.environ["VOXGATE_DATABASE_URL"] = os.environ.get(
    "VOXGATE_TEST_DATABASE_URL", f"sqlite+aiosqlite:///{_data_dir / 'test.db'}"
)
os.environ["VOXGATE_PUBLIC_URL"] = "https://voxgate.test"
# Every fake server is on loopback, which the SSRF guard refuses unless allow-listed
# (tests/unit/test_urls.py and tests/integration/webhooks/test_ssrf.py clear it).
os.environ["VOXGATE_URL_ALLOWLIST"] = "127.0.0.1,localhost,::1"
os.environ.pop("VOXGATE_API_KEY", None)

from tests.support.logs import session_logging  # noqa: E402

session_logging()  # before pipecat's import logs its banner

from fastapi import FastAPI  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine  # noqa: E402

from tests.e2e.phone import NUMBER, TELNYX_NUMBER  # noqa: E402
from tests.support.fake_telnyx import FakeTelnyx, fake_telnyx  # noqa: E402
from tests.support.fake_twilio import FakeTwilio, fake_twilio  # noqa: E402
from tests.support.fake_vonage import FakeVonage, fake_vonage  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402
from voxgate.app import create_app  # noqa: E402
from voxgate.auth.keys import Scope, create_key  # noqa: E402
from voxgate.auth.restrictions import Restrictions  # noqa: E402
from voxgate.config import get_settings  # noqa: E402
from voxgate.db.migrate import upgrade  # noqa: E402
from voxgate.db.models import Base  # noqa: E402


def _reset_database(url: str) -> None:
    """Start from an empty schema so the migrations, not create_all, build every table."""

    async def drop() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        await engine.dispose()

    asyncio.run(drop())


@pytest.fixture(scope="session")
def database_url() -> str:
    url = get_settings().resolved_database_url
    _reset_database(url)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def app(database_url: str) -> FastAPI:
    return create_app()


@pytest.fixture(scope="session")
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


async def new_key(
    org: str, scope: Scope = "private", restrictions: Restrictions | None = None
) -> str:
    # An engine of the test's own loop: the server's pool belongs to the server thread's loop.
    engine = create_async_engine(get_settings().resolved_database_url)
    async with AsyncSession(engine) as session:
        key = await create_key(session, org, scope, restrictions)
        await session.commit()
    await engine.dispose()
    return key


@pytest.fixture
async def api_key(live_server: LiveServer, request: pytest.FixtureRequest) -> str:
    """A private key of an org made for this test alone."""
    # Named after the test (cut: names are at most 200 characters) to make rows traceable.
    return await new_key(f"{request.node.name[:150]}-{os.urandom(4).hex()}")


@pytest.fixture
async def other_key(live_server: LiveServer) -> str:
    """A private key of another org, for tenancy tests."""
    return await new_key(f"other-{os.urandom(6).hex()}")


@pytest.fixture
async def client(live_server: LiveServer, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {api_key}"}
    # An idle connection is dropped before uvicorn's 5 s keep-alive runs out: reusing one the
    # server is closing at that instant fails the request (an httpx.ReadError).
    limits = httpx.Limits(keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=live_server.url, headers=headers, limits=limits) as http:
        yield http


@pytest.fixture
async def anonymous(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        yield http


@pytest.fixture
def one_call_each() -> Iterator[None]:
    """The org's concurrent-call limit set to 1 (read at each create) for this test."""
    settings = get_settings()
    settings.max_concurrent_calls_per_org = 1
    try:
        yield
    finally:
        settings.max_concurrent_calls_per_org = None


@pytest.fixture
async def twilio(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FakeTwilio]:
    """The Twilio fake (tests/support/fake_twilio.py), on this test's event loop, with one
    number (`NUMBER`) on its account, and voxgate pointed at it."""
    async with fake_twilio(live_server.url, get_settings().public_url) as fake:
        fake.add_number(NUMBER)
        monkeypatch.setenv("VOXGATE_TWILIO_API_URL", fake.url)
        get_settings.cache_clear()
        try:
            yield fake
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()


@pytest.fixture
async def vonage(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FakeVonage]:
    """The Vonage fake (tests/support/fake_vonage.py), on this test's event loop, with one
    number (`NUMBER`) on its account, and voxgate's Vonage APIs pointed at it."""
    async with fake_vonage(live_server.url, get_settings().public_url) as fake:
        fake.add_number(NUMBER)
        monkeypatch.setenv("VOXGATE_VONAGE_API_URL", fake.url)
        monkeypatch.setenv("VOXGATE_VONAGE_REST_URL", fake.url)
        get_settings.cache_clear()
        try:
            yield fake
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()


@pytest.fixture
async def telnyx(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FakeTelnyx]:
    """The Telnyx fake (tests/support/fake_telnyx.py), on this test's event loop, with one
    number (`TELNYX_NUMBER`) on its account, and voxgate pointed at it."""
    async with fake_telnyx(live_server.url, get_settings().public_url) as fake:
        fake.add_number(TELNYX_NUMBER)
        monkeypatch.setenv("VOXGATE_TELNYX_API_URL", fake.url)
        get_settings.cache_clear()
        try:
            yield fake
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()
