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

    def __init__(
        self,
        reply: dict[str, Any] | None = None,
        phone: "Phone | None" = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        self.port = Port(reply)
        self.said: list[str] = []
        self.phone = phone
        self.values = values or {}  # the call's variables

    async def say(self, text: str) -> None:
        self.said.append(text)

    async def end(self, reason: str, text: str | None) -> None:
        raise AssertionError("a transfer never ends the call")

    async def run(self, tool: dict[str, Any], arguments: dict[str, Any]) -> Outcome:
        conversation = Conversation(Sink(), None, self.port, None)
        conversation.variable_values = self.values
        call = ToolCall("call_1", "transferCall", arguments, tool)
        context = ToolContext(
            call, Turn([call]), conversation, {}, self.say, self.end, phone=self.phone
        )
        return await transfer_call(tool, arguments, context)


async def test_numbers_and_sip_are_refused_without_a_word() -> None:
    call = Call()
    tool = {"type": "transferCall", "destinations": [DESK, SIP]}
    for name in (DESK["number"], SIP["sipUri"]):
        outcome = await call.run(tool, {"destination": name})
        assert outcome.error == NO_TELEPHONY
    assert call.said == [] and call.port.asked == []


class Phone:
    """A phone call's line: keeps what it was asked to forward; `refusal` is its answer."""

    def __init__(self, refusal: str | None = None) -> None:
        self.refusal = refusal
        self.forwarded: list[tuple[dict[str, Any], str]] = []

    async def forward(self, destination: dict[str, Any], message: str) -> str | None:
        self.forwarded.append((destination, message))
        return self.refusal

    async def press(self, keys: str) -> None:
        raise AssertionError("a transfer presses no keys")


async def test_on_a_phone_call_numbers_and_sip_are_forwarded_with_their_words() -> None:
    phone = Phone()
    sip = {**SIP, "message": "Hold on."}
    tool = {"type": "transferCall", "destinations": [DESK, sip]}
    desk = await Call(phone=phone).run(tool, {"destination": DESK["number"]})
    assert (desk.result, desk.run_llm) == ("Transferred the call to +14155550100.", False)
    await Call(phone=phone).run(tool, {"destination": SIP["sipUri"]})
    assert phone.forwarded == [(DESK, "Transferring the call now"), (sip, "Hold on.")]
    refused = await Call(phone=Phone("Busy.")).run(tool, {"destination": DESK["number"]})
    assert refused.error == "Busy." and refused.run_llm is None  # the LLM answers the caller


CALLER = {"customer": {"number": "+15550100", "name": "Ann"}, "team": "billing"}


async def test_the_words_said_before_a_transfer_carry_the_calls_variables() -> None:
    phone = Phone()
    desk = {**DESK, "message": "Putting you through to {{ team }}, {{ customer.name }}."}
    await Call(phone=phone, values=CALLER).run({"type": "transferCall", "destinations": [desk]}, {})
    assert phone.forwarded[0][1] == "Putting you through to billing, Ann."
    call = Call({"destination": BILLING, "message": "Hold on {{ customer.name }}."}, values=CALLER)
    await in_squad(call, {"type": "transferCall"}, {})
    localized = {"contents": [{"type": "text", "text": "To {{ team | upcase }}{{ x }}."}]}
    variant = Call(values=CALLER)
    tool = {"type": "transferCall", "destinations": [{**BILLING, "message": localized}]}
    await in_squad(variant, tool, {})
    assert call.said == ["Hold on Ann."] and variant.said == ["To BILLING."]


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


class Squad:
    """The tools' Switch: reaches Billing only; keeps each switch asked for."""

    def __init__(self) -> None:
        self.switched: list[tuple[dict[str, Any], str | None]] = []

    def reaches(self, destination: dict[str, Any]) -> bool:
        return destination.get("assistantName") == "Billing"

    async def switch_for(
        self,
        destination: dict[str, Any],
        *,
        variables: dict[str, Any] | None = None,
        transfer_function: str | None = None,
    ) -> bool:
        self.switched.append((destination, transfer_function))
        return True


async def in_squad(
    call: Call, tool: dict[str, Any], arguments: dict[str, Any]
) -> tuple[Outcome, Squad]:
    squad = Squad()
    conversation = Conversation(Sink(), None, call.port, None)
    conversation.variable_values = call.values
    tool_call = ToolCall("call_1", "transferCall", arguments, tool)
    context = ToolContext(tool_call, Turn([tool_call]), conversation, {}, call.say, call.end, squad)
    outcome = await transfer_call(tool, arguments, context)
    if outcome.after is not None:
        await outcome.after()
    return outcome, squad


async def test_a_member_is_announced_then_switched_to_without_a_new_llm_turn() -> None:
    call = Call()
    tool = {"type": "transferCall", "destinations": [BILLING, {**BILLING, "assistantName": "Bob"}]}
    outcome, squad = await in_squad(call, tool, {"destination": "Billing"})
    assert outcome.error is None and outcome.run_llm is False and outcome.speaks is False
    assert call.said == ["Transferring the call now"]
    assert squad.switched == [(BILLING, "transferCall")]
    bob, squad = await in_squad(Call(), tool, {"destination": "Bob"})
    assert bob.error == "Bob is not an assistant of this call." and squad.switched == []


async def test_the_server_s_message_is_said_instead() -> None:
    call = Call({"destination": {**BILLING, "message": "Unused."}, "message": "Hold on."})
    outcome, _squad = await in_squad(call, {"type": "transferCall"}, {})
    assert outcome.result == "Transferred the call to Billing." and call.said == ["Hold on."]


async def test_no_name_takes_the_only_destination_or_asks_the_server() -> None:
    call = Call()
    only = await call.run({"type": "transferCall", "destinations": [DESK]}, {})
    assert only.error == NO_TELEPHONY and call.port.asked == []  # it was the desk's number
    call = Call({"error": "Pick one yourself."})
    tool = {"type": "transferCall", "destinations": [DESK, SIP]}
    assert (await call.run(tool, {"destination": ""})).error == "Pick one yourself."
    assert call.port.asked[0][0]["type"] == "transfer-destination-request"
