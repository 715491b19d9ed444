"""pydantic errors worded as Vapi (NestJS class-validator) words them.

`{"message": ["assistant.property tools should not exist"], ...}`: a nested path prefixes the
message, and a list carries one message per failure.
"""

from collections.abc import Iterable, Sequence
from typing import Any


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


_TEMPLATES: dict[str, str] = {
    "missing": "{field} should not be empty",
    "string_type": "{field} must be a string",
    "bool_type": "{field} must be a boolean value",
    "bool_parsing": "{field} must be a boolean value",
    "int_type": "{field} must be an integer number",
    "int_parsing": "{field} must be an integer number",
    "float_type": "{field} must be a number conforming to the specified constraints",
    "float_parsing": "{field} must be a number conforming to the specified constraints",
    "list_type": "{field} must be an array",
    "dict_type": "{field} must be an object",
    "string_or_object_type": "{field} must be a string or an object",
    "model_type": "{field} must be an object",
    "model_attributes_type": "{field} must be an object",
    "string_too_long": "{field} must be shorter than or equal to {max_length} characters",
    "string_too_short": "{field} must be longer than or equal to {min_length} characters",
    "string_pattern_mismatch": "{field} must match /{pattern}/ regular expression",
    "too_long": "{field} must contain no more than {max_length} elements",
    "greater_than_equal": "{field} must not be less than {ge}",
    "greater_than": "{field} must be greater than {gt}",
    "less_than_equal": "{field} must not be greater than {le}",
    "less_than": "{field} must be less than {lt}",
    "datetime_parsing": "{field} must be a valid ISO 8601 date string",
    "datetime_from_date_parsing": "{field} must be a valid ISO 8601 date string",
    "datetime_type": "{field} must be a valid ISO 8601 date string",
    "uuid_parsing": "{field} must be a UUID",
    "uuid_type": "{field} must be a UUID",
    "null_character": "{field} must not contain the null character",
}


def _is_union_branch(part: str | int) -> bool:
    # pydantic names the union member it tried ("literal['off']", "dict[str,any]", a tag).
    return isinstance(part, str) and any(c in part for c in "[(,")


def message(error: dict[str, Any], strip: int = 1) -> str:
    loc: Sequence[str | int] = [p for p in error["loc"][strip:] if not _is_union_branch(p)]
    kind = error["type"]
    ctx = {key: _number(value) for key, value in (error.get("ctx") or {}).items()}
    if not loc:
        return "request body must be a JSON object" if kind != "missing" else "body is required"
    *parents, field = loc
    if kind == "extra_forbidden":
        text = f"property {field} should not exist"
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        # A discriminated union (`transport.provider`, a tool's `type`) named no known variant.
        key = ctx.get("discriminator", "").strip("'")
        expected = ctx.get("expected_tags", "").replace("'", "")
        text = (
            f"{field}.{key} must be one of the following values: {expected}"
            if expected
            else f"{field}.{key} should not be empty"
        )
    elif kind in ("literal_error", "enum"):
        expected = ctx.get("expected", "").replace("'", "").replace(" or ", ", ")
        if isinstance(field, int) and parents:
            *parents, owner = parents
            text = f"each value in {owner} must be one of the following values: {expected}"
        else:
            text = f"{field} must be one of the following values: {expected}"
    else:
        text = _TEMPLATES.get(kind, "{field} is invalid").format(field=field, **ctx)
    prefix = "".join(f"{part}." for part in parents)
    return prefix + text


def messages(errors: Iterable[dict[str, Any]], strip: int = 1) -> list[str]:
    """One message per error, in order, without repeats."""
    return list(dict.fromkeys(message(error, strip) for error in errors))
