"""Post-call analysis: which parts are asked, their prompts, how the replies are read."""

import asyncio
from typing import Any

import pytest

from voxgate.engine import analysis
from voxgate.engine.analysis import analyze, evaluation, json_value
from voxgate.engine.analysis_prompts import questions

TRANSCRIPT = "AI: Hello, front desk.\nUser: I'd like a room for two nights.\nAI: Booked."
ARTIFACT = {
    "transcript": TRANSCRIPT,
    "messages": [{"role": "system", "message": "x"}, {"role": "bot", "message": "Hello"},
                 {"role": "user", "message": "A room"}, {"role": "bot", "message": "Booked."}],
}  # fmt: skip
SCHEMA = {"type": "object", "properties": {"nights": {"type": "integer"}}, "required": ["nights"]}


def assistant(plan: dict[str, Any] | None = None) -> dict[str, Any]:
    prompt = {"role": "system", "content": "You are the front desk of a hotel."}
    model = {"provider": "openai", "model": "gpt-4o", "messages": [prompt]}
    return {"model": model, **({"analysisPlan": plan} if plan is not None else {})}


def test_by_default_a_summary_and_a_pass_fail_evaluation_are_asked() -> None:
    asked = questions(assistant(), ARTIFACT, "customer-ended-call")
    assert [q.key for q in asked] == ["summary", "successEvaluation"]
    summary, success = asked
    assert summary.timeout == 5.0 and success.rubric == "PassFail"
    said = "\n".join(m["content"] for m in summary.messages)
    assert TRANSCRIPT in said and "customer-ended-call" in said
    judged = "\n".join(m["content"] for m in success.messages)
    assert "You are the front desk of a hotel." in judged  # {{systemPrompt}}
    assert "PassFail: `true` if the call met its objectives" in judged  # {{rubric}}
    assert "{{" not in said + judged


def test_structured_data_asks_with_the_schema_and_a_rubric_is_described() -> None:
    plan = {
        "structuredDataPlan": {"enabled": True, "schema": SCHEMA, "timeoutSeconds": 12},
        "successEvaluationPlan": {"rubric": "NumericScale"},
    }
    asked = {q.key: q for q in questions(assistant(plan), ARTIFACT, "")}
    structured = asked["structuredData"]
    assert structured.schema == SCHEMA and structured.timeout == 12.0
    assert '"nights": {"type": "integer"}' in structured.messages[0]["content"]
    assert "from 1 (no objective met) to 10" in asked["successEvaluation"].messages[0]["content"]


def test_the_plans_own_messages_are_rendered_with_liquid() -> None:
    mine = [{"role": "user", "content": "Sum up: {{ transcript | upcase }} ({{ endedReason }})"}]
    plan = {"summaryPlan": {"messages": mine}, "successEvaluationPlan": {"enabled": False}}
    (summary,) = questions(assistant(plan), ARTIFACT, "silence-timed-out")
    assert summary.messages == [
        {"role": "user", "content": f"Sum up: {TRANSCRIPT.upper()} (silence-timed-out)"}
    ]


def test_nothing_is_asked_when_disabled_or_below_the_threshold() -> None:
    off = {"summaryPlan": {"enabled": False}, "successEvaluationPlan": {"enabled": False},
           "structuredDataPlan": {"enabled": False, "schema": SCHEMA}}  # fmt: skip
    assert questions(assistant(off), ARTIFACT, "") == []
    greeting_only = {"transcript": "AI: Hello", "messages": [{"role": "bot", "message": "Hello"}]}
    assert questions(assistant(), greeting_only, "") == []  # 1 message < 2, Vapi's default
    assert questions(assistant({"minMessagesThreshold": 4}), ARTIFACT, "") == []
    assert len(questions(assistant({"minMessagesThreshold": 0}), greeting_only, "")) == 2
    # Structured data needs a schema to be asked for.
    assert "structuredData" not in [
        q.key for q in questions(assistant({"structuredDataPlan": {"enabled": True}}), ARTIFACT, "")
    ]


def test_legacy_prompts_replace_the_system_message_and_an_empty_one_disables() -> None:
    plan = {"summaryPrompt": "Summarize in one line.", "successEvaluationPrompt": "",
            "structuredDataSchema": SCHEMA, "successEvaluationRubric": "LikertScale"}  # fmt: skip
    asked = {q.key: q for q in questions(assistant(plan), ARTIFACT, "")}
    assert set(asked) == {"summary", "structuredData"}
    assert asked["summary"].messages[0] == {"role": "system", "content": "Summarize in one line."}
    assert TRANSCRIPT in asked["summary"].messages[1]["content"]


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ('{"nights": 2}', {"nights": 2}),
        ('```json\n{"nights": 2}\n```', {"nights": 2}),
        ('```\n{"nights": 2}\n```', {"nights": 2}),
        ('Here is the data: {"nights": 2}. Hope it helps.', {"nights": 2}),
        ("[1, 2]", [1, 2]),
        ("no JSON here", None),
        ('{"nights": ', None),
    ],
)
def test_json_is_found_in_the_reply(reply: str, value: Any) -> None:
    assert json_value(reply) == value


