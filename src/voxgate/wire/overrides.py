"""`AssistantOverrides` laid over an assistant (VAPI-BEHAVIOUR §2.3): objects deep-merged, arrays
replaced, `tools:append` appended to `model.tools`; `variableValues` is no assistant field and is
left out (it feeds the templates instead).

Pure functions on wire-shaped dicts, so the control side (resolving a call's assistant or squad)
and the engine (a handoff destination's `assistantOverrides`) merge the same way.
"""

from typing import Any

Document = dict[str, Any]
# Overrides that are not assistant fields: they steer the call, not the assistant's shape.
NOT_MERGED = ("variableValues", "tools:append")


def deep_merge(base: Document, override: Document) -> Document:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def apply_overrides(assistant: Document, overrides: Document) -> Document:
    merged = deep_merge(assistant, {k: v for k, v in overrides.items() if k not in NOT_MERGED})
    appended = overrides.get("tools:append")
    if appended:
        model = dict(merged.get("model") or {})
        model["tools"] = [*(model.get("tools") or []), *appended]
        merged["model"] = model
    return merged


def variable_values(*overrides: Document | None) -> Document:
    """The `variableValues` of several overrides, later ones winning key by key."""
    values: Document = {}
    for override in overrides:
        found = (override or {}).get("variableValues")
        if isinstance(found, dict):
            values.update(found)
    return values
