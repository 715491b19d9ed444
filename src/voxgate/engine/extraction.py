"""A tool's `variableExtractionPlan`: values taken out of its response and kept as the call's
variables, for later templates and `artifact.variableValues`.

- `aliases` `[{key, value}]`: `value` is Liquid over the response. The parsed JSON body is `$`
  (`{{ $.data.id }}`, `{{ $[0].name }}`), its top-level fields are also at the root
  (`{{ name }}`), and `tool.response.{body,headers,status}` holds the whole response; the call's
  own variables are in scope under them.
- `schema`: a JsonSchema of the body. An object's properties are taken by name (`name`,
  `age`); an array is taken whole under its `title`.

An alias always yields text (a Liquid render); a schema keeps the JSON values as they came.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from voxgate.engine.variables import render_text

# python-liquid has no `$` identifier: inside a tag, `$` becomes this name before rendering.
_BODY_NAME = "vg_response_body"
_TAG = re.compile(r"({{.*?}}|{%.*?%})", re.DOTALL)
_DOLLAR = re.compile(r"(?<![\w\"'])\$(?=[.\[\s|}%]|$)")


@dataclass
class Response:
    """What the tool got back, as the templates see it."""

    status: int
    body: Any  # the parsed JSON, or the text when it is not JSON
    headers: dict[str, str] = field(default_factory=dict)


def _with_named_body(template: str) -> str:
    return _TAG.sub(lambda tag: _DOLLAR.sub(_BODY_NAME, tag.group(0)), template)


def _scope(response: Response, values: dict[str, Any]) -> dict[str, Any]:
    body = response.body
    tool = {"response": {"body": body, "headers": response.headers, "status": response.status}}
    spread = body if isinstance(body, dict) else {}
    return {**values, **spread, _BODY_NAME: body, "tool": tool}


def _from_schema(schema: dict[str, Any], body: Any) -> dict[str, Any]:
    if schema.get("type") == "array" and isinstance(body, list):
        name = schema.get("title") or schema.get("name")
        return {str(name): body} if name else {}
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not isinstance(body, dict):
        return {}
    return {str(name): body[name] for name in properties if name in body}


def extract(
    plan: dict[str, Any] | None, response: Response, values: dict[str, Any]
) -> dict[str, Any]:
    """The variables this plan takes from the response (none without a plan)."""
    if not isinstance(plan, dict):
        return {}
    found: dict[str, Any] = {}
    schema = plan.get("schema")
    if isinstance(schema, dict):
        found.update(_from_schema(schema, response.body))
    aliases = plan.get("aliases")
    scope = _scope(response, values)
    for alias in aliases if isinstance(aliases, list) else []:
        if isinstance(alias, dict) and isinstance(alias.get("key"), str):
            template = str(alias.get("value") or "")
            found[alias["key"]] = render_text(_with_named_body(template), scope)
            scope[alias["key"]] = found[alias["key"]]  # a later alias may build on it
    return found
