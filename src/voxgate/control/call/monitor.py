"""A live call's `monitor` URLs (VAPI-BEHAVIOUR §6.3): control it over HTTP, listen to it.

- `POST /call/{id}/control` takes one live-control message (§6.2), bare or wrapped as
  `{"message": {...}}`, and hands it to the running session, which reads it as it reads the
  client's text frames (`engine/inbound.py`). 200 with `{}` once the call has it (a JSON body,
  as clients may parse it; Vapi's clients ignore it). `end-call` here ends the call with
  `manually-canceled`. An unknown call is a 404, a call not running (queued, ended) or a message
  the session refuses a 400.
- `/call/{id}/listen` is a read-only websocket of the call's audio: binary 16 kHz stereo PCM
  s16le, customer left, assistant right (`engine/listen.py`), closed with 1000 when the call
  ends; a call not running here is refused with a policy-violation close.

Both are capability URLs. `monitorPlan.controlEnabled` / `listenEnabled` false turn them off
(403 / policy violation); `controlAuthenticationEnabled` / `listenAuthenticationEnabled` require
`Authorization: Bearer <key>`, a public or private key of the call's org.
"""

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, Request, WebSocket
from starlette.datastructures import Headers
from starlette.websockets import WebSocketDisconnect

from voxgate.auth.keys import find_key
from voxgate.control.call.registry import LiveCall, live_sessions
from voxgate.control.call.socket import POLICY_VIOLATION
from voxgate.control.crud import is_uuid
from voxgate.db.models import Call as CallRow
from voxgate.db.session import get_sessionmaker
from voxgate.engine.listen import Listener
from voxgate.errors import BadRequest, Forbidden, NotFound, Unauthorized
from voxgate.wire.call_urls import CONTROL_PATH, LISTEN_PATH

router = APIRouter()


def _plan(live: LiveCall) -> dict[str, Any]:
    plan = live.session.assistant.get("monitorPlan")
    return plan if isinstance(plan, dict) else {}


async def _key_of_org(headers: Headers, org_id: str) -> bool:
    """Whether the request carries a key (public or private) of this org."""
    scheme, _, key = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key:
        return False
    async with get_sessionmaker()() as session:
        found = await find_key(session, key.strip())
    return found is not None and found.org_id == org_id


async def _not_live(call_id: str) -> NotFound | BadRequest:
    """Why a call that is not running here cannot be controlled."""
    row = None
    if is_uuid(call_id):
        async with get_sessionmaker()() as session:
            row = await session.get(CallRow, call_id)
    if row is None:
        return NotFound("Call not found")
    return BadRequest(f"Call is {row.status}: only a call in progress can be controlled.")


async def _message(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise BadRequest("The body must be a JSON control message.") from None
    if isinstance(body, dict) and "type" not in body and isinstance(body.get("message"), dict):
        body = body["message"]  # the spec's `ClientInboundMessage` wrapper
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


@router.post(CONTROL_PATH, include_in_schema=False)
async def control(id: str, request: Request) -> dict[str, Any]:
    live = live_sessions.get(id)
    if live is None:
        raise await _not_live(id)
    plan = _plan(live)
    if plan.get("controlEnabled") is False:
        raise Forbidden("Live control is turned off for this call (monitorPlan.controlEnabled).")
    needs_key = plan.get("controlAuthenticationEnabled") is True
    if needs_key and not await _key_of_org(request.headers, live.org_id):
        raise Unauthorized()
    refused = await live.session.handle(await _message(request), source="control")
    if refused is not None:
        raise BadRequest(refused)
    return {}


async def _listen_refusal(websocket: WebSocket, live: LiveCall | None) -> str | None:
    if live is None:
        return "call is not in progress"
    plan = _plan(live)
    if plan.get("listenEnabled") is False:
        return "listening is turned off for this call"
    needs_key = plan.get("listenAuthenticationEnabled") is True
    if needs_key and not await _key_of_org(websocket.headers, live.org_id):
        return "invalid credentials for this call"
    return None


@router.websocket(LISTEN_PATH)
async def listen(websocket: WebSocket, id: str) -> None:
    await websocket.accept()
    live = live_sessions.get(id)
    refused = await _listen_refusal(websocket, live)
    if refused is not None or live is None:
        await websocket.close(POLICY_VIOLATION, refused)
        return
    async with live.session.listen.listen() as queue:
        await _stream(websocket, queue)


async def _gone(websocket: WebSocket) -> None:
    """Returns once the listener has left (whatever it sends is ignored)."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass


async def _stream(websocket: WebSocket, queue: Listener) -> None:
    gone = asyncio.create_task(_gone(websocket))
    try:
        while True:
            chunk = asyncio.create_task(queue.get())
            await asyncio.wait({chunk, gone}, return_when=asyncio.FIRST_COMPLETED)
            if gone.done():
                chunk.cancel()
                return
            audio = chunk.result()
            if audio is None:  # the call has ended
                await websocket.close(1000)
                return
            await websocket.send_bytes(audio)
    except (WebSocketDisconnect, RuntimeError):
        return  # the listener left while being sent to
    finally:
        gone.cancel()
