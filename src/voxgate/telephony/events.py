"""What every carrier's media stream shares: reading its messages (text events, the caller's audio
and keys), and ending its leg."""

import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket
from loguru import logger
from pipecat.frames.frames import InputAudioRawFrame, InputDTMFFrame
from pipecat.serializers.base_serializer import FrameSerializer
from starlette.websockets import WebSocketState

from voxgate.control.call.carriers import CarrierError
from voxgate.engine.ports import Keypress


def stream_event(text: str) -> dict[str, Any]:
    """A stream's text message as an event; {} for text that is not a JSON object (a carrier's
    malformed message must never raise mid-call)."""
    try:
        event = json.loads(text)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


async def caller_input(
    serializer: FrameSerializer, message: str | bytes
) -> bytes | Keypress | None:
    """What the caller sent in a carrier's message, decoded by the carrier's pipecat serializer:
    their audio (PCM at the leg's rate), a key they pressed, or None (any other message)."""
    try:
        frame = await serializer.deserialize(message)
    except (ValueError, TypeError, AttributeError) as error:
        # The serializers trust the shape of what they read (`{"dtmf": null}` is an
        # AttributeError, a bad base64 payload a ValueError): a malformed message is skipped,
        # never the end of the call.
        logger.warning(f"a malformed message on a carrier's stream was skipped: {error!r}")
        return None
    if isinstance(frame, InputAudioRawFrame):
        return frame.audio
    if isinstance(frame, InputDTMFFrame):
        return Keypress(frame.button.value)
    return None


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
