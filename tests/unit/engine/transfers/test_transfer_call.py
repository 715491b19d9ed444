"""The `transferCall` handler as tool_calls.py runs it: what the LLM is told, what is said, and
what the server is asked."""

from typing import Any

from tests.unit.engine.transfers.test_asking import Port
from voxgate.engine.conversation import Conversation
from voxgate.engine.tool_types import Outcome, ToolCall, ToolContext, Turn
from voxgate.engine.transfers.replies import NO_ANSWER
from voxgate.engine.transfers.transfer_call import NO_SQUAD, NO_TELEPHONY, transfer_call

DESK = {"type": "number", "number": "+14155550100"}
SIP = {"type": "sip", "sipUri": "sip:desk@example.com"}
BILLING = {"type": "assistant", "assistantName": "Billing"}


class Sink:
    async def send_text(self, text: str) -> None:
        pass


class Call:
    """A ToolContext over a scripted server; keeps what was said."""

    def __init__(self, reply: dict[str, Any] | None = None) -> None:
        self.port = Port(reply)
        self.said: list[str] = []

    async def say(self, text: str) -> None:
        self.said.append(text)

    async def end(self, reason: str, text: str | None) -> None:
        raise AssertionError("a transfer never ends the call")

    async def run(self, tool: dict[str, Any], arguments: dict[str, Any]) -> Outcome:
        conversation = Conversation(Sink(), None, self.port, None)
        call = ToolCall("call_1", "transferCall", arguments, tool)
        context = ToolContext(call, Turn([call]), conversation, {}, self.say, self.end)
        return await transfer_call(tool, arguments, context)


async def test_numbers_and_sip_are_refused_without_a_word() -> None:
    call = Call()
    tool = {"type": "transferCall", "destinations": [DESK, SIP]}
    for name in (DESK["number"], SIP["sipUri"]):
        outcome = await call.run(tool, {"destination": name})
        assert outcome.error == NO_TELEPHONY
    assert call.said == [] and call.port.asked == []


async def test_an_unknown_destination_lists_the_right_ones() -> None:
    outcome = await Call().run(
        {"type": "transferCall", "destinations": [DESK]}, {"destination": "x"}
    )
    assert outcome.error == "There is no destination 'x'; the destinations are: +14155550100."


async def test_no_destination_asks_the_server() -> None:
    call = Call({"error": "Closed."})
    assert (await call.run({"type": "transferCall"}, {})).error == "Closed."
    assert call.port.asked[0][0]["type"] == "transfer-destination-request"
    assert (await Call(None).run({"type": "transferCall"}, {})).error == NO_ANSWER
    number = await Call({"destination": DESK}).run({"type": "transferCall"}, {})
    assert number.error == NO_TELEPHONY


async def test_an_assistant_without_a_squad_to_switch_in_is_refused() -> None:
    tool = {"type": "transferCall", "destinations": [BILLING]}
    outcome = await Call().run(tool, {"destination": "Billing"})
    assert outcome.error == NO_SQUAD
