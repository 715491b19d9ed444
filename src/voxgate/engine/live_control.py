"""`LiveControl`: a running call carrying out live-control messages (VAPI-BEHAVIOUR §5), from
the client's socket or the control URL. `inbound.py` says what a message asks for; this module
does it, with the session's ways to end the call and its switchboard (the active assistant's
greeter, the worker, a handoff's switch)."""

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pipecat.frames.frames import TTSSpeakFrame

from voxgate.engine.inbound import (
    HANG_UP,
    HandOff,
    Refused,
    SayThenHangUp,
    Transfer,
    interpret_message,
)
from voxgate.engine.switchboard import Switchboard
from voxgate.engine.tool_types import EndAfterSpeaking, Phone
from voxgate.engine.transport import SocketTransport

CUSTOMER_ENDED = "customer-ended-call"
CANCELED = "manually-canceled"  # `end-call` through the control URL
SAID_THEN_ENDED = "assistant-ended-call-after-message-spoken"  # `say` with endCallAfterSpoken
NOT_A_PHONE_CALL = "`transfer` moves a phone call to another number; this call is not one."


class LiveControl:
    def __init__(
        self,
        switchboard: Switchboard,
        end: Callable[[str], Awaitable[None]],
        end_after_speaking: EndAfterSpeaking,
        ended: Callable[[], bool],
        phone: Phone | None = None,
    ) -> None:
        """`ended` says whether the call has an ended reason already; `phone` is a phone
        call's transfer (None: not a phone call)."""
        self._switchboard, self._end, self._end_after_speaking = (
            switchboard,
            end,
            end_after_speaking,
        )
        self._ended = ended
        self._phone = phone
        self.transport: SocketTransport | None = None  # set once the call runs: its mutes

    async def handle(
        self, message: dict[str, Any], *, source: Literal["client", "control"]
    ) -> str | None:
        """Carries out a live-control message; returns why it was refused, or None. `end-call`
        is the customer hanging up from the client, a cancellation from the control URL."""
        asked = interpret_message(message)
        if isinstance(asked, Refused):
            return asked.reason
        if self._ended():
            return "The call is ending."
        if isinstance(asked, Transfer) and self._phone is None:
            return NOT_A_PHONE_CALL
        worker = self._switchboard.worker
        if worker is None and asked != HANG_UP:
            return "The call is still starting; try again in a moment."
        if asked == HANG_UP:
            await self._end(CUSTOMER_ENDED if source == "client" else CANCELED)
        elif isinstance(asked, str):
            await self._control(asked)
        elif isinstance(asked, SayThenHangUp):
            await self._end_after_speaking(SAID_THEN_ENDED, asked.text)
        elif isinstance(asked, HandOff):
            return await self._hand_off(asked)
        elif isinstance(asked, Transfer):
            assert self._phone is not None  # refused above otherwise
            return await self._phone.forward(asked.destination, asked.content)
        elif asked and worker is not None:
            await worker.queue_frames(asked)
        return None

    async def _control(self, control: str) -> None:
        """A `control` message (inbound.CONTROLS)."""
        transport, worker = self.transport, self._switchboard.worker
        if transport is None or worker is None:
            return
        if control in ("mute-assistant", "unmute-assistant"):
            transport.assistant_muted = control == "mute-assistant"
        elif control in ("mute-customer", "unmute-customer"):
            transport.customer_muted = control == "mute-customer"
        elif control == "say-first-message":
            await self._switchboard.greeter.say_first_message(worker)

    async def _hand_off(self, asked: HandOff) -> str | None:
        """A `handoff` control message: to an assistant of this call (resolved at connect, as
        every one is), `content` said first; why not, otherwise."""
        switchboard = self._switchboard
        if not switchboard.reaches(asked.destination):
            name = asked.destination.get("assistantName") or asked.destination.get("assistantId")
            return f"{name or 'That destination'} is not an assistant of this call."
        if asked.content and switchboard.worker is not None:
            await switchboard.worker.queue_frame(TTSSpeakFrame(asked.content))
        if not await switchboard.switch_for(asked.destination):
            return "The call cannot change assistants now."
        return None
