"""Account settings a vendor needs beside its key: Azure's region and MiniMax's group id, from
the assistant's credential of that provider (Vapi's `region`, `groupId`), else the server's
`VOXGATE_AZURE_REGION` / `VOXGATE_MINIMAX_GROUP_ID`."""

import os
from typing import Any

from voxgate.engine.providers.keys import MissingKey, env_name


def _account_value(assistant: dict[str, Any], provider: str, name: str, setting: str) -> str:
    for credential in assistant.get("credentials") or []:
        if isinstance(credential, dict) and credential.get("provider") == provider:
            value = credential.get(name)
            if isinstance(value, str) and value:
                return value
    value = os.environ.get(env_name(provider, setting))
    if not value:
        raise MissingKey(
            f"provider `{provider}` needs its {name}: set {env_name(provider, setting)} "
            f"or give the assistant's `{provider}` credential a `{name}`"
        )
    return value


def azure_region(assistant: dict[str, Any]) -> str:
    """The Azure Speech region (`eastus`, …) for the transcriber or the voice."""
    return _account_value(assistant, "azure", "region", "REGION")


def minimax_group_id(assistant: dict[str, Any]) -> str:
    return _account_value(assistant, "minimax", "groupId", "GROUP_ID")
