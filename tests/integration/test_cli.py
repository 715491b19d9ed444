"""The `voxgate` command on a fresh data directory, as a user runs it."""

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import free_port

VOXGATE = str(Path(sys.executable).parent / "voxgate")


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOXGATE_")}
    env["VOXGATE_DATA_DIR"] = str(tmp_path / "data")
    return env


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([VOXGATE, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def served(fresh_env: dict[str, str]) -> Iterator[tuple[str, dict[str, str]]]:
    seed = str(uuid.uuid4())
    env = {**fresh_env, "VOXGATE_API_KEY": seed}
    port = free_port()
    server = subprocess.Popen([VOXGATE, "serve", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/openapi.json")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
                time.sleep(0.2)
        yield url, {**env, "SEED": seed}
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_on_a_fresh_sqlite_with_a_seeded_key(served: tuple[str, dict[str, str]]) -> None:
    url, env = served
    assert Path(env["VOXGATE_DATA_DIR"], "voxgate.db").exists()
    assert httpx.get(f"{url}/assistant").status_code == 401
    seeded = {"Authorization": f"Bearer {env['SEED']}"}
    assert httpx.get(f"{url}/assistant", headers=seeded).json() == []


def test_keys_create_prints_a_working_key_last(served: tuple[str, dict[str, str]]) -> None:
    url, env = served
    key = run(env, "keys", "create").strip().splitlines()[-1]
    uuid.UUID(key)
    headers = {"Authorization": f"Bearer {key}"}
    created = httpx.post(f"{url}/assistant", json={"name": "cli"}, headers=headers)
    assert created.status_code == 201
    # Same default org as the seeded key; another org's key sees nothing of it.
    seeded = {"Authorization": f"Bearer {env['SEED']}"}
    assert [a["name"] for a in httpx.get(f"{url}/assistant", headers=seeded).json()] == ["cli"]
    other = run(env, "keys", "create", "--org", "acme").strip().splitlines()[-1]
    assert httpx.get(f"{url}/assistant", headers={"Authorization": f"Bearer {other}"}).json() == []
    public = run(env, "keys", "create", "--public").strip().splitlines()[-1]
    denied = httpx.get(f"{url}/assistant", headers={"Authorization": f"Bearer {public}"})
    assert denied.status_code == 401


def test_keys_create_a_restricted_public_key(served: tuple[str, dict[str, str]]) -> None:
    url, env = served
    seeded = {"Authorization": f"Bearer {env['SEED']}"}
    # A public address (the SSRF guard refuses loopback here), never contacted: nobody joins.
    assistant = {"model": {"provider": "custom-llm", "model": "m", "url": "http://8.8.8.8:9"}}
    allowed = httpx.post(f"{url}/assistant", json=assistant, headers=seeded).json()["id"]
    options = ("--public", "--allowed-origin", "https://app.test/", "--allowed-assistant", allowed)
    out = run(env, "keys", "create", *options).strip().splitlines()
    restrictions = {"allowTransientAssistant": False, "allowedOrigins": ["https://app.test"]}
    assert json.loads(out[-2].removeprefix("restrictions: ")) == {
        **restrictions,
        "allowedAssistantIds": [allowed],
    }
    body = {"assistantId": allowed, "transport": {"provider": "vapi.websocket"}}
    public = {"Authorization": f"Bearer {out[-1]}"}
    page = httpx.post(f"{url}/call", json=body, headers={**public, "Origin": "https://app.test"})
    assert page.status_code == 201, page.text
    elsewhere = httpx.post(f"{url}/call", json=body, headers={**public, "Origin": "https://x.test"})
    assert elsewhere.status_code == 403


@pytest.mark.parametrize(
    ("options", "error"),
    [
        (("--allowed-origin", "https://app.test"), "restrictions are for public keys"),
        (("--public", "--allowed-origin", "app.test"), "is not an origin"),
        (("--public", "--allowed-origin", "https://app.test/page"), "is not an origin"),
        (("--public", "--allowed-assistant", "nope"), "badly formed hexadecimal UUID string"),
    ],
)
def test_keys_create_refuses_bad_restrictions(
    fresh_env: dict[str, str], options: tuple[str, ...], error: str
) -> None:
    done = subprocess.run(
        [VOXGATE, "keys", "create", *options],
        env=fresh_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and error in done.stderr, done.stderr
    assert not Path(fresh_env["VOXGATE_DATA_DIR"], "voxgate.db").exists()  # refused up front


def test_db_upgrade_and_openapi(fresh_env: dict[str, str], tmp_path: Path) -> None:
    assert "up to date" in run(fresh_env, "db", "upgrade")
    assert "up to date" in run(fresh_env, "db", "upgrade")  # idempotent
    out = tmp_path / "openapi.json"
    run(fresh_env, "openapi", "-o", str(out))
    document = json.loads(out.read_text())
    assert document["openapi"] == "3.0.3"
    assert "/assistant" in document["paths"]
