"""The `dtmf` tool (VAPI-BEHAVIOUR §7.2.5): the LLM presses keys on the phone's keypad, to find
its way through a phone menu or enter a number it was asked for. It is offered as the function
`dtmf` with one argument, `keys` (Vapi's name: `{"keys": "1w2#"}`), and its handler plays the
tones into the call (`ToolContext.phone`, phone_call.py), after whatever is already being said;
the call's recordings and its listen URL carry them too, where the line did.

Tones exist only on a phone call (Vapi's docs: web and websocket calls neither send nor
receive them), so on a websocket call the tool is the LLM's error. `sipInfoDtmfEnabled` asks for
SIP INFO instead of in-band tones, which a carrier's media stream cannot send; tones are played.
"""

from typing import Any

from pipecat.adapters.llm.schemas.function_schema import FunctionSchema

from voxgate.engine.phone_call import KEYS, PAUSES
from voxgate.engine.tool_types import Outcome, ToolContext

DTMF = "dtmf"
NOT_A_PHONE_CALL = "Keypad tones need a phone call, and this call is not one: nothing was pressed."
SCHEMA = FunctionSchema(
    name=DTMF,
    description=(
        "Press keys on the phone keypad, e.g. to choose an option of a phone menu or enter a "
        "number it asks for. Wait until the menu has finished speaking."
    ),
    properties={
        "keys": {
            "type": "string",
            "description": "The keys to press, in order: 0-9, * and #; w waits half a second "
            "and W a second between keys (e.g. 1w2w3#).",
        }
    },
    required=["keys"],
)


def function_schema(_tool: dict[str, Any]) -> FunctionSchema:
    return SCHEMA


async def press_keys(
    tool: dict[str, Any], arguments: dict[str, Any], context: ToolContext
) -> Outcome:
    """The `dtmf` tool's handler (tool_calls.py runs it)."""
    keys = arguments.get("keys")
    if not isinstance(keys, str) or not keys.strip():
        return Outcome(error="`keys` must name the keys to press, e.g. 1w2#.")
    keys = keys.strip()
    wrong = sorted({key for key in keys if key not in KEYS and key not in PAUSES})
    if wrong:
        return Outcome(error=f"Not keypad keys: {' '.join(wrong)}. Use 0-9, *, # and w or W.")
    if context.phone is None:
        return Outcome(error=NOT_A_PHONE_CALL)
    await context.phone.press(keys)
    return Outcome(result=f"Pressed {keys}.")
