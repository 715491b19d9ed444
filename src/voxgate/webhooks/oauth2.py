"""The `oauth2` authentication plan of a `webhook` credential (VAPI-BEHAVIOUR §5.1:
`{url, clientId, clientSecret, scope}`): a token from the client-credentials grant, sent as
`Authorization: Bearer <token>` with every delivery and every exchange.

The token request follows RFC 6749 §4.4: a form POST to `url` with
`grant_type=client_credentials` (and `scope` when set), the client authenticated with HTTP
Basic, its id and secret form-encoded first (§2.3.1: the method every authorization server
must accept from clients that have a secret; sending the secret in the body as well is not
allowed). Vapi's docs describe the flow and the token response but not how the client
authenticates, so the RFC's required method is the one used.

A token is kept in this process, per plan, until shortly before its `expires_in` runs out (a
tenth of its life early, at most a minute); one that came without `expires_in` is kept until
a server answers 401. Two deliveries that start together while no token is kept may each fetch
one: both are valid, and it saves a lock shared across event loops.
"""

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import httpx

from voxgate.kit.urls import UrlRefused
from voxgate.webhooks.target import Target

_EARLY_AT_MOST_SECONDS = 60.0


class TokenError(Exception):
    """No token: the endpoint is unreachable, refused the client, or answered garbage."""


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float | None  # time.monotonic(); None: until a server refuses it


_tokens: dict[tuple[str, str, str, str], _Token] = {}


def _key(plan: dict[str, Any]) -> tuple[str, str, str, str]:
    fields = ("url", "clientId", "clientSecret", "scope")
    url, client_id, secret, scope = (str(plan.get(name) or "") for name in fields)
    return url, client_id, secret, scope


def oauth2_plan(target: Target) -> dict[str, Any] | None:
    plan = target.get("authenticationPlan")
    return plan if isinstance(plan, dict) and plan.get("type") == "oauth2" else None


def _refused(response: httpx.Response) -> TokenError:
    try:
        body = response.json()
    except ValueError:
        body = None
    reason = body.get("error") if isinstance(body, dict) else None
    said = f" ({reason})" if isinstance(reason, str) else ""
    return TokenError(f"the OAuth2 token endpoint answered {response.status_code}{said}")


async def _fetch(client: httpx.AsyncClient, plan: dict[str, Any], timeout: float) -> _Token:
    url, client_id, secret, scope = _key(plan)
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    try:
        response = await client.post(
            url, data=form, auth=httpx.BasicAuth(quote_plus(client_id), quote_plus(secret)),
            headers={"Accept": "application/json"}, timeout=timeout,
        )  # fmt: skip
    except UrlRefused as error:
        raise TokenError(f"the OAuth2 token endpoint was refused: {error}") from None
    except httpx.HTTPError as error:
        raise TokenError(f"the OAuth2 token endpoint failed: {type(error).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise _refused(response)
    try:
        body = response.json()
    except ValueError:
        body = None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise TokenError("the OAuth2 token endpoint's reply has no access_token")
    expires_in = body.get("expires_in") if isinstance(body, dict) else None
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
        early = min(_EARLY_AT_MOST_SECONDS, expires_in / 10)
        return _Token(token, time.monotonic() + expires_in - early)
    return _Token(token, None)


async def bearer_token(client: httpx.AsyncClient, target: Target, timeout: float) -> str | None:
    """The token for the target's oauth2 plan (kept or fetched), or None when it has none.
    Raises `TokenError`: the delivery's attempt fails with its reason."""
    plan = oauth2_plan(target)
    if plan is None:
        return None
    key = _key(plan)
    kept = _tokens.get(key)
    if kept is not None and (kept.expires_at is None or time.monotonic() < kept.expires_at):
        return kept.value
    fetched = await _fetch(client, plan, timeout)
    _tokens[key] = fetched
    return fetched.value


def answered(target: Target, status_code: int | None) -> None:
    """A server answered: on 401 its token is forgotten, so the next attempt gets a new one."""
    plan = oauth2_plan(target)
    if plan is not None and status_code == 401:
        _tokens.pop(_key(plan), None)
