"""The history a handoff carries to the next assistant, per `contextEngineeringPlan`."""

from typing import Any

import pytest

from voxgate.engine.history import carry_history

CALL = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
HISTORY: list[dict[str, Any]] = [
    {"role": "assistant", "content": "Front desk, hello."},  # 0: the first greeting
    {"role": "user", "content": "My card number is 4111."},  # 1
    {"role": "assistant", "content": "Checking.", "tool_calls": [CALL]},  # 2
    {"role": "tool", "tool_call_id": "call_1", "content": "ok"},  # 3
    {"role": "system", "content": "A note added by add-message."},  # 4
    {"role": "assistant", "content": "", "tool_calls": [{**CALL, "id": "call_2"}]},  # 5
    {"role": "tool", "tool_call_id": "call_2", "content": "handed off"},  # 6
]


def test_all_is_the_default_and_keeps_everything() -> None:
    assert carry_history(HISTORY, {"type": "all"}) == HISTORY
    assert carry_history(HISTORY, None) == HISTORY
    assert carry_history(HISTORY, {"type": "something-new"}) == HISTORY


def test_none_starts_blank() -> None:
    assert carry_history(HISTORY, {"type": "none"}) == []


@pytest.mark.parametrize(("count", "expected"), [(2, [5, 6]), (3, [4, 5, 6]), (100, range(7))])
def test_last_n_messages_keeps_the_most_recent(count: int, expected: Any) -> None:
    plan = {"type": "lastNMessages", "maxMessages": count}
    assert carry_history(HISTORY, plan) == [HISTORY[i] for i in expected]


def test_last_n_messages_never_starts_with_a_result_whose_call_was_cut_off() -> None:
    plan = {"type": "lastNMessages", "maxMessages": 4}  # would start at the tool result 3
    assert carry_history(HISTORY, plan) == HISTORY[4:]
    assert carry_history(HISTORY, {"type": "lastNMessages", "maxMessages": 1}) == []
    assert carry_history(HISTORY, {"type": "lastNMessages", "maxMessages": 0}) == []


def test_user_and_assistant_messages_drop_system_and_tool_traffic() -> None:
    kept = carry_history(HISTORY, {"type": "userAndAssistantMessages"})
    assert kept == [
        HISTORY[0],
        HISTORY[1],
        {"role": "assistant", "content": "Checking."},  # its text stays, its call goes
    ]


def test_previous_assistant_messages_stop_where_the_current_assistant_began() -> None:
    plan = {"type": "previousAssistantMessages"}
    assert carry_history(HISTORY, plan, started_at=2) == HISTORY[:2]
    assert carry_history(HISTORY, plan, started_at=0) == []  # the first assistant: nothing before
    assert carry_history(HISTORY, plan, started_at=99) == HISTORY


def test_the_input_is_left_alone() -> None:
    before = [dict(m) for m in HISTORY]
    carry_history(HISTORY, {"type": "userAndAssistantMessages"})
    carry_history(HISTORY, {"type": "lastNMessages", "maxMessages": 2})
    assert before == HISTORY