@pytest.mark.parametrize(
    ("rubric", "reply", "value"),
    [
        ("PassFail", "true", "true"),
        ("PassFail", "False.", "false"),
        ("PassFail", "`true`", "true"),
        ("PassFail", "Pass - the room was booked", "true"),
        ("PassFail", "It is unclear", "It is unclear"),
        ("NumericScale", "8", "8"),
        ("NumericScale", "Score: 7/10", "7"),
        ("PercentageScale", "85", "85%"),
        ("PercentageScale", "About 90%.", "90%"),
        ("DescriptiveScale", "good", "Good"),
        ("LikertScale", "I would say Strongly Disagree", "Strongly Disagree"),
        ("LikertScale", "Disagree", "Disagree"),
        ("LikertScale", "agree", "Agree"),
        ("Checklist", "Booked a room: met\n", "Booked a room: met"),
    ],
)
def test_the_evaluation_reads_as_its_rubric(rubric: str, reply: str, value: str) -> None:
    assert evaluation(rubric, reply) == value


async def test_an_llm_that_cannot_be_built_costs_only_the_analysis() -> None:
    broken = {**assistant(), "model": {"provider": "no-such-vendor", "model": "x"}}
    assert await analyze(broken, ARTIFACT, "customer-ended-call") == {}


class _Model:
    """Stands in for a pipecat LLM service: one reply per part, or never (a hung vendor)."""

    def __init__(self, replies: dict[str, str | None]) -> None:
        self.replies = replies
        self.systems: list[str | None] = []
        self.contexts: list[list[Any]] = []

    async def run_inference(self, context: Any, system_instruction: str | None = None) -> Any:
        self.systems.append(system_instruction)
        self.contexts.append(context.get_messages())
        asked = f"{system_instruction} {context.get_messages()}"
        for word, reply in self.replies.items():
            if word in asked:
                if reply is None:
                    await asyncio.Event().wait()  # never answers
                return reply
        raise RuntimeError("500 from the vendor")


async def test_each_part_stands_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _Model({"take notes": "They booked.", "extract": '{"nights": "two"}', "judge": None})
    monkeypatch.setattr(analysis, "build_llm", lambda _assistant: model)
    plan = {"structuredDataPlan": {"enabled": True, "schema": SCHEMA},
            "successEvaluationPlan": {"timeoutSeconds": 0.05}}  # fmt: skip
    result = await analyze(assistant(plan), ARTIFACT, "customer-ended-call")
    # `"two"` is not an integer: the schema rejects it; the evaluation never came back.
    assert result == {"summary": "They booked."}
    assert all("front desk" not in (s or "") for s in model.systems)  # not the call's prompt


async def test_a_schema_valid_reply_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _Model({"extract": '```json\n{"nights": 2}\n```', "judge": "false", "notes": ""})
    monkeypatch.setattr(analysis, "build_llm", lambda _assistant: model)
    plan = {"structuredDataPlan": {"enabled": True, "schema": SCHEMA}}
    result = await analyze(assistant(plan), ARTIFACT, "customer-ended-call")
    assert result == {"structuredData": {"nights": 2}, "successEvaluation": "false"}


async def test_a_plan_of_the_wrong_shapes_is_read_with_defaults_or_skipped() -> None:
    odd = {"successEvaluationPlan": {"rubric": ["PassFail"], "timeoutSeconds": "soon"},
           "summaryPlan": {"messages": ["not a message", {"role": "user"}]}}  # fmt: skip
    asked = {q.key: q for q in questions(assistant(odd), ARTIFACT, "")}
    assert asked["successEvaluation"].rubric == "PassFail"
    assert asked["successEvaluation"].timeout == 5.0
    assert "summary" not in asked  # its messages hold no text: nothing to ask


async def test_a_part_of_only_a_system_message_is_asked_as_a_user_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = _Model({"In one line": "Booked."})
    monkeypatch.setattr(analysis, "build_llm", lambda _assistant: model)
    only = [{"role": "system", "content": "In one line: {{ transcript }}"}]
    plan = {"summaryPlan": {"messages": only}, "successEvaluationPlan": {"enabled": False}}
    assert await analyze(assistant(plan), ARTIFACT, "") == {"summary": "Booked."}
    assert model.systems == [None]
    assert model.contexts == [[{"role": "user", "content": f"In one line: {TRANSCRIPT}"}]]
