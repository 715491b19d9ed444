"""A live call's `monitor` URLs (VAPI-BEHAVIOUR §6.3): control it over HTTP, listen to it.

- `POST /call/{id}/control` takes one live-control message (§6.2), bare or wrapped as
  `{"message": {...}}`, and hands it to the running session, which reads it as it reads the
  client's text frames (`engine/inbound.py`). 200 with `{}` once the call has it (a JSON body,
  as clients may parse it; Vapi's clients ignore it). `end-call` here ends the call with
  `manually-canceled`. An unknown call is a 404, a call not running (queued, ended) or a message
  the session refuses a 400.
- `/call/{id}/listen` is a read-only websocket of the call's audio: binary 16 kHz stereo PCM
  s16le, customer left, assistant right (`engine/listen.py`), closed with 1000 when the call
  ends; a call not running is refused with a policy-violation close.

With several processes (`VOXGATE_REDIS_URL`), a call running in another one is reached through
bus.py: the same checks (monitoring.py) run there and the answer comes back unchanged. With
Redis unreachable, only this process's own calls can be reached (another's: 503, or a listener
closed 1013 "try again later").

Both are capability URLs. `monitorPlan.controlEnabled` / `listenEnabled` false turn them off
(403 / policy violation); `controlAuthenticationEnabled` / `listenAuthenticationEnabled` require
`Authorization: Bearer <key>`, a public or private key of the call's org.
"""

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, Request, WebSocket
from redis.exceptions import RedisError
from starlette.websockets import WebSocketDisconnect

from voxgate.control.call import bus
from voxgate.control.call.expiry import LIVE
from voxgate.control.call.monitoring import call_status, control_here, listen_refusal, not_live
from voxgate.control.call.registry import live_sessions
from voxgate.control.call.socket import POLICY_VIOLATION, TRY_AGAIN_LATER
from voxgate.engine.listen import Listener
from voxgate.errors import ServiceUnavailable
from voxgate.wire.call_urls import CONTROL_PATH, LISTEN_PATH

router = APIRouter()


@router.post(CONTROL_PATH, include_in_schema=False)
async def control(id: str, request: Request) -> dict[str, Any]:
    authorization, body = request.headers.get("authorization", ""), await request.body()
    live = live_sessions.get(id)
    if live is not None:  # running here
        await control_here(live, authorization, body)
        return {}
    relay = bus.current()
    try:
        reached = relay is not None and await relay.control(id, authorization, body)
    except RedisError:  # a queued or ended call is refused as usual; a live one is elsewhere
        status = await call_status(id)
        if status in LIVE:
            raise ServiceUnavailable(bus.UNREACHABLE) from None
        raise await not_live(id, status) from None
    if not reached:
        raise await not_live(id)
    return {}


@router.websocket(LISTEN_PATH)
async def listen(websocket: WebSocket, id: str) -> None:
    await websocket.accept()
    authorization = websocket.headers.get("authorization", "")
    live = live_sessions.get(id)
    relay = bus.current()
    if live is None and relay is not None:  # perhaps running in another process
        try:
            async with relay.listening(id, authorization) as queue:
                await _stream(websocket, queue)
        except bus.ListenRefused as refusal:
            await websocket.close(POLICY_VIOLATION, str(refusal))
        except RedisError:
            await websocket.close(TRY_AGAIN_LATER, bus.UNREACHABLE)
        return
    refused = await listen_refusal(live, authorization)
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
