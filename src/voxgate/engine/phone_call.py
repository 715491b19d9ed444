"""What only a phone call can do, over the carrier's `PhoneLine` (ports.py): a blind transfer to a
number or SIP address (VAPI-BEHAVIOUR §7.2.5; the `transferCall` tool and the control URL's
`transfer` both come here) and keypad tones (the `dtmf` tool).

A transfer says its words and waits until they have been written to the line (the carrier then
plays what it holds before taking the call), moves the call to `forwarding` (stored, and a
`status-update` with the destination), asks the carrier, and on success stores `destination`,
sends `transfer-update` and ends the call with `assistant-forwarded-call`; the leg knows it was
transferred and does not hang up. The destination's `callerId` is Liquid over the call's
variables (§2.3; Vapi's docs suggest `{{customer.number}}` or `{{phoneNumber.number}}`): the
carrier, the stored `destination` and the messages get it rendered, and one that renders empty
leaves the carrier's default. So does `transferPlan.message`, what a warm transfer's destination
hears first (Twilio's whisper, twiml.py): a message object becomes its words. In the summary
modes, on a line that whispers (`PhoneLine.whispers`), it becomes a summary of the call so far
instead: post-call analysis's summary (its prompts, the plan's `summaryPlan`), asked of the
assistant's LLM while the caller hears the transfer's words; no summary (disabled, failed, timed
out) leaves the plan's message. The media stream stopping meanwhile is the transfer's doing, not
the caller leaving. A refusal puts the call back `in-progress` and the caller stays.

Keypad tones are pipecat's own tone recordings (those its output transport writes for an
`OutputDTMFFrame`), queued as plain audio after what is already queued; pauses are silence. An
`OutputDTMFFrame`'s tone goes to the line only, whereas audio the output transport writes
also goes on down the pipeline, so the recordings and the listen tap hold the tones where the
line carried them.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.audio.dtmf.utils import load_dtmf_audio
from pipecat.frames.frames import Frame, OutputAudioRawFrame, TTSSpeakFrame
from pipecat.pipeline.worker import PipelineWorker

from voxgate.engine.analysis import analyze
from voxgate.engine.conversation import Conversation
from voxgate.engine.ports import CallStore, PhoneLine, TransferFailed
from voxgate.engine.tool_messages import text_of
from voxgate.engine.transport import Written
from voxgate.engine.variables import render_text

FORWARDED = "assistant-forwarded-call"
CUSTOMER_ENDED = "customer-ended-call"
PAUSES = {"w": 0.5, "W": 1.0}  # Twilio's and Vapi's pause characters, in seconds
KEYS = frozenset(entry.value for entry in KeypadEntry)
SUMMARIZED = (
    "warm-transfer-say-summary",
    "warm-transfer-wait-for-operator-to-speak-first-and-then-say-summary",
)
_RATE = 8000  # the tone recordings' own; the output transport resamples to the line's
# A transfer's words not written by then (a stuck voice) no longer hold the transfer up.
_WRITTEN_LIMIT_SECONDS = 30.0


class PhoneCall:
    """One phone call's transfer and keypad, for its tools and live control."""

    def __init__(
        self,
        line: PhoneLine,
        store: CallStore,
        conversation: Conversation,
        end: Callable[[str], Awaitable[None]],
        worker: Callable[[], PipelineWorker | None],
        assistant: Callable[[], dict[str, Any]] = dict,
    ) -> None:
        """`end` ends the call with a reason; `worker` is the running pipeline (None until
        the call talks); `assistant` the assistant that has the call (its LLM summarizes)."""
        self._line, self._store, self._conversation = line, store, conversation
        self._assistant = assistant
        self._end, self._worker = end, worker
        self.forwarding = False  # a transfer is under way
        self._caller_left = False

    def explains_hang_up(self) -> bool:
        """The line went quiet: True when a transfer under way explains it (the transfer then
        decides how the call ends)."""
        if self.forwarding:
            self._caller_left = True
        return self.forwarding

    async def _play(self, frames: list[Frame]) -> None:
        """Queues `frames` and returns once they have been written to the line."""
        worker = self._worker()
        if worker is None:
            return
        written = Written()
        await worker.queue_frames([*frames, written])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(written.reached.wait(), _WRITTEN_LIMIT_SECONDS)

    async def forward(self, destination: dict[str, Any], message: str) -> str | None:
        destination = self._dialled(destination)
        if self.forwarding:
            return "The call is being transferred already."
        plan = destination.get("transferPlan")
        summary = None
        if self._line.whispers and isinstance(plan, dict) and plan.get("mode") in SUMMARIZED:
            summary = asyncio.create_task(self._summary(plan))
        if message.strip():
            said = TTSSpeakFrame(message)
            said.interruptible = False  # the caller is being moved: talking over it changes nothing
            await self._play([said])
        if isinstance(plan, dict) and summary is not None and (words := await summary):
            destination = {**destination, "transferPlan": {**plan, "message": words}}
        self.forwarding = True
        await self._status("forwarding", destination=destination)
        try:
            await self._line.transfer(destination)
        except TransferFailed as error:
            self.forwarding = False
            if self._caller_left:  # gone while the carrier refused: nobody is left to tell
                await self._end(CUSTOMER_ENDED)
            else:
                await self._status("in-progress")
            return f"The call could not be transferred: {error}"
        await self._store.update({"destination": destination})
        await self._conversation.send("transfer-update", destination=destination)
        await self._end(FORWARDED)
        return None

    def _dialled(self, destination: dict[str, Any]) -> dict[str, Any]:
        """The destination with its `callerId` and `transferPlan.message` rendered (the
        module's docstring says why)."""
        values = self._conversation.variable_values
        caller_id = destination.get("callerId")
        if isinstance(caller_id, str) and "{" in caller_id:
            destination = {**destination, "callerId": render_text(caller_id, values).strip()}
        plan = destination.get("transferPlan")
        message = plan.get("message") if isinstance(plan, dict) else None
        if isinstance(message, dict):
            message = text_of(message, None)
        if isinstance(plan, dict) and isinstance(message, str):
            plan = {**plan, "message": render_text(message, values).strip()}
            destination = {**destination, "transferPlan": plan}
        return destination

    async def _summary(self, plan: dict[str, Any]) -> str | None:
        summary_plan = plan.get("summaryPlan")
        only = {
            "summaryPlan": summary_plan if isinstance(summary_plan, dict) else {},
            "minMessagesThreshold": 0,
            "structuredDataPlan": {"enabled": False},
            "successEvaluationPlan": {"enabled": False},
        }
        assistant = {**self._assistant(), "analysisPlan": only}
        analysis = await analyze(assistant, self._conversation.artifact(), FORWARDED)
        summary = analysis.get("summary")
        return summary if isinstance(summary, str) else None

    async def _status(self, status: str, **fields: Any) -> None:
        await self._store.update({"status": status})
        await self._conversation.send("status-update", status=status, **fields)

    async def press(self, keys: str) -> None:
        frames: list[Frame] = []
        for key in keys:
            if key in PAUSES:
                frames.append(OutputAudioRawFrame(bytes(int(_RATE * PAUSES[key]) * 2), _RATE, 1))
            elif key in KEYS:
                tone = await load_dtmf_audio(KeypadEntry(key), sample_rate=_RATE)
                frames.append(OutputAudioRawFrame(tone, _RATE, 1))
        if frames:
            await self._play(frames)
