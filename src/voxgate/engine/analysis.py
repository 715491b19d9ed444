"""Post-call analysis (issue 4, item 4): `summary`, `structuredData` and `successEvaluation`,
asked of the assistant's own LLM once the call has ended (`analysis_prompts` says what is asked).

Each part runs on its own, bounded by its `timeoutSeconds`: one that fails, times out or answers
with nothing usable is left out (logged), and the others still count. A structured-data reply
must parse as JSON and validate against the plan's JSON Schema, or it is left out too.
"""

import asyncio
import json
import re
from typing import Any

from jsonschema import exceptions, validators
from loguru import logger
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.services.llm_service import LLMService

from voxgate.engine.analysis_prompts import Question, questions
from voxgate.engine.providers.registry import build_llm

__all__ = ["analyze", "evaluation", "json_value"]


async def analyze(
    assistant: dict[str, Any], artifact: dict[str, Any], ended_reason: str = ""
) -> dict[str, Any]:
    """The call's `analysis` per the assistant's `analysisPlan`; `{}` when nothing was asked or
    nothing came back. Never raises: a failing LLM costs the analysis, not the call record."""
    try:
        asked = questions(assistant, artifact, ended_reason)
    except Exception as error:  # a plan nobody validated must not stop what follows the end
        logger.warning(f"analysis skipped, the analysisPlan cannot be read: {error!r}")
        return {}
    if not asked:
        return {}
    try:
        # The analysis prompts carry their own system message: not the call's system prompt.
        model = {**(assistant.get("model") or {}), "messages": []}
        # Off the event loop: a vendor client loads its TLS certificates when built (~0.1 s of
        # CPU), which would stall the audio of every other call in this process.
        llm = await asyncio.to_thread(build_llm, {**assistant, "model": model})
    except Exception as error:
        logger.warning(f"analysis skipped, the assistant's LLM cannot be built: {error}")
        return {}
    answers = await asyncio.gather(*(_answer(llm, question) for question in asked))
    return {q.key: value for q, value in zip(asked, answers, strict=True) if value is not None}


async def _answer(llm: LLMService[Any], question: Question) -> Any:
    system = "\n\n".join(m["content"] for m in question.messages if m.get("role") == "system")
    turns = [
        {"role": m.get("role") or "user", "content": m["content"]}
        for m in question.messages
        if m.get("role") != "system"
    ]
    if not turns:  # only a system prompt: some vendors (Anthropic) need one message at least
        turns, system = [{"role": "user", "content": system}], ""
    # Plain role/content dicts: what every pipecat adapter reads (mypy wants OpenAI's TypedDicts).
    context = LLMContext(turns)  # type: ignore[arg-type]
    try:
        reply = await asyncio.wait_for(
            llm.run_inference(context, system_instruction=system or None), question.timeout
        )
    except TimeoutError:
        logger.warning(f"analysis {question.key}: no reply within {question.timeout} s")
        return None
    except Exception as error:  # the vendor's error, whatever its type
        logger.warning(f"analysis {question.key} failed: {error!r}")
        return None
    if not reply or not reply.strip():
        logger.warning(f"analysis {question.key}: the model replied with nothing")
        return None
    if question.key == "successEvaluation":
        return evaluation(question.rubric, reply)
    if question.key == "structuredData":
        return _structured(reply, question.schema or {})
    return reply.strip()


def _structured(reply: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    data = json_value(reply)
    if not isinstance(data, dict):
        # Vapi's `Analysis.structuredData` is an object.
        logger.warning(f"analysis structuredData: no JSON object in the reply {reply[:200]!r}")
        return None
    try:
        validator = validators.validator_for(schema)
        validator.check_schema(schema)
        error = exceptions.best_match(validator(schema).iter_errors(data))
    except exceptions.SchemaError as bad:
        logger.warning(f"analysis structuredData: the plan's schema is not valid: {bad.message}")
        return None
    if error is not None:
        logger.warning(f"analysis structuredData does not match the schema: {error.message}")
        return None
    return data


_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


def json_value(reply: str) -> Any:
    """The JSON in a model's reply (models often wrap it in a ```json fence or a sentence);
    None when there is none."""
    fenced = _FENCE.search(reply)
    candidates = [fenced.group(1)] if fenced else []
    candidates.append(reply)
    start, end = reply.find("{"), reply.rfind("}")
    if 0 <= start < end:
        candidates.append(reply[start : end + 1])
    for text in candidates:
        try:
            return json.loads(text.strip())
        except ValueError:
            continue
    return None


_LIKERT = ("Strongly Disagree", "Strongly Agree", "Disagree", "Agree", "Neutral")
_DESCRIPTIVE = ("Excellent", "Good", "Fair", "Poor")


def evaluation(rubric: str, reply: str) -> str:
    """The success evaluation as Vapi reports it: `"true"`/`"false"` for PassFail, the number for
    NumericScale, `"80%"` for PercentageScale, the scale's word for the word scales; the reply as
    given when it does not read as the rubric asks (and for the free-form rubrics)."""
    text = reply.strip().strip("`'\". \n")
    lowered = text.lower()
    if rubric == "PassFail":
        if re.match(r"(true|pass|passed|yes)\b", lowered):
            return "true"
        if re.match(r"(false|fail|failed|no)\b", lowered):
            return "false"
    elif rubric in ("NumericScale", "PercentageScale"):
        number = re.search(r"\d+(?:\.\d+)?", text)
        if number:
            return number.group() + ("%" if rubric == "PercentageScale" else "")
    elif rubric in ("DescriptiveScale", "LikertScale"):
        options = _DESCRIPTIVE if rubric == "DescriptiveScale" else _LIKERT
        for option in options:
            if re.search(rf"\b{option.lower()}\b", lowered):
                return option
    return text
