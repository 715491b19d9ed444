"""Who may import whom (docs/architecture.md), checked on the source tree's import statements."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "voxgate"
LEAVES = {"config", "errors", "telemetry"}  # imported by any room
ALLOWED: dict[str, set[str]] = {
    "kit": set(),
    "wire": {"kit"},
    "db": {"kit"},
    "auth": {"db", "kit"},
    "webhooks": {"db", "wire", "kit", "worker"},  # a delivery is a job, with a queue
    "worker": {"db", "wire", "kit"},
    "engine": {"wire", "kit"},
    "control": {"engine", "webhooks", "worker", "auth", "db", "wire", "kit"},
    # A carrier's media stream runs a stored call with control/call's plumbing (runner.py);
    # control reaches the carriers only through control/call/carriers.py's port.
    "telephony": {"control", "engine", "webhooks", "worker", "auth", "db", "wire", "kit"},
    "migrations": {"db", "kit"},
    "client": {"wire", "kit"},  # a client of the public API, like any other
    "observability": set(),  # metrics and request lines: the leaves only
}
FORBIDDEN_THIRD_PARTY = {
    # The engine reports to `telemetry`; the metrics library is observability/'s.
    "engine": {"fastapi", "sqlalchemy", "starlette", "prometheus_client"},
    "wire": {"sqlalchemy"},
    "client": {"fastapi", "sqlalchemy", "starlette", "pipecat"},
}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def room_of(path: Path) -> str:
    return path.relative_to(SRC).parts[0].removesuffix(".py")


MODULES = sorted(p for p in SRC.rglob("*.py") if room_of(p) in ALLOWED)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_imports_only_what_its_room_may(path: Path) -> None:
    room = room_of(path)
    for name in imports(path):
        top, _, rest = name.partition(".")
        if top == "voxgate" and rest:
            target = rest.split(".")[0]
            assert target == room or target in LEAVES or target in ALLOWED[room], (
                f"{path.relative_to(SRC)} ({room}/) must not import voxgate.{target}"
            )
        assert top not in FORBIDDEN_THIRD_PARTY.get(room, set()), (
            f"{path.relative_to(SRC)} ({room}/) must not import {top}"
        )


def test_every_room_is_checked() -> None:
    assert {room_of(p) for p in MODULES} >= {"kit", "wire", "db", "auth", "control", "client"}
