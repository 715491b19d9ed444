"""Validate our bodies against Vapi's published schemas (the vendored, normalized copy)."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "vapi-openapi.validation.json"
URI = "urn:vapi-openapi"


@cache
def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(FIXTURE.read_text())
    return document


@cache
def _validator(schema_name: str) -> OAS30Validator:
    resource = Resource.from_contents(_document(), default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(URI, resource)
    schema = {"$ref": f"{URI}#/components/schemas/{schema_name}"}
    return OAS30Validator(schema, registry=registry)


def reference_errors(body: Any, schema_name: str) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in _validator(schema_name).iter_errors(body)
    ]


def assert_matches(body: Any, schema_name: str) -> None:
    """Fail with every violation of Vapi's `schema_name` schema."""
    errors = reference_errors(body, schema_name)
    assert not errors, f"{schema_name} violations:\n" + "\n".join(errors)
