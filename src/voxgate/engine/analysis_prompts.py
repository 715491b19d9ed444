"""What post-call analysis asks the model, and how its replies are read (VAPI-BEHAVIOUR §3.5).

An assistant's `analysisPlan` has three parts, each a list of chat `messages` whose Liquid
variables (`{{transcript}}`, `{{systemPrompt}}`, `{{messages}}`, `{{endedReason}}`, `{{schema}}`,
`{{rubric}}`) are filled from the call; a part without its own messages gets voxgate's defaults,
written in the spirit of Vapi's. The legacy fields Vapi still accepts (`summaryPrompt`,
`structuredDataPrompt`, `structuredDataSchema`, `successEvaluationPrompt`,
`successEvaluationRubric`) replace the default system prompt, schema and rubric; an empty prompt
turns its part off, as Vapi documents.
"""

import json
from dataclasses import dataclass
from typing import Any

from voxgate.engine.providers.llm import system_prompt
from voxgate.engine.variables import render_text

DEFAULT_TIMEOUT_SECONDS = 5.0  # Vapi's default `timeoutSeconds` for every part
DEFAULT_MIN_MESSAGES = 2  # Vapi's default `minMessagesThreshold`
DEFAULT_RUBRIC = "PassFail"

_FACTS = (
    "The transcript of the call:\n\n{{transcript}}\n\n"
    "The call ended with this reason: {{endedReason}}"
)
SUMMARY_PROMPT = (
    "You take notes on phone calls. Given the transcript of a call, summarize it in two or three "
    "sentences. Reply with the summary and nothing else."
)
STRUCTURED_DATA_PROMPT = (
    "You extract data from phone calls. Given the transcript of a call, fill in the JSON Schema "
    "below with what the call said. Reply with one JSON value and nothing else.\n\n"
    "JSON Schema:\n{{schema}}"
)
SUCCESS_EVALUATION_PROMPT = (
    "You judge phone calls. Given the transcript of a call and the system prompt the AI side of "
    "it followed, decide how well the call met the objectives that prompt sets, using the rubric "
    "below. Reply with the result and nothing else.\n\nRubric:\n{{rubric}}"
)
_EVALUATION_FACTS = "The system prompt of the AI side of the call:\n\n{{systemPrompt}}"

RUBRICS = {
    "NumericScale": "A whole number from 1 (no objective met) to 10 (every objective met).",
    "DescriptiveScale": "One of: Excellent, Good, Fair, Poor.",
    "Checklist": "One line per objective: the objective, then `met` or `not met`.",
    "Matrix": "One line per objective: the objective, then its level "
    "(Excellent, Good, Fair or Poor).",
    "PercentageScale": "How far the objectives were met, from 0% to 100%, e.g. `80%`.",
    "LikertScale": "How much you agree that the call succeeded: Strongly Agree, Agree, Neutral, "
    "Disagree or Strongly Disagree.",
    "AutomaticRubric": "Break the objectives into a few criteria; one line per criterion with a "
    "score from 1 to 10, then a line `Overall:` with the overall score.",
    "PassFail": "`true` if the call met its objectives, `false` if it did not.",
}


@dataclass
class Question:
    """One part of the analysis: the key it fills in `call.analysis` and what the model is asked."""

    key: str  # summary | structuredData | successEvaluation
    messages: list[dict[str, Any]]
    timeout: float
    schema: dict[str, Any] | None = None
    rubric: str = DEFAULT_RUBRIC


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _timeout(plan: dict[str, Any]) -> float:
    value = plan.get("timeoutSeconds")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return DEFAULT_TIMEOUT_SECONDS


def _messages(plan: dict[str, Any], legacy: Any, default: list[dict[str, str]]) -> list[Any]:
    """The plan's own messages, else the defaults with a legacy prompt as their system message."""
    if isinstance(plan.get("messages"), list) and plan["messages"]:
        return list(plan["messages"])
    if isinstance(legacy, str):
        return [{"role": "system", "content": legacy}, *default[1:]]
    return default


def _rendered(messages: list[Any], values: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**m, "content": render_text(m["content"], values)}
        for m in messages
        if isinstance(m, dict) and isinstance(m.get("content"), str)
    ]


def conversation_length(artifact: dict[str, Any]) -> int:
    """The messages `minMessagesThreshold` counts: what was said, not the system prompt."""
    messages = artifact.get("messages") or []
    return sum(1 for m in messages if isinstance(m, dict) and m.get("role") != "system")


def questions(
    assistant: dict[str, Any], artifact: dict[str, Any], ended_reason: str
) -> list[Question]:
    """The enabled parts of the assistant's `analysisPlan`, their prompts rendered for this call;
    none when the call said fewer messages than `minMessagesThreshold`."""
    plan = _object(assistant.get("analysisPlan"))
    threshold = plan.get("minMessagesThreshold", DEFAULT_MIN_MESSAGES)
    if isinstance(threshold, int | float) and conversation_length(artifact) < threshold:
        return []
    summary = _object(plan.get("summaryPlan"))
    structured = _object(plan.get("structuredDataPlan"))
    success = _object(plan.get("successEvaluationPlan"))
    schema = structured.get("schema") or plan.get("structuredDataSchema")
    rubric = success.get("rubric") or plan.get("successEvaluationRubric")
    rubric = rubric if isinstance(rubric, str) and rubric in RUBRICS else DEFAULT_RUBRIC
    values = {
        "transcript": artifact.get("transcript") or "",
        "systemPrompt": system_prompt(assistant),
        "messages": json.dumps((assistant.get("model") or {}).get("messages") or []),
        "endedReason": ended_reason,
        "schema": json.dumps(schema),
        "rubric": f"{rubric}: {RUBRICS[rubric]}",
    }
    asked: list[Question] = []
    legacy = plan.get("summaryPrompt")
    if summary.get("enabled", True) is not False and legacy != "":
        default = [
            {"role": "system", "content": SUMMARY_PROMPT},
            {"role": "user", "content": _FACTS},
        ]
        messages = _rendered(_messages(summary, legacy, default), values)
        asked.append(Question("summary", messages, _timeout(summary)))
    legacy = plan.get("structuredDataPrompt")
    enabled = structured.get("enabled", "structuredDataSchema" in plan)
    if enabled is True and isinstance(schema, dict) and legacy != "":
        default = [
            {"role": "system", "content": STRUCTURED_DATA_PROMPT},
            {"role": "user", "content": _FACTS},
        ]
        messages = _rendered(_messages(structured, legacy, default), values)
        asked.append(Question("structuredData", messages, _timeout(structured), schema=schema))
    legacy = plan.get("successEvaluationPrompt")
    if success.get("enabled", True) is not False and legacy != "":
        default = [
            {"role": "system", "content": SUCCESS_EVALUATION_PROMPT},
            {"role": "user", "content": _FACTS},
            {"role": "user", "content": _EVALUATION_FACTS},
        ]
        messages = _rendered(_messages(success, legacy, default), values)
        asked.append(Question("successEvaluation", messages, _timeout(success), rubric=rubric))
    return [q for q in asked if q.messages]  # a plan whose messages hold no text asks nothing
