"""Real `voxgate serve` processes for the tests that need one of their own (two processes on one
database, a database or Redis behind a proxy the test cuts): started on a free port with the
test run's settings, stopped with SIGTERM."""

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from tests.support.redis import fresh_prefix
from tests.support.server import free_port

SRC = Path(__file__).resolve().parents[2] / "src"


def serve_env(redis_url: str | None = None, **settings: str) -> dict[str, str]:
    """This environment without the test run's `VOXGATE_*`, plus what a process needs here."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOXGATE_")}
    pythonpath = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    env |= {
        "PYTHONPATH": pythonpath,
        "HF_HUB_OFFLINE": "1",  # the offline transcriber's model is already here
        "VOXGATE_PUBLIC_URL": "https://voxgate.test",  # one public URL for all, as behind an LB
        "VOXGATE_LOG_LEVEL": "warning",
        "VOXGATE_URL_ALLOWLIST": os.environ["VOXGATE_URL_ALLOWLIST"],  # the fakes are on loopback
        "VOXGATE_SECRET_KEY": Fernet.generate_key().decode(),  # processes share one key
    }
    if redis_url is not None:
        env |= {"VOXGATE_REDIS_URL": redis_url, "VOXGATE_REDIS_PREFIX": fresh_prefix()}
    return env | {f"VOXGATE_{name.upper()}": value for name, value in settings.items()}


def start(
    database_url: str, env: dict[str, str], data_dir: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """One `voxgate serve` process on a free port, and its URL."""
    port = free_port()
    env = {**env, "VOXGATE_DATA_DIR": str(data_dir), "VOXGATE_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "voxgate.cli", "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env), f"http://127.0.0.1:{port}"


def wait_until_serving(server: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            httpx.get(f"{url}/openapi.json")
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
            time.sleep(0.2)


def stop(servers: list[subprocess.Popen[bytes]]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait(timeout=20)


@contextlib.contextmanager
def serving(database_url: str, env: dict[str, str], data_dir: Path) -> Iterator[str]:
    """One process, serving; its URL."""
    server, url = start(database_url, env, data_dir)
    try:
        wait_until_serving(server, url)
        yield url
    finally:
        stop([server])
