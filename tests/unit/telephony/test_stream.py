"""TwilioLeg reading its media stream: audio through pipecat's serializer, Twilio's `stop`, and
text that is not an event, which must not break the call."""

import base64
import json
from typing import Any

from starlette.websockets import WebSocketState

from voxgate.telephony.twilio.client import TwilioRest
from voxgate.telephony.twilio.stream import TwilioLeg


class _Stream:
    """The websocket side TwilioLeg reads: frames queued in advance."""

    application_state = WebSocketState.CONNECTED

    def __init__(self, frames: list[str]) -> None:
        self.frames = frames

    async def receive_text(self) -> str:
        return self.frames.pop(0)


def media(payload: bytes) -> str:
    event = {
        "event": "media",
        "streamSid": "MZ1",
        "media": {"payload": base64.b64encode(payload).decode()},
    }
    return json.dumps(event)


async def test_malformed_frames_are_skipped_and_stop_ends_the_stream() -> None:
    frames = ['{"event": "stop" oops', '["mark"]', "not json at all", media(b"\xff" * 160),
              json.dumps({"event": "stop", "streamSid": "MZ1"})]  # fmt: skip
    stream: Any = _Stream(frames)
    leg = TwilioLeg(stream, TwilioRest({}), "CA1", "MZ1")
    audio = await leg.receive()
    assert isinstance(audio, bytes) and len(audio) == 320  # 20 ms of 8 kHz PCM
    assert await leg.receive() is None and leg.stopped
