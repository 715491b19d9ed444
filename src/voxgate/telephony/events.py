"""What every carrier's media stream shares: reading its text messages, and ending its leg."""

import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket
from loguru import logger
from starlette.websockets import WebSocketState

from voxgate.control.call.carriers import CarrierError


def stream_event(text: str) -> dict[str, Any]:
    """A stream's text message as an event; {} for text that is not a JSON object (a carrier's
    malformed message must never raise mid-call)."""
    try:
        event = json.loads(text)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


async def end_leg(
    websocket: WebSocket, hang_up: Callable[[], Awaitable[None]] | None, code: int
) -> None:
    """The call ends on voxgate's side: `hang_up` (None when the carrier already ended the call,
    or a transfer took it) through the carrier's API, then the stream's socket is closed."""
    if hang_up is not None:
        try:
            await hang_up()
        except CarrierError as error:
            logger.warning(f"the carrier's call could not be hung up: {error}")
    if websocket.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError):  # closed meanwhile by the other side
            await websocket.close(code)
