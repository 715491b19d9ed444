"""`transferMode` applied to the conversation, as Vapi's `TransferDestinationAssistant`
documents each mode with a before and after."""

from typing import Any

import pytest

from voxgate.engine.transfers.history import (
    DELETE,
    ROLLING,
    SWAP,
    SWAP_AND_REMOVE,
    apply_transfer_mode,
    context_transfer,
    split_system,
    transfer_mode,
    without_tool_calls,
)

CALL = {"id": "call_1", "type": "function",
        "function": {"name": "transferCall", "arguments": '{"destination":"Billing"}'}}  # fmt: skip
BEFORE: list[dict[str, Any]] = [
    {"role": "system", "content": "assistant1 system message"},
    {"role": "assistant", "content": "assistant1 first message"},
    {"role": "user", "content": "hey, good morning"},
    {"role": "assistant", "content": "how can i help?"},
    {"role": "user", "content": "i need help with my account"},
    {"role": "assistant", "content": "", "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "call_1", "content": "Transferred."},
    {"role": "assistant", "content": "Transferring the call now"},
]
NEW = {"role": "system", "content": "assistant2 system message"}


def test_rolling_history_keeps_everything_and_adds_the_new_prompt() -> None:
    assert apply_transfer_mode(ROLLING, BEFORE, NEW["content"], "transferCall") == [*BEFORE, NEW]


def test_swap_replaces_the_original_prompt() -> None:
    after = apply_transfer_mode(SWAP, BEFORE, NEW["content"], "transferCall")
    assert after == [NEW, *BEFORE[1:]]
    # A system message later in the conversation (add-message, a rolling transfer) stays.
    later = {"role": "system", "content": "note"}
    assert apply_transfer_mode(SWAP, [*BEFORE, later], "p", "transferCall")[-1] == later


def test_swap_and_remove_also_drops_the_transfer_call_and_its_result() -> None:
    after = apply_transfer_mode(SWAP_AND_REMOVE, BEFORE, NEW["content"], "transferCall")
    assert after == [NEW, *BEFORE[1:5], BEFORE[7]]


def test_delete_history_leaves_the_new_prompt_alone() -> None:
    assert apply_transfer_mode(DELETE, BEFORE, NEW["content"], "transferCall") == [NEW]
    assert apply_transfer_mode(DELETE, BEFORE, None, "transferCall") == []


def test_only_the_transfer_function_s_calls_are_removed() -> None:
    other = {"id": "call_2", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    messages = [
        {"role": "assistant", "content": "Let me check.", "tool_calls": [CALL, other]},
        {"role": "tool", "tool_call_id": "call_1", "content": "ok"},
        {"role": "tool", "tool_call_id": "call_2", "content": "found"},
        {"role": "assistant", "content": "Moving you.", "tool_calls": [CALL]},
    ]
    assert without_tool_calls(messages, "transferCall") == [
        {"role": "assistant", "content": "Let me check.", "tool_calls": [other]},
        {"role": "tool", "tool_call_id": "call_2", "content": "found"},
        {"role": "assistant", "content": "Moving you."},
    ]


def test_the_mode_defaults_to_rolling_history() -> None:
    assert transfer_mode({"type": "assistant", "assistantName": "B"}) == ROLLING
    assert transfer_mode({"transferMode": "sideways"}) == ROLLING
    assert transfer_mode({"transferMode": DELETE}) == DELETE


def test_split_system_gives_the_instruction_and_the_context() -> None:
    assert split_system([NEW, BEFORE[1]]) == ("assistant2 system message", [BEFORE[1]])
    assert split_system(BEFORE[1:3]) == (None, BEFORE[1:3])
    assert split_system([]) == (None, [])


@pytest.mark.parametrize("mode", [ROLLING, SWAP, SWAP_AND_REMOVE, DELETE, "unknown"])
def test_the_pipeline_form_gives_the_llm_the_same_conversation(mode: str) -> None:
    old, new = BEFORE[0]["content"], NEW["content"]
    instruction, transform = context_transfer(mode, old, new, "transferCall")
    seen = [{"role": "system", "content": instruction}, *transform(BEFORE[1:])]
    assert seen == apply_transfer_mode(mode, BEFORE, new, "transferCall")
    assert context_transfer(mode, None, None, "transferCall")[1](BEFORE[1:3]) == (
        [] if mode == DELETE else BEFORE[1:3]
    )
