"""The `transferCall` tool at run time (VAPI-BEHAVIOUR §7.2.5), as a tool_calls.py handler.

The LLM names a destination (functions.py); a tool with one destination needs no name; with
none configured, or none named, the server is asked (`transfer-destination-request`). Then:

- an assistant of the call's squad: the words of destinations.py's `transfer_message` (its
  Liquid rendered over the call's variables) are said, and the call switches to that member,
  its history shaped by `transferMode` (history.py); the switch itself, with
  `transfer-update` and `assistant.started`, belongs to the squad's runtime;
- a phone number or SIP address, on a phone call: the same words, then a blind transfer by the
  carrier (`ToolContext.phone`, phone_call.py), which ends the call `assistant-forwarded-call`;
  a carrier's refusal is the tool's error. On a websocket call there is no carrier to move the
  caller: refused, the LLM is told so and the call goes on.

Every refusal (no such destination, the server's `error`, no reply) is the tool's error: the
tool's `request-failed` message is said if it has one, else the LLM reads why and answers the
caller (§7.2.4); the call goes on with the same assistant.
"""

from typing import Any

from loguru import logger

from voxgate.engine.tool_messages import language
from voxgate.engine.tool_types import Outcome, ToolContext
from voxgate.engine.transfers.asking import ask_transfer_destination
from voxgate.engine.transfers.destinations import (
    destination_name,
    find_destination,
    message_text,
    transfer_message,
)
from voxgate.engine.transfers.functions import transfer_destinations
from voxgate.engine.transfers.replies import Refused, TransferTo
from voxgate.engine.variables import render_text

NO_TELEPHONY = (
    "Transfers to phone numbers and SIP addresses need a phone call, and this call is not one, "
    "so it was not transferred."
)
NO_SQUAD = "This call has no other assistant to transfer to, so it was not transferred."


async def _destination(
    tool: dict[str, Any], arguments: dict[str, Any], context: ToolContext
) -> TransferTo | Refused:
    destinations = transfer_destinations(tool)
    name = arguments.get("destination")
    if name in (None, "") and len(destinations) == 1:
        return TransferTo(destinations[0])  # the only one, whether the model named it or not
    if name in (None, "") or not destinations:  # "invoked with no destination" (§5.2)
        return await ask_transfer_destination(context.conversation.server, tool)
    found = find_destination(destinations, name)
    if found is None:
        names = ", ".join(str(destination_name(d)) for d in destinations)
        return Refused(f"There is no destination {name!r}; the destinations are: {names}.")
    return TransferTo(found)


def _words(chosen: TransferTo, tool: dict[str, Any], context: ToolContext) -> str:
    """What is said first: the server's reply's message, else the destination's, with the
    call's variables filled in as for any tool message (§2.3)."""
    lang = language(context.assistant)
    said = message_text(chosen.message, lang)
    words = said if said is not None else transfer_message(chosen.destination, tool, lang)
    return render_text(words, context.conversation.variable_values)


async def _forward(chosen: TransferTo, tool: dict[str, Any], context: ToolContext) -> Outcome:
    """A number or SIP destination: the carrier takes the call, or the LLM hears why not."""
    destination, name = chosen.destination, destination_name(chosen.destination)
    if context.phone is None:
        logger.warning(f"transferCall to {destination.get('type')} {name!r}: not a phone call")
        return Outcome(error=NO_TELEPHONY)
    refused = await context.phone.forward(destination, _words(chosen, tool, context))
    if refused is not None:
        logger.warning(f"transferCall to {name!r} refused: {refused}")
        return Outcome(error=refused)
    return Outcome(result=f"Transferred the call to {name}.", run_llm=False, speaks=False)


async def transfer_call(
    tool: dict[str, Any], arguments: dict[str, Any], context: ToolContext
) -> Outcome:
    """Runs one `transferCall` call (the module's docstring says what happens)."""
    chosen = await _destination(tool, arguments, context)
    if isinstance(chosen, TransferTo) and chosen.destination.get("type") != "assistant":
        return await _forward(chosen, tool, context)
    switch = context.switch
    if isinstance(chosen, TransferTo) and (
        switch is None or not switch.reaches(chosen.destination)
    ):
        name = destination_name(chosen.destination)
        chosen = Refused(
            NO_SQUAD if switch is None else f"{name} is not an assistant of this call."
        )
    if isinstance(chosen, Refused):
        return Outcome(error=chosen.reason)
    assert switch is not None
    destination, function = chosen.destination, context.call.name
    await context.say(_words(chosen, tool, context))

    async def switched() -> None:
        await switch.switch_for(destination, transfer_function=function)

    # No new LLM turn: the next assistant speaks once the switch is made.
    return Outcome(
        result=f"Transferred the call to {destination_name(destination)}.",
        run_llm=False,
        speaks=False,
        after=switched,
    )
