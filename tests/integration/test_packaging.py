"""The Dockerfile, compose.yaml and deploy/Caddyfile agree with the code they package.

No image is built here (CI has no Docker engine): these read the files as text and check what
would otherwise only fail in a deployment. Every VOXGATE_* variable they set is a setting
voxgate reads, with a value it accepts; the proxy balances over the compose services that serve,
on the port they listen on, and checks the health path the app serves; a replica is given longer
to stop than its drain can take; the schema is upgraded once, before the replicas start.
"""

import re
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.server import LiveServer
from voxgate.config import Settings
from voxgate.control import shutdown

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
# The processes that run `voxgate serve` (the image's command), not a one-off command.
REPLICAS = {
    name: service
    for name, service in SERVICES.items()
    if service.get("image") == SERVICES["migrate"]["image"] and "command" not in service
}
# Values for compose's ${VAR:?…} (required) variables, as a user's .env would give them.
DOT_ENV = {"POSTGRES_PASSWORD": "pw", "VOXGATE_SECRET_KEY": "a-fernet-key"}


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, args in dockerfile():
        if instruction == "ENV":
            env.update(re.findall(r"(\w+)=(\S+)", args))
    return env


def interpolate(value: str) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, with DOT_ENV as the environment."""

    def one(match: re.Match[str]) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if name in DOT_ENV:
            return DOT_ENV[name]
        assert op != ":?", f"${{{name}}} is required but has no value here"
        return rest if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, value)


def service_env(service: dict[str, Any]) -> dict[str, str]:
    return {name: interpolate(str(value)) for name, value in service["environment"].items()}


def as_settings(env: dict[str, str]) -> Settings:
    """The settings these variables make (a ValidationError for a value voxgate refuses)."""
    fields = {}
    for name, value in env.items():
        if not name.startswith("VOXGATE_"):
            continue
        field = name.removeprefix("VOXGATE_").lower()
        assert field in Settings.model_fields, f"{name} is not a setting (config.py)"
        fields[field] = value
    return Settings(_env_file=None, **fields)


def seconds(duration: str) -> float:
    parts = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert parts and duration, f"unexpected duration {duration!r}"
    return int(parts.group(1) or 0) * 60 + int(parts.group(2) or 0)


def test_every_voxgate_variable_is_a_setting_with_a_valid_value() -> None:
    image = as_settings(image_env())
    assert image.host == "0.0.0.0"  # reachable from the proxy's container
    for name, service in SERVICES.items():
        if name in REPLICAS or name == "migrate":
            settings = as_settings({**image_env(), **service_env(service)})
            assert settings.database_url and settings.database_url.startswith(
                "postgresql+asyncpg://"
            )


def test_the_replicas_share_what_they_must() -> None:
    assert len(REPLICAS) >= 2
    envs = [service_env(service) for service in REPLICAS.values()]
    assert all(env == envs[0] for env in envs)
    shared = envs[0]
    for name in ("DATABASE_URL", "REDIS_URL", "PUBLIC_URL", "SECRET_KEY"):
        assert f"VOXGATE_{name}" in shared
    # The secret key is never defaulted: compose refuses to start without one.
    raw = next(iter(REPLICAS.values()))["environment"]["VOXGATE_SECRET_KEY"]
    assert raw.startswith("${VOXGATE_SECRET_KEY:?")
    # Hosts are compose services.
    assert "@postgres:5432/" in shared["VOXGATE_DATABASE_URL"]
    assert shared["VOXGATE_REDIS_URL"].startswith("redis://redis:6379")
    # Files and recordings are on disk: one volume, mounted where the image keeps them.
    data = image_env()["VOXGATE_DATA_DIR"]
    mounts = [set(service["volumes"]) for service in REPLICAS.values()]
    assert all(mount == mounts[0] for mount in mounts)
    assert any(volume.endswith(f":{data}") for volume in mounts[0])


def test_the_schema_is_upgraded_once_before_the_replicas_start() -> None:
    assert SERVICES["migrate"]["command"] == ["voxgate", "db", "upgrade"]
    assert SERVICES["migrate"]["restart"] == "no"
    for service in REPLICAS.values():
        condition = service["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"


def test_a_replica_is_given_longer_to_stop_than_its_drain_takes() -> None:
    for service in REPLICAS.values():
        drain = as_settings({**image_env(), **service_env(service)}).drain_seconds
        # The grace period, then ending the rest, then sending their reports (shutdown.py).
        longest = drain + shutdown._ENDING_SECONDS + shutdown._FLUSH_SECONDS
        assert seconds(service["stop_grace_period"]) > longest
    assert ("STOPSIGNAL", "SIGTERM") in dockerfile()


def test_the_proxy_balances_over_the_replicas_and_checks_their_health(
    live_server: LiveServer,
) -> None:
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    proxy = re.search(r"^\s*reverse_proxy ([^{]+)\{", caddyfile, re.MULTILINE)
    assert proxy is not None
    upstreams = proxy.group(1).split()
    port = image_env()["VOXGATE_PORT"]
    assert sorted(upstreams) == sorted(f"{name}:{port}" for name in REPLICAS)
    health = re.search(r"^\s*health_uri (\S+)", caddyfile, re.MULTILINE)
    assert health is not None
    answer = httpx.get(live_server.url + health.group(1)).json()
    assert answer["status"] == "ok"
    mounted = [v for v in SERVICES["proxy"]["volumes"] if v.startswith("./deploy/Caddyfile:")]
    assert mounted == ["./deploy/Caddyfile:/etc/caddy/Caddyfile:ro"]


def test_the_image_serves_as_a_user_and_checks_its_own_health() -> None:
    steps = dockerfile()
    assert [args for op, args in steps if op == "FROM"][-1] == "python:3.11-slim"
    assert any(op == "RUN" and "espeak-ng" in args for op, args in steps)
    assert any(op == "RUN" and args.endswith("pip install --no-cache-dir .") for op, args in steps)
    users = [args for op, args in steps if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert [args for op, args in steps if op == "CMD"][-1] == '["voxgate", "serve"]'
    check = next(args for op, args in steps if op == "HEALTHCHECK")
    assert "/health'" in check and "'VOXGATE_PORT', '8000'" in check
    assert image_env()["VOXGATE_PORT"] == "8000"
    assert ("EXPOSE", "8000") in steps


def test_the_build_context_holds_only_what_the_image_copies() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*"  # everything out (.env, data/, .venv) unless let in below
    let_in = {p.removeprefix("!") for p in patterns if p.startswith("!")}
    copied = [
        source
        for op, args in dockerfile()
        if op == "COPY" and not args.startswith("--from")
        for source in args.split()[:-1]
    ]
    assert copied and set(copied) <= let_in
    assert ".env" not in let_in
