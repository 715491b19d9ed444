"""JSON Schema 2020-12 → OpenAPI 3.0 Schema Object, one rule at a time."""

from typing import Any

from voxgate.kit.openapi_schema import downgrade


def down(schema: dict[str, Any]) -> Any:
    defs: dict[str, Any] = {}
    result = downgrade(schema, defs)
    assert not defs
    return result


def test_optional_scalar_becomes_nullable() -> None:
    schema = {"anyOf": [{"type": "string", "maxLength": 40}, {"type": "null"}], "title": "Name"}
    assert down(schema) == {"type": "string", "maxLength": 40, "nullable": True}


def test_optional_reference_is_wrapped_in_all_of() -> None:
    schema = {"anyOf": [{"$ref": "#/components/schemas/Server"}, {"type": "null"}]}
    assert down(schema) == {"nullable": True, "allOf": [{"$ref": "#/components/schemas/Server"}]}


def test_field_description_wins_over_the_branch_it_is_merged_with() -> None:
    schema = {
        "anyOf": [{"type": "string", "description": "inner"}, {"type": "null"}],
        "description": "outer",
        "default": None,
    }
    assert down(schema) == {
        "type": "string",
        "description": "outer",
        "default": None,
        "nullable": True,
    }


def test_optional_union_keeps_its_other_branches() -> None:
    schema = {
        "anyOf": [{"const": "off", "type": "string"}, {"type": "object"}, {"type": "null"}],
    }
    assert down(schema) == {
        "nullable": True,
        "anyOf": [{"type": "string", "enum": ["off"]}, {"type": "object"}],
    }


def test_const_becomes_a_single_value_enum() -> None:
    assert down({"type": "string", "const": "function"}) == {"type": "string", "enum": ["function"]}


def test_nullable_enum_lists_null() -> None:
    schema = {"anyOf": [{"type": "string", "enum": ["ASC", "DESC"]}, {"type": "null"}]}
    assert down(schema) == {"type": "string", "enum": ["ASC", "DESC", None], "nullable": True}


def test_null_type_alone_and_in_a_type_list() -> None:
    assert down({"type": "null"}) == {"nullable": True}
    assert down({"type": ["integer", "null"]}) == {"type": "integer", "nullable": True}
    assert down({"type": ["integer", "string"]}) == {
        "anyOf": [{"type": "integer"}, {"type": "string"}]
    }


def test_examples_become_one_example() -> None:
    assert down({"type": "integer", "examples": [3, 4]}) == {"type": "integer", "example": 3}


def test_numeric_exclusive_bounds_take_the_boolean_form() -> None:
    schema = {"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 5.5}
    assert down(schema) == {
        "type": "number",
        "minimum": 1,
        "exclusiveMinimum": True,
        "maximum": 5.5,
        "exclusiveMaximum": True,
    }


def test_the_stricter_of_inclusive_and_exclusive_bounds_is_kept() -> None:
    # x >= 5 already implies x > 3; x > 7 is stricter than x >= 5.
    assert down({"minimum": 5, "exclusiveMinimum": 3}) == {"minimum": 5}
    assert down({"minimum": 5, "exclusiveMinimum": 7}) == {
        "minimum": 7,
        "exclusiveMinimum": True,
    }
    assert down({"maximum": 5, "exclusiveMaximum": 9}) == {"maximum": 5}


def test_uploads_and_bytes_are_binary_strings() -> None:
    schema = {"type": "string", "contentMediaType": "application/octet-stream", "title": "File"}
    assert down(schema) == {"type": "string", "format": "binary"}


def test_base64_text_is_a_byte_string() -> None:
    schema = {"type": "string", "contentEncoding": "base64", "contentMediaType": "image/png"}
    assert down(schema) == {"type": "string", "format": "byte"}


def test_tuples_become_arrays_of_any_member_with_fixed_length() -> None:
    schema = {
        "type": "array",
        "prefixItems": [{"type": "integer"}, {"type": "string"}],
        "minItems": 2,
        "maxItems": 2,
    }
    assert down(schema) == {
        "type": "array",
        "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        "minItems": 2,
        "maxItems": 2,
    }
    same = {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "integer"}]}
    assert down(same) == {
        "type": "array",
        "items": {"type": "integer"},
        "minItems": 2,
        "maxItems": 2,
    }


def test_a_reference_with_siblings_is_wrapped() -> None:
    schema = {"$ref": "#/components/schemas/Server", "description": "Where messages go."}
    assert down(schema) == {
        "description": "Where messages go.",
        "allOf": [{"$ref": "#/components/schemas/Server"}],
    }


def test_nested_definitions_are_hoisted_and_references_rewritten() -> None:
    defs: dict[str, Any] = {}
    schema = {
        "type": "object",
        "properties": {"member": {"$ref": "#/$defs/Member"}},
        "$defs": {"Member": {"type": "object", "title": "Member"}},
    }
    result = downgrade(schema, defs)
    assert result == {
        "type": "object",
        "properties": {"member": {"$ref": "#/components/schemas/Member"}},
    }
    assert defs == {"Member": {"type": "object", "title": "Member"}}


def test_discriminator_mappings_follow_hoisted_definitions() -> None:
    schema = {
        "oneOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/B"}],
        "discriminator": {"propertyName": "type", "mapping": {"a": "#/$defs/A", "b": "#/$defs/B"}},
    }
    assert down(schema) == {
        "oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
        "discriminator": {
            "propertyName": "type",
            "mapping": {"a": "#/components/schemas/A", "b": "#/components/schemas/B"},
        },
    }


def test_rules_apply_at_every_depth_and_property_names_are_not_keywords() -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            # A property literally named "title" or "const" is data, not a keyword.
            "title": {"type": "string", "const": "x"},
            "const": {"type": "array", "items": {"anyOf": [{"type": "integer"}, {"type": "null"}]}},
        },
    }
    assert down(schema) == {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "title": {"type": "string", "enum": ["x"]},
            "const": {"type": "array", "items": {"type": "integer", "nullable": True}},
        },
    }


def test_additional_properties_are_kept_as_generated() -> None:
    assert down({"type": "object", "additionalProperties": True}) == {
        "type": "object",
        "additionalProperties": True,
    }
    assert down({"type": "object", "additionalProperties": {"type": "string"}}) == {
        "type": "object",
        "additionalProperties": {"type": "string"},
    }


def test_key_patterns_and_key_types_are_dropped() -> None:
    schema = {
        "type": "object",
        "patternProperties": {"^x-": {"type": "string"}},
        "propertyNames": {"pattern": "^x-"},
    }
    assert down(schema) == {"type": "object", "additionalProperties": {"type": "string"}}
