"""What a live call's `monitorPlan` lets through its control and listen URLs (monitor.py).

These checks run where the call runs: in this process for a call of its own, or in the process
that runs it when a request came to another one and was relayed over Redis (bus.py), so both
give the same answer.
"""

import json
from typing import Any

from voxgate.auth.keys import find_key
from voxgate.control.call.registry import LiveCall
from voxgate.control.crud import is_uuid
from voxgate.db.models import Call as CallRow
from voxgate.db.session import get_sessionmaker
from voxgate.errors import BadRequest, Forbidden, NotFound, Unauthorized


def _plan(live: LiveCall) -> dict[str, Any]:
    plan = live.session.assistant.get("monitorPlan")
    return plan if isinstance(plan, dict) else {}


async def _key_of_org(authorization: str, org_id: str) -> bool:
    """Whether the `Authorization` header carries a key (public or private) of this org."""
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key:
        return False
    async with get_sessionmaker()() as session:
        found = await find_key(session, key.strip())
    return found is not None and found.org_id == org_id


async def call_status(call_id: str) -> str | None:
    """The call's stored status (None: no such call)."""
    if not is_uuid(call_id):
        return None
    async with get_sessionmaker()() as session:
        row = await session.get(CallRow, call_id)
    return None if row is None else row.status


async def not_live(call_id: str, status: str | None = None) -> NotFound | BadRequest:
    """Why a call that is not running (here or anywhere) cannot be controlled."""
    status = status or await call_status(call_id)
    if status is None:
        return NotFound("Call not found")
    return BadRequest(f"Call is {status}: only a call in progress can be controlled.")


def _message(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except ValueError:
        raise BadRequest("The body must be a JSON control message.") from None
    wrapped = isinstance(message, dict) and "type" not in message
    if wrapped and isinstance(message.get("message"), dict):
        message = message["message"]  # the spec's `ClientInboundMessage` wrapper
    if not isinstance(message, dict):
        raise BadRequest("The body must be a JSON object.")
    return message


async def control_here(live: LiveCall, authorization: str, body: bytes) -> None:
    """Hands one control message (the request's raw body) to the running session; raises the
    error the control URL answers with when the plan or the session refuses it."""
    plan = _plan(live)
    if plan.get("controlEnabled") is False:
        raise Forbidden("Live control is turned off for this call (monitorPlan.controlEnabled).")
    needs_key = plan.get("controlAuthenticationEnabled") is True
    if needs_key and not await _key_of_org(authorization, live.org_id):
        raise Unauthorized()
    refused = await live.session.handle(_message(body), source="control")
    if refused is not None:
        raise BadRequest(refused)


async def listen_refusal(live: LiveCall | None, authorization: str) -> str | None:
    """Why this listener may not hear the call (the close reason), or None."""
    if live is None:
        return "call is not in progress"
    plan = _plan(live)
    if plan.get("listenEnabled") is False:
        return "listening is turned off for this call"
    needs_key = plan.get("listenAuthenticationEnabled") is True
    if needs_key and not await _key_of_org(authorization, live.org_id):
        return "invalid credentials for this call"
    return None
