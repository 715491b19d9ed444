"""Where a provider's key comes from: the assistant's `credentials`, else the server's
`VOXGATE_<PROVIDER>_API_KEY` setting (`11labs` → `VOXGATE_11LABS_API_KEY`); and where to
reach the vendor, `VOXGATE_<PROVIDER>_BASE_URL`."""

import os
from typing import Any


class ProviderError(ValueError):
    """The assistant names a provider this server cannot run as configured."""


class Unsupported(ProviderError):
    """No such provider here (or its package is not installed)."""


class MissingKey(ProviderError):
    """A provider cannot run as configured (a key or a setting is missing)."""


def env_name(provider: str, setting: str = "API_KEY") -> str:
    return f"VOXGATE_{provider.upper().replace('-', '_').replace('.', '_')}_{setting}"


def base_url(provider: str) -> str | None:
    """`VOXGATE_<PROVIDER>_BASE_URL`: where to reach the vendor instead of its public API (a
    proxy, a regional endpoint, or a local fake in the tests); None for the vendor's default."""
    return os.environ.get(env_name(provider, "BASE_URL")) or None


def credential_key(assistant: dict[str, Any], provider: str) -> str | None:
    for credential in assistant.get("credentials") or []:
        if isinstance(credential, dict) and credential.get("provider") == provider:
            key = credential.get("apiKey")
            if isinstance(key, str) and key:
                return key
    return None


def api_key(assistant: dict[str, Any], provider: str, field: str) -> str:
    """The key for `provider`, or a `MissingKey` that says where to put one."""
    key = credential_key(assistant, provider) or os.environ.get(env_name(provider))
    if not key:
        raise MissingKey(
            f"{field}.provider `{provider}` needs an API key: set {env_name(provider)} "
            f"or add a `{provider}` credential to the assistant"
        )
    return key
