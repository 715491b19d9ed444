"""Where a provider's key comes from: the assistant's `credentials`, else the server's
`VOXGATE_<PROVIDER>_API_KEY` setting (`11labs` → `VOXGATE_11LABS_API_KEY`); and where to
reach the vendor, `VOXGATE_<PROVIDER>_BASE_URL`. Like every setting, these are read from the
environment, else from a `.env` file in the working directory."""

import os
from typing import Any

from dotenv import dotenv_values


class ProviderError(ValueError):
    """The assistant names a provider this server cannot run as configured."""


class Unsupported(ProviderError):
    """No such provider here (or its package is not installed)."""


class MissingKey(ProviderError):
    """A provider cannot run as configured (a key or a setting is missing)."""


def env_name(provider: str, suffix: str = "API_KEY") -> str:
    return f"VOXGATE_{provider.upper().replace('-', '_').replace('.', '_')}_{suffix}"


def setting(name: str) -> str | None:
    """A `VOXGATE_*` setting that `config.Settings` does not declare (one per provider)."""
    return os.environ.get(name) or dotenv_values(".env").get(name) or None


def base_url(provider: str) -> str | None:
    """`VOXGATE_<PROVIDER>_BASE_URL`: where to reach the vendor instead of its public API (a
    proxy, a regional endpoint, or a local fake in the tests); None for the vendor's default."""
    return setting(env_name(provider, "BASE_URL"))


def credential_key(assistant: dict[str, Any], provider: str) -> str | None:
    for credential in assistant.get("credentials") or []:
        if isinstance(credential, dict) and credential.get("provider") == provider:
            key = credential.get("apiKey")
            if isinstance(key, str) and key:
                return key
    return None


def _article(word: str) -> str:
    # `an anthropic`, `an openai`, `an xai`, `an 11labs`; `a groq`, `a deepgram`
    return "an" if word[:1] in tuple("aeiox8") or word.startswith("11") else "a"


def api_key(assistant: dict[str, Any], provider: str, field: str) -> str:
    """The key for `provider`, or a `MissingKey` that says where to put one."""
    key = credential_key(assistant, provider) or setting(env_name(provider))
    if not key:
        raise MissingKey(
            f"{field}.provider `{provider}` needs an API key: set {env_name(provider)} "
            f"or add {_article(provider)} `{provider}` credential to the assistant"
        )
    return key
