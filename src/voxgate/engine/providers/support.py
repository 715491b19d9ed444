"""What the transcriber and voice factories share: optional packages, and Vapi fields that may
be absent."""

import importlib
from types import ModuleType
from typing import Any

from voxgate.engine.providers.keys import Unsupported


def service_module(module: str, field: str, provider: str, extra: str) -> ModuleType:
    """pipecat's service module for `provider`, or `Unsupported` naming the voxgate extra that
    installs the vendor package it imports (pipecat raises at import when it is missing)."""
    try:
        return importlib.import_module(module)
    except ImportError as error:  # pipecat re-raises the vendor's ModuleNotFoundError as this
        raise Unsupported(
            f"{field}.provider `{provider}` needs an optional package: "
            f"pip install 'voxgate[{extra}]'"
        ) from error


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments whose value the assistant gave (None means: pipecat's default)."""
    return {name: value for name, value in values.items() if value is not None}


def number(config: dict[str, Any], name: str) -> float | None:
    value = config.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def flag(config: dict[str, Any], name: str) -> bool | None:
    value = config.get(name)
    return value if isinstance(value, bool) else None


def text(config: dict[str, Any], name: str) -> str | None:
    value = config.get(name)
    return value if isinstance(value, str) and value else None


def strings(config: dict[str, Any], name: str) -> list[str] | None:
    value = config.get(name)
    if not isinstance(value, list):
        return None
    return [item for item in value if isinstance(item, str)] or None
