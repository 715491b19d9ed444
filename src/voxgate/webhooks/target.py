"""Where a server message goes and how it is sent (VAPI-BEHAVIOUR §5.1): a tool's own `server`
(for its `tool-calls`), then `assistant.server` (or the legacy `assistant.serverUrl`), then the
phone number's `server`, then the org's server.

A target is a plain JSON object, stored with each delivery: `url`, `timeoutSeconds`, `headers`,
`secret` (the legacy `X-Vapi-Secret`), `authenticationPlan` (of the `webhook` credential that
`credentialId` names) and `backoffPlan`.
"""

from typing import Any

from voxgate.kit.authentication import webhook_credential

DEFAULT_TIMEOUT_SECONDS = 20.0

Target = dict[str, Any]


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _target(server: dict[str, Any], assistant: dict[str, Any], secret: Any) -> Target:
    target: Target = {
        "url": server["url"],
        "timeoutSeconds": float(server.get("timeoutSeconds") or DEFAULT_TIMEOUT_SECONDS),
        "headers": {str(k): str(v) for k, v in _object(server.get("headers")).items()},
    }
    if secret := server.get("secret") or secret:
        target["secret"] = str(secret)
    if credential_id := server.get("credentialId"):
        credential = webhook_credential(assistant, str(credential_id)) or {}
        target["authenticationPlan"] = _object(credential.get("authenticationPlan"))
    if backoff := server.get("backoffPlan"):
        target["backoffPlan"] = backoff
    return target


def choose(
    assistant: dict[str, Any],
    org_server: dict[str, Any] | None,
    *,
    tool_server: dict[str, Any] | None = None,
    phone_number_server: dict[str, Any] | None = None,
) -> Target | None:
    """The target of this assistant's server messages, or None when there is no server."""
    if _object(tool_server).get("url"):
        return _target(_object(tool_server), assistant, None)
    server = _object(assistant.get("server"))
    legacy_secret = assistant.get("serverUrlSecret")
    if not server.get("url") and assistant.get("serverUrl"):
        server = {**server, "url": assistant["serverUrl"]}
    if server.get("url"):
        return _target(server, assistant, legacy_secret)
    if _object(phone_number_server).get("url"):
        return _target(_object(phone_number_server), assistant, None)
    org = _object(org_server)
    if org.get("url"):
        return _target(org, assistant, None)
    return None
