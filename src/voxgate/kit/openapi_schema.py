"""JSON Schema 2020-12 (what pydantic emits, OpenAPI 3.1) rewritten as OpenAPI 3.0 Schema Objects.

3.0 is what most client generators and validators still read. Each rule below maps one 3.1
construct onto its 3.0 spelling without changing what the schema accepts, except where 3.0
cannot say it (tuples), and there the 3.0 form is the closest looser schema.
"""

from typing import Any

Schema = dict[str, Any]

COMPONENTS = "#/components/schemas/"
_ONE = ("items", "additionalProperties", "not")
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
# JSON Schema keywords 3.0 does not know and that have no 3.0 spelling (key-name constraints of
# dicts, meta keywords): dropping them only loosens the document.
_UNKNOWN = ("$schema", "$id", "propertyNames", "unevaluatedProperties")


def rewrite_ref(ref: str) -> str:
    """Local `$defs` references point at components once the definitions are hoisted."""
    return COMPONENTS + ref.removeprefix("#/$defs/") if ref.startswith("#/$defs/") else ref


def downgrade(schema: Any, defs: dict[str, Any]) -> Any:
    """A 3.0 copy of `schema`; nested `$defs` are moved into `defs` (for components)."""
    if not isinstance(schema, dict):
        return schema  # `additionalProperties: true`, `items: false`
    out: Schema = {}
    for key, value in _lift_null(schema).items():
        if key in _ONE:
            out[key] = downgrade(value, defs)
        elif key in _MANY:
            out[key] = [downgrade(item, defs) for item in value]
        elif key == "properties":
            out[key] = {name: downgrade(item, defs) for name, item in value.items()}
        elif key == "patternProperties":
            # 3.0 cannot constrain key names: any key may take any of the value schemas.
            values = [downgrade(item, defs) for item in value.values()]
            out.setdefault("additionalProperties", _one_of_these(values))
        elif key == "$defs":
            defs.update(value)
        elif key == "$ref":
            out[key] = rewrite_ref(value)
        elif key == "discriminator" and "mapping" in value:
            mapping = {tag: rewrite_ref(ref) for tag, ref in value["mapping"].items()}
            out[key] = {**value, "mapping": mapping}
        elif key == "title" or key in _UNKNOWN:
            continue  # pydantic's generated titles ("Createdatgt") only add noise to clients
        else:
            out[key] = value
    for rule in (_tuple, _const, _examples, _exclusive_bounds, _binary, _type_list, _null_in_enum):
        rule(out)
    return _ref_alone(out)


def _one_of_these(schemas: list[Any]) -> Any:
    unique = [s for i, s in enumerate(schemas) if s not in schemas[:i]]
    return unique[0] if len(unique) == 1 else {"anyOf": unique}


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) == 1


def _tuple(s: Schema) -> None:
    # 3.0 has no positional items: accept any member at any position, keep the length bounds.
    if "prefixItems" in s:
        members = s.pop("prefixItems")
        tail = s.get("items")
        s["items"] = _one_of_these(members + ([tail] if isinstance(tail, dict) else []))
        s.setdefault("minItems", len(members))
        if not isinstance(tail, dict):
            s.setdefault("maxItems", len(members))


def _const(s: Schema) -> None:
    if "const" in s:
        value = s.pop("const")
        s.setdefault("enum", [value])
    if None in s.get("enum", ()):
        s["nullable"] = True


def _examples(s: Schema) -> None:
    examples = s.pop("examples", None)
    if isinstance(examples, list) and examples:
        s.setdefault("example", examples[0])


def _exclusive_bounds(s: Schema) -> None:
    for exclusive, inclusive, stricter in (
        ("exclusiveMinimum", "minimum", max),
        ("exclusiveMaximum", "maximum", min),
    ):
        bound = s.get(exclusive)
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            continue
        other = s.get(inclusive)
        if other is not None and stricter(other, bound) == other and other != bound:
            del s[exclusive]  # the inclusive bound already excludes the exclusive one
        else:
            s[inclusive], s[exclusive] = bound, True


def _binary(s: Schema) -> None:
    # pydantic marks uploads and `bytes` with contentMediaType; 3.0 spells it format: binary,
    # and base64 text (`ser_json_bytes="base64"`) format: byte.
    if s.pop("contentEncoding", None) == "base64":
        s["type"], s["format"] = "string", "byte"
        s.pop("contentMediaType", None)
    elif s.pop("contentMediaType", None) is not None:
        s["type"], s["format"] = "string", "binary"


def _type_list(s: Schema) -> None:
    types = s.get("type")
    if isinstance(types, list):
        if "null" in types:
            s["nullable"] = True
        rest = [t for t in types if t != "null"]
        if len(rest) == 1:
            s["type"] = rest[0]
        else:
            del s["type"]
            if rest:
                s["anyOf"] = [{"type": t} for t in rest]
    elif types == "null":
        del s["type"]
        s["nullable"] = True


def _lift_null(schema: Schema) -> Schema:
    """`anyOf: [X, {type: null}]` → X + `nullable: true` (a `$ref` X goes under `allOf`)."""
    s = dict(schema)
    for key in ("anyOf", "oneOf"):
        branches = s.get(key)
        if not branches or not any(_is_null(b) for b in branches):
            continue
        rest = [b for b in branches if not _is_null(b)]
        del s[key]
        s["nullable"] = True
        if len(rest) > 1:
            s[key] = rest
        elif rest and "$ref" in rest[0]:
            s["allOf"] = [*s.get("allOf", []), rest[0]]
        elif rest:
            for name, value in rest[0].items():
                s.setdefault(name, value)  # the field's own description/default win
    return s


def _null_in_enum(s: Schema) -> None:
    if s.get("nullable") and "enum" in s and None not in s["enum"]:
        s["enum"] = [*s["enum"], None]  # 3.0.3: a nullable enum must list null to allow it


def _ref_alone(s: Schema) -> Schema:
    # In 3.0 every sibling of `$ref` is ignored, so a described or nullable reference is wrapped.
    if "$ref" in s and len(s) > 1:
        siblings = {key: value for key, value in s.items() if key not in ("$ref", "allOf")}
        return {**siblings, "allOf": [{"$ref": s["$ref"]}, *s.get("allOf", [])]}
    return s
