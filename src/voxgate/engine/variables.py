"""Liquid variables in an assistant's text (VAPI-BEHAVIOUR §2.3), rendered once as the call starts.

Rendered here: `firstMessage`, `model.messages[].content`, `endCallMessage`, `voicemailMessage`.
Texts used later in the call go through `render_text` with the same values as they are then: tool
messages (tool_messages.py), a transfer's words and `callerId` (transfers/transfer_call.py,
phone_call.py), tool `parameters` and an apiRequest's URL, headers and body. The values are
Vapi's built-ins (`now`, `date`, `time`, `year`, `month`, `day` in UTC, `call.*`, `customer.*`,
`phoneNumber.*`, `transport.*`) with the call's `assistantOverrides.variableValues` over them. An
undefined variable renders empty, as in LiquidJS; a field whose template is broken (a syntax error,
an unknown filter) is left as written and logged, so one typo cannot end a call.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from liquid import Environment
from liquid.exceptions import LiquidError
from loguru import logger

_TEXT_FIELDS = ("firstMessage", "endCallMessage", "voicemailMessage")


@dataclass
class CallInfo:
    """What the control side tells the engine about the call itself (its id, who is calling, the
    client's variables). The engine never reads the call's row."""

    id: str
    type: str = "vapi.websocketCall"
    customer: dict[str, Any] = field(default_factory=dict)
    phone_number: dict[str, Any] = field(default_factory=dict)
    transport: dict[str, Any] = field(default_factory=dict)
    variable_values: dict[str, Any] = field(default_factory=dict)


def _date(value: Any, fmt: Any = None, zone: Any = "UTC") -> str:
    """Liquid's `date` plus LiquidJS's time zone argument, as Vapi's own examples use it:
    `{{ "now" | date: "%H:%M", "Europe/Paris" }}`."""
    if not isinstance(fmt, str):
        return str(value)
    try:
        tz = ZoneInfo(str(zone))
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    if value in ("now", "today"):
        moment = dt.datetime.now(tz)
    elif isinstance(value, dt.datetime):
        moment = value.astimezone(tz) if value.tzinfo else value
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(tz)
        except ValueError:
            return str(value)
    return moment.strftime(fmt)


_env = Environment()
_env.filters["date"] = _date


def built_ins(call: CallInfo, now: dt.datetime | None = None) -> dict[str, Any]:
    """Vapi's built-in variables, in the formats its docs show (`Jan 1, 2024 12:00 PM`)."""
    now = now or dt.datetime.now(dt.UTC)
    hour = now.strftime("%I:%M %p").lstrip("0")
    day = f"{now.strftime('%b')} {now.day}, {now.year}"
    return {
        "now": f"{day} {hour}",
        "date": day,
        "time": hour,
        "year": str(now.year),
        "month": now.strftime("%B"),
        "day": str(now.day),
        "call": {"id": call.id, "type": call.type},
        "customer": call.customer,
        "phoneNumber": call.phone_number,
        "transport": {"conversationType": "voice", **call.transport},
    }


def values_for(call: CallInfo) -> dict[str, Any]:
    return {**built_ins(call), **call.variable_values}


def render_text(text: str, values: dict[str, Any]) -> str:
    """The text with its variables filled in, or as written when its template is broken."""
    if "{" not in text:
        return text
    try:
        return _env.from_string(text).render(**values)
    except LiquidError as error:
        logger.warning(f"template left as written: {error}")
        return text


def render_assistant(assistant: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of the assistant with its spoken and prompt texts rendered."""
    rendered = dict(assistant)
    for name in _TEXT_FIELDS:
        if isinstance(rendered.get(name), str):
            rendered[name] = render_text(rendered[name], values)
    model = rendered.get("model")
    if isinstance(model, dict) and isinstance(model.get("messages"), list):
        messages = [
            {**m, "content": render_text(m["content"], values)}
            if isinstance(m, dict) and isinstance(m.get("content"), str)
            else m
            for m in model["messages"]
        ]
        rendered["model"] = {**model, "messages": messages}
    return rendered
