"""Voicemail detection by the carrier that places the call, for every carrier.

An assistant's `voicemailDetection` with `provider: "twilio"` (Vapi's TwilioVoicemailDetectionPlan)
asks for the carrier's own answering-machine detection: Twilio's asynchronous AMD (twilio/),
Telnyx's `answering_machine_detection` (telnyx/), Vonage's `advanced_machine_detection`
(vonage/). Each carrier's verdict is read into Twilio's `AnsweredBy` words, the ones
`voicemailDetectionTypes` is written in, so the plan means the same whoever carries the call: a
verdict it lists makes the running session leave `voicemailMessage`, if any, and end with
`voicemail`; any other verdict (a human) changes nothing. A verdict posted to a process that
does not run the call goes over the bus to the one that does (control/call/bus.py).
"""

from typing import Any

from voxgate.control.call import bus
from voxgate.control.call.carriers import Document
from voxgate.control.call.registry import LiveCall, live_sessions
from voxgate.control.call.unrun import first_assistant

# Twilio's AnsweredBy values: who answered, and (a machine) how its greeting ended.
HUMAN, UNKNOWN, MACHINE = "human", "unknown", "machine_start"  # machine: greeting still going
BEEP, SILENCE, OTHER = "machine_end_beep", "machine_end_silence", "machine_end_other"
VOICEMAIL = (BEEP, SILENCE)  # TwilioVoicemailDetectionPlan's default voicemailDetectionTypes
RELAYED = "answered-by"  # the bus's kind for a verdict posted to a process not running the call

# The plan's tuning: timeout in seconds, the rest in milliseconds (as Twilio takes them).
TUNING = (
    "machineDetectionTimeout",
    "machineDetectionSpeechThreshold",
    "machineDetectionSpeechEndThreshold",
    "machineDetectionSilenceTimeout",
)


def plan_of(assistant: Document) -> Document | None:
    """The assistant's voicemail detection when the carrier is to do it, else None."""
    plan = assistant.get("voicemailDetection")
    if not isinstance(plan, dict) or plan.get("provider") != "twilio":
        return None
    return plan if plan.get("enabled", True) is not False else None


async def call_plan(call: Document) -> Document | None:
    """The plan of the assistant that would start `call` (rendered: `orgId` set), read now."""
    return plan_of(await first_assistant(call) or {})


def tuning(plan: Document) -> dict[str, Any]:
    """The plan's tuning fields that are set (numbers), by their Vapi names."""
    return {field: plan[field] for field in TUNING if isinstance(plan.get(field), int | float)}


async def answered_by(call_id: str, verdict: str) -> None:
    """A carrier's verdict, in AnsweredBy's words, about the call `call_id` runs: one the plan
    lists leaves the message and ends the call. A call no process runs is left alone."""
    payload = {"verdict": verdict}
    live = live_sessions.get(call_id)
    if live is not None:
        await _apply(live, payload)
    else:  # posted to a process other than the one running the call
        await bus.relay(call_id, RELAYED, payload)


async def _apply(live: LiveCall, payload: dict[str, Any]) -> None:
    """The verdict, applied by the process running the call."""
    plan = plan_of(live.session.assistant) or {}
    if payload.get("verdict") in (plan.get("voicemailDetectionTypes") or VOICEMAIL):
        message = live.session.assistant.get("voicemailMessage") or None
        await live.session.end_after_speaking("voicemail", message)


bus.relayable(RELAYED, _apply)
