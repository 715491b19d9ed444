"""Who may create a call: a private key, or a public key for a websocket call it allows.

A public key is for browsers (VAPI-BEHAVIOUR §1.1). Vapi accepts it on `POST /call/web`, which
answers a Daily room voxgate does not have; voxgate accepts it on the one create it can serve to
a browser: `POST /call` with `transport.provider` `vapi.websocket`. Refusals, before anything
is stored:

- any other create with a public key (a phone call, no transport): Vapi's 401 invalid-key body,
  as for every other operation: the key is of the wrong scope for it;
- a request from an origin outside the key's `allowedOrigins`, or a call whose assistant the
  key does not allow (auth/restrictions.py): 403 in Vapi's error shape, naming the restriction.

The scope and the origin are checked on the raw body, before it is validated, so a public key
learns nothing from a phone call's 400s; who talks is checked on the validated body.
"""

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from voxgate.auth.deps import AnyKey, Principal
from voxgate.errors import Unauthorized
from voxgate.wire.transport import WEBSOCKET


async def _asks_websocket_call(request: Request) -> bool:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return False
    transport = body.get("transport") if isinstance(body, dict) else None
    return isinstance(transport, dict) and transport.get("provider") == WEBSOCKET


async def call_creator(request: Request, principal: AnyKey) -> Principal:
    restrictions = principal.restrictions
    if restrictions is None:  # a private key
        return principal
    if not await _asks_websocket_call(request):
        raise Unauthorized()
    restrictions.check_origin(request.headers.get("origin"))
    return principal


def check_public_call(principal: Principal, data: dict[str, Any]) -> None:
    """A public key's call names an assistant the key allows (a 403 otherwise)."""
    if principal.restrictions is not None:
        principal.restrictions.check_call(data)


CallCreator = Annotated[Principal, Depends(call_creator)]
