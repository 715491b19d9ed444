"""What the next assistant's LLM sees after a legacy transfer: `transferMode` (§8, Vapi's
`TransferDestinationAssistant.transferMode`), applied to the conversation in OpenAI's form.

The input is the whole conversation as the LLM saw it, its system prompt first (the engine
keeps the prompt as the service's `system_instruction`, so the caller puts it back in front);
the output is the whole conversation the next LLM turn should see:

- `rolling-history` (the default): everything, then the new system prompt;
- `swap-system-message-in-history`: the original system prompt (the leading system message)
  replaced by the new one; system messages later in the conversation stay;
- `swap-system-message-in-history-and-remove-transfer-tool-messages`: that, and the transfer
  function's call and result taken out;
- `delete-history`: the new system prompt alone.

The destination's spoken `message` is already in the history as the assistant's last turn; the
new assistant's first message comes after, from the switch.
"""

from collections.abc import Callable
from typing import Any

ROLLING = "rolling-history"
SWAP = "swap-system-message-in-history"
SWAP_AND_REMOVE = "swap-system-message-in-history-and-remove-transfer-tool-messages"
DELETE = "delete-history"
TRANSFER_MODES = (ROLLING, SWAP, SWAP_AND_REMOVE, DELETE)

Message = Any  # an OpenAI-form dict; anything else (a provider-specific message) passes through


def _is_system(message: Message) -> bool:
    return isinstance(message, dict) and message.get("role") == "system"


def _system(prompt: str) -> dict[str, Any]:
    return {"role": "system", "content": prompt}


def transfer_mode(destination: dict[str, Any]) -> str:
    """The destination's mode; an unknown or missing one is the default."""
    mode = destination.get("transferMode")
    return mode if mode in TRANSFER_MODES else ROLLING


def without_tool_calls(messages: list[Message], function: str) -> list[Message]:
    """The conversation without the calls of `function` and their results. An assistant message
    left with neither text nor other calls goes too."""
    removed: set[str] = set()
    kept: list[Message] = []
    for message in messages:
        if not isinstance(message, dict):
            kept.append(message)
            continue
        calls = message.get("tool_calls")
        if message.get("role") == "assistant" and isinstance(calls, list):
            ours = [c for c in calls if _called(c) == function]
            removed.update(str(c.get("id")) for c in ours)
            others = [c for c in calls if c not in ours]
            if others:
                kept.append({**message, "tool_calls": others})
            elif message.get("content"):
                kept.append({k: v for k, v in message.items() if k != "tool_calls"})
            continue
        if message.get("role") == "tool" and str(message.get("tool_call_id")) in removed:
            continue
        kept.append(message)
    return kept


def _called(call: Any) -> str | None:
    function = call.get("function") if isinstance(call, dict) else None
    name = function.get("name") if isinstance(function, dict) else None
    return name if isinstance(name, str) else None


def apply_transfer_mode(
    mode: str, messages: list[Message], new_prompt: str | None, transfer_function: str
) -> list[Message]:
    """The conversation the next assistant's LLM sees (the module's docstring says how each mode
    shapes it). `new_prompt` None or empty: the next assistant has no system prompt."""
    prompt = [_system(new_prompt)] if new_prompt else []
    if mode == DELETE:
        return prompt
    if mode in (SWAP, SWAP_AND_REMOVE):
        rest = list(messages[1:] if messages and _is_system(messages[0]) else messages)
        if mode == SWAP_AND_REMOVE:
            rest = without_tool_calls(rest, transfer_function)
        return [*prompt, *rest]
    return [*messages, *prompt]


def split_system(messages: list[Message]) -> tuple[str | None, list[Message]]:
    """A conversation as (the leading system prompt, the rest): the prompt becomes the LLM
    service's `system_instruction`, the rest the context's messages."""
    if messages and _is_system(messages[0]) and isinstance(messages[0].get("content"), str):
        return str(messages[0]["content"]), list(messages[1:])
    return None, list(messages)


def context_transfer(
    mode: str, old_prompt: str | None, new_prompt: str | None, transfer_function: str
) -> tuple[str | None, Callable[[list[Message]], list[Message]]]:
    """`transferMode` for a pipeline whose system prompt is the LLM service's
    `system_instruction` and whose context holds the rest: (the instruction from now on, the
    transform of the context's messages). `rolling-history` keeps the old prompt as the
    instruction and adds the new one at the end; the other modes make the new prompt the
    instruction. The LLM sees what `apply_transfer_mode` gives (a unit test holds them equal)."""
    if mode == DELETE:
        return new_prompt, lambda _messages: []
    if mode == SWAP:
        return new_prompt, list
    if mode == SWAP_AND_REMOVE:
        return new_prompt, lambda messages: without_tool_calls(messages, transfer_function)
    tail = [_system(new_prompt)] if new_prompt else []
    return old_prompt, lambda messages: [*messages, *tail]
