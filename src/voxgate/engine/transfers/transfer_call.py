"""The `transferCall` tool at run time (VAPI-BEHAVIOUR §7.2.5).

The LLM names a destination (functions.py), or the tool has none and the server is asked
(`transfer-destination-request`). Then:

- an assistant of the call's squad: the destination's `message` is said (default "Transferring
  the call now", "" for none), and the call switches to that member, its history shaped by
  `transferMode` (history.py); the switch itself, with `transfer-update` and
  `assistant.started`, belongs to the squad's runtime and is handed in as `switch`;
- a phone number or SIP address: refused. Moving a call to the phone network needs a carrier,
  which this server does not have yet (issue 5); the LLM is told so and the call goes on.

Every refusal (no such destination, the server's `error`, no reply) is the tool's result: the
LLM hears why and answers the caller, and the call goes on with the same assistant.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from loguru import logger
from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.frames.frames import FunctionCallResultProperties, TTSSpeakFrame
from pipecat.services.llm_service import FunctionCallParams, LLMService

from voxgate.engine.conversation import Conversation
from voxgate.engine.transfers.asking import ask_transfer_destination
from voxgate.engine.transfers.destinations import (
    destination_name,
    find_destination,
    transfer_message,
)
from voxgate.engine.transfers.functions import (
    TRANSFER_CALL,
    function_name,
    transfer_destinations,
    transfer_function,
)
from voxgate.engine.transfers.replies import Refused, TransferTo

NO_TELEPHONY = (
    "Transfers to phone numbers and SIP addresses are not available on this server, so the "
    "call was not transferred."
)
NO_SQUAD = "This call has no other assistant to transfer to, so it was not transferred."

# The squad runtime's switch: (the assistant destination, the transfer function's name, for
# `transferMode`'s history) → None once it has switched, or why it could not.
Switch = Callable[[dict[str, Any], str], Awaitable[str | None]]


def transfer_tools(assistant: dict[str, Any]) -> list[dict[str, Any]]:
    model = assistant.get("model")
    tools = model.get("tools") if isinstance(model, dict) else None
    return [t for t in tools or [] if isinstance(t, dict) and t.get("type") == TRANSFER_CALL]


def transfer_functions(assistant: dict[str, Any]) -> list[FunctionSchema]:
    """The functions the assistant's `transferCall` tools offer the LLM."""
    return [transfer_function(tool) for tool in transfer_tools(assistant)]


class TransferCall:
    """Runs an assistant's `transferCall` tools for one call."""

    def __init__(
        self, assistant: dict[str, Any], conversation: Conversation, switch: Switch | None = None
    ) -> None:
        self._tools = {function_name(t): t for t in transfer_tools(assistant)}
        self._conversation = conversation
        self._switch = switch

    def attach(self, llm: LLMService[Any]) -> None:
        for name in self._tools:
            llm.register_function(name, self._called)

    async def _called(self, params: FunctionCallParams) -> None:
        tool = self._tools[params.function_name]
        arguments = dict(params.arguments)
        chosen = await self._destination(tool, arguments)
        if isinstance(chosen, TransferTo) and chosen.destination.get("type") != "assistant":
            logger.warning(
                f"transferCall to {chosen.destination.get('type')} "
                f"{destination_name(chosen.destination)!r} refused: no telephony"
            )
            chosen = Refused(NO_TELEPHONY)
        if isinstance(chosen, TransferTo) and self._switch is None:
            chosen = Refused(NO_SQUAD)
        if isinstance(chosen, Refused):
            await self._result(params, arguments, chosen.reason, run_llm=True)
            return
        destination = chosen.destination
        spoken = (
            chosen.message if chosen.message is not None else transfer_message(destination, tool)
        )
        if spoken:
            await params.llm.push_frame(TTSSpeakFrame(spoken))
        result = f"Transferred the call to {destination_name(destination)}."
        switch = self._switch
        assert switch is not None

        async def switched() -> None:
            # The call and its result are in the context now, so `transferMode` can see them.
            refusal = await switch(destination, params.function_name)
            if refusal is not None:
                logger.warning(f"transferCall to {destination_name(destination)!r}: {refusal}")

        await self._result(params, arguments, result, run_llm=False, then=switched)

    async def _destination(
        self, tool: dict[str, Any], arguments: dict[str, Any]
    ) -> TransferTo | Refused:
        destinations = transfer_destinations(tool)
        if not destinations:
            return await ask_transfer_destination(self._conversation.server, tool)
        name = arguments.get("destination")
        found = find_destination(destinations, name)
        if found is None:
            names = ", ".join(str(destination_name(d)) for d in destinations)
            return Refused(f"There is no destination {name!r}; the destinations are: {names}.")
        return TransferTo(found)

    async def _result(
        self,
        params: FunctionCallParams,
        arguments: dict[str, Any],
        result: str,
        *,
        run_llm: bool,
        then: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._conversation.tool_call(
            params.tool_call_id, params.function_name, json.dumps(arguments), result
        )
        properties = FunctionCallResultProperties(run_llm=run_llm, on_context_updated=then)
        # The result itself is the tool message's content (§7.2.4; pipecat JSON-encodes it).
        await params.result_callback(result, properties=properties)
