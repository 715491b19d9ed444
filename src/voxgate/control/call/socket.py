"""The `vapi.websocket` transport: `/call/{id}/transport` (VAPI-BEHAVIOUR §3.7).

The URL is the capability; a private key of the call's org in `Authorization: Bearer` is also
accepted (a wrong one is refused). Only a `queued` call can be joined, once: an unknown, ended
or already connected call is closed with a policy-violation code. A call that names no
assistant first asks its server for one (`assistant-request`, assistant_request.py). The
engine's `CallSession` then runs the call over the socket until either side ends it (runner.py).
"""

from fastapi import APIRouter, WebSocket
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect, WebSocketState

from voxgate.auth.keys import find_key
from voxgate.control.call.bus import runs_elsewhere
from voxgate.control.call.runner import live_calls, run_call
from voxgate.control.drain import SHUTTING_DOWN, drain
from voxgate.db.models import Call as CallRow
from voxgate.db.outage import UNREACHABLE, is_outage
from voxgate.db.session import get_sessionmaker
from voxgate.errors import ServiceUnavailable
from voxgate.wire.call_urls import TRANSPORT_PATH

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
router = APIRouter()


class _Socket:
    """The engine's `ClientSocket` port over a Starlette websocket."""

    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket

    async def receive(self) -> bytes | str | None:
        try:
            message = await self._ws.receive()
        except (WebSocketDisconnect, RuntimeError):
            return None
        if message["type"] == "websocket.disconnect":
            return None
        data: bytes | str | None = message.get("bytes") or message.get("text")
        return data if data is not None else b""

    def _open(self) -> bool:
        return self._ws.application_state == WebSocketState.CONNECTED

    async def send_bytes(self, data: bytes) -> None:
        if self._open():
            await self._ws.send_bytes(data)

    async def send_text(self, text: str) -> None:
        if self._open():
            await self._ws.send_text(text)

    async def close(self, code: int = 1000) -> None:
        if self._open():
            await self._ws.close(code)

    async def clear(self) -> None:
        return None  # a websocket client hears `user-interrupted` and clears its own buffer


async def _joinable(websocket: WebSocket, call_id: str) -> CallRow | str:
    """The call, or why it cannot be joined."""
    async with get_sessionmaker()() as session:
        row = await session.scalar(select(CallRow).where(CallRow.id == call_id))
        if row is None:
            return "call not found"
        header = websocket.headers.get("authorization", "")
        if header:
            scheme, _, key = header.partition(" ")
            found = await find_key(session, key) if scheme.lower() == "bearer" else None
            if found is None or found.scope != "private" or found.org_id != row.org_id:
                return "invalid credentials for this call"
    if row.status != "queued" or call_id in live_calls or await runs_elsewhere(call_id):
        return f"call is {row.status if row.status != 'queued' else 'already connected'}"
    return row


async def _refuse_while_draining(websocket: WebSocket) -> None:
    """A 503 for the handshake (Vapi's error shape), where the server can send one."""
    body = ServiceUnavailable(SHUTTING_DOWN).body()
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(JSONResponse(body, 503))
    else:
        await websocket.close(TRY_AGAIN_LATER, SHUTTING_DOWN)


@router.websocket(TRANSPORT_PATH)
async def transport(websocket: WebSocket, id: str) -> None:
    if drain.draining:  # the call stays queued: another server may take its client
        await _refuse_while_draining(websocket)
        return
    await websocket.accept()
    try:
        found = await _joinable(websocket, id)
    except Exception as error:
        if not is_outage(error):
            raise
        # The call stays queued: its client may connect again once the database is back.
        await websocket.close(TRY_AGAIN_LATER, UNREACHABLE)
        return
    if isinstance(found, str):
        await websocket.close(POLICY_VIOLATION, found)
        return
    live_calls.add(id)
    try:
        audio_format = (found.data.get("transport") or {}).get("audioFormat")
        await run_call(found, _Socket(websocket), audio_format)
    finally:
        live_calls.discard(id)
