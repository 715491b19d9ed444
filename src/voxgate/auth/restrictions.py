"""A public key's restrictions (VAPI-BEHAVIOUR §1.1): where and for whom a browser holding it
may start a call. Stored with the key (`api_key.restrictions`) in Vapi's field names.

- `allowedOrigins`: the request's `Origin` must be one of them; none listed: any origin.
- `allowedAssistantIds`: the call must name one of them in `assistantId`; none listed: any
  saved assistant of the org.
- `allowTransientAssistant`: whether the call may bring its own `assistant` (or `squad`).
  Off unless asked for: a key published in a web page would otherwise let anyone run any
  prompt on the org's provider accounts.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from voxgate.errors import Forbidden


def origin_of(url: str) -> str:
    """`scheme://host[:port]`, as browsers send `Origin`; a ValueError for anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an origin: give scheme and host, e.g. https://app.test")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{url!r} is not an origin: it has more than scheme, host and port")
    # As a browser writes it: lower case, no default port (a bad port is a ValueError).
    port = parts.port
    default = {"http": 80, "https": 443}[parts.scheme]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}{'' if port in (None, default) else f':{port}'}"


@dataclass(frozen=True)
class Restrictions:
    allowed_origins: tuple[str, ...] = ()
    allowed_assistant_ids: tuple[str, ...] = ()
    allow_transient_assistant: bool = False

    @classmethod
    def stored(cls, data: dict[str, Any] | None) -> "Restrictions":
        data = data or {}
        return cls(
            tuple(data.get("allowedOrigins") or ()),
            tuple(data.get("allowedAssistantIds") or ()),
            data.get("allowTransientAssistant") is True,
        )

    def to_stored(self) -> dict[str, Any]:
        data: dict[str, Any] = {"allowTransientAssistant": self.allow_transient_assistant}
        if self.allowed_origins:
            data["allowedOrigins"] = list(self.allowed_origins)
        if self.allowed_assistant_ids:
            data["allowedAssistantIds"] = list(self.allowed_assistant_ids)
        return data

    def check_origin(self, origin: str | None) -> None:
        if not self.allowed_origins:
            return
        try:
            allowed = origin is not None and origin_of(origin) in self.allowed_origins
        except ValueError:  # "null" (a file: page, a sandboxed frame) or garbage
            allowed = False
        if not allowed:
            raise Forbidden(
                f"Origin {origin or '(none)'} is not allowed for this public key (allowedOrigins)."
            )

    def check_call(self, data: dict[str, Any]) -> None:
        """Who talks in this call, as the key allows: a 403 naming the restriction if not."""
        transient = next((key for key in ("assistant", "squad") if key in data), None)
        if transient is not None:
            if not self.allow_transient_assistant:
                raise Forbidden(
                    f"This public key may not start a call with a transient `{transient}` "
                    "(allowTransientAssistant is off)."
                )
            return
        if not self.allowed_assistant_ids:
            return
        if "assistantId" not in data:
            # A saved squad or the server's `assistant-request` reply may bring any assistant.
            raise Forbidden(
                "This public key is limited to its assistants (allowedAssistantIds): "
                "name one in `assistantId`."
            )
        if data["assistantId"] not in self.allowed_assistant_ids:
            raise Forbidden(
                f"This public key may not start a call with assistant {data['assistantId']} "
                "(allowedAssistantIds)."
            )
