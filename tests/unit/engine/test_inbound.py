"""Live-control messages: what each asks of a live call, and why junk is refused."""

import json

import pytest
from pipecat.frames.frames import LLMMessagesAppendFrame, TTSSpeakFrame

from voxgate.engine.inbound import (
    HANG_UP,
    HandOff,
    Refused,
    SayThenHangUp,
    Transfer,
    interpret,
)


@pytest.mark.parametrize("kind", ["end-call", "hangup"])
def test_hanging_up(kind: str) -> None:
    assert interpret(f'{{"type": "{kind}"}}') == HANG_UP


@pytest.mark.parametrize("field", ["content", "message"])  # the spec's name, the web SDK's
def test_say_takes_the_text_from_either_field(field: str) -> None:
    [frame] = interpret(f'{{"type": "say", "{field}": "Hello there"}}')
    assert isinstance(frame, TTSSpeakFrame) and frame.text == "Hello there"


def test_say_can_end_the_call_after_it_is_spoken() -> None:
    asked = interpret('{"type": "say", "content": "Bye now", "endCallAfterSpoken": true}')
    assert asked == SayThenHangUp("Bye now")


def test_add_message_answers_unless_told_not_to() -> None:
    body = '{"type": "add-message", "message": {"role": "user", "content": "Hi"}'
    [answered] = interpret(body + "}")
    [silent] = interpret(body + ', "triggerResponseEnabled": false}')
    assert isinstance(answered, LLMMessagesAppendFrame) and answered.run_llm is True
    assert answered.messages == [{"role": "user", "content": "Hi"}]
    assert isinstance(silent, LLMMessagesAppendFrame) and silent.run_llm is False


@pytest.mark.parametrize("control", ["mute-assistant", "unmute-customer", "say-first-message"])
def test_control_names_what_to_do(control: str) -> None:
    assert interpret(f'{{"type": "control", "control": "{control}"}}') == control


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"type": "say"}',
        '{"type": "say", "content": "   "}',
        '{"type": "add-message", "message": {"role": "robot", "content": "x"}}',
        '{"type": "add-message", "message": {"role": "user", "content": 3}}',
        '{"type": "transfer", "destination": {}}',
        '{"type": "control", "control": "self-destruct"}',
        '{"type": "control", "control": ["mute-assistant"]}',
    ],
)
def test_anything_else_is_refused_with_a_reason(text: str) -> None:
    refused = interpret(text)
    assert isinstance(refused, Refused) and refused.reason.endswith(".")


def test_transfer_needs_a_number_or_sip_and_handoff_needs_an_assistant_destination() -> None:
    refused = interpret('{"type": "transfer", "destination": {"type": "number"}}')
    assert isinstance(refused, Refused) and "`sipUri`" in refused.reason
    desk = {"type": "number", "number": "+14155550100", "message": "Putting you through."}
    assert interpret(json.dumps({"type": "transfer", "destination": desk})) == Transfer(
        desk, "Putting you through."
    )
    sip = {"type": "sip", "sipUri": "sip:desk@example.com"}
    message = {"type": "transfer", "destination": sip, "content": "One moment."}
    assert interpret(json.dumps(message)) == Transfer(sip, "One moment.")
    refused = interpret('{"type": "handoff", "destination": {"type": "dynamic"}}')
    assert isinstance(refused, Refused) and "assistant destination" in refused.reason
    billing = {"type": "assistant", "assistantName": "Billing"}
    message = {"type": "handoff", "destination": billing, "content": "Over to billing."}
    assert interpret(json.dumps(message)) == HandOff(billing, "Over to billing.")
    assert interpret(json.dumps({**message, "content": " "})) == HandOff(billing)
