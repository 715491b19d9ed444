"""The `voicemail` tool (VAPI-BEHAVIOUR §7.1): the LLM decides it has reached a voicemail
greeting or an answering machine, calls the tool, and the assistant leaves its message and hangs
up (`voicemail`). The model does the detecting, so it works on every transport: a websocket call,
and Telnyx and Vonage numbers, which have no answering-machine detection here.

What is left, as Vapi's docs map it (its dashboard's three modes):
- the tool's `request-start` message, its "custom script" (conditions on the arguments and the
  language's variant as for any tool message, Liquid over the call's variables);
- else the assistant's `voicemailMessage` (rendered when the call started);
- else nothing: the call just ends.
The handler speaks it, not the dispatcher as a start message (tool_calls.py skips it): it cannot
be interrupted, so the greeting's last words or its beep do not cut it off, and the call ends
once it has been heard. No new LLM turn follows.

The LLM is offered `leave_voicemail` (the name Vapi's docs give it) with no arguments; the tool's
`function` (unpublished, but in every example of Vapi's docs) renames it, or describes it, or
gives it parameters for the script's conditions. `beepDetectionEnabled` (Vapi: Twilio's beep
detection, on Twilio calls) is not honoured: the message starts as soon as the LLM calls the
tool.
"""

from typing import Any

from pipecat.adapters.llm.schemas.function_schema import FunctionSchema

from voxgate.engine import tool_messages
from voxgate.engine.tool_types import Outcome, ToolContext

VOICEMAIL = "voicemail"  # the tool's type and the call's endedReason
DEFAULT_NAME = "leave_voicemail"
DESCRIPTION = (
    "Leave a voicemail and hang up. Call it only once you are sure a recording answered, not a "
    "person: a greeting that says nobody can take the call, asks you to leave a message, or "
    "mentions a tone or beep. Say nothing else before or after calling it."
)


def function_schema(tool: dict[str, Any]) -> FunctionSchema:
    function = tool.get("function")
    function = function if isinstance(function, dict) else {}
    name, description = function.get("name"), function.get("description")
    parameters = function.get("parameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    properties, required = parameters.get("properties"), parameters.get("required")
    return FunctionSchema(
        name=name if isinstance(name, str) and name else DEFAULT_NAME,
        description=description if isinstance(description, str) and description else DESCRIPTION,
        properties=properties if isinstance(properties, dict) else {},
        required=[r for r in required if isinstance(r, str)] if isinstance(required, list) else [],
    )


def _script(tool: dict[str, Any], arguments: dict[str, Any], context: ToolContext) -> str | None:
    """The tool's own message (its first `request-start` that applies), rendered."""
    found = tool_messages.find(tool, "request-start", arguments)
    if not found:
        return None
    lang, values = tool_messages.language(context.assistant), context.conversation.variable_values
    return tool_messages.rendered_text(found[0], lang, values).strip() or None


def _assistant_message(assistant: dict[str, Any]) -> str | None:
    message = assistant.get("voicemailMessage")
    return message if isinstance(message, str) and message.strip() else None


async def leave_voicemail(
    tool: dict[str, Any], arguments: dict[str, Any], context: ToolContext
) -> Outcome:
    """The `voicemail` tool's handler (tool_calls.py runs it)."""
    message = _script(tool, arguments, context) or _assistant_message(context.assistant)

    async def hang_up() -> None:
        await context.end_after_speaking(VOICEMAIL, message)

    result = "Leaving the voicemail; the call is ending." if message else "The call is ending."
    return Outcome(result=result, run_llm=False, speaks=False, after=hang_up)
