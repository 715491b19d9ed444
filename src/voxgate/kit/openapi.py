"""The served OpenAPI document: FastAPI's, rewritten as OpenAPI 3.0.3.

FastAPI generates OpenAPI 3.1 (JSON Schema 2020-12) and documents a 422 nobody ever receives.
`to_openapi_30` rewrites every schema to 3.0 (openapi_schema.py), replaces the 422 with the
errors we do answer (400/401/404 in NestJS's shape), and drops FastAPI's helper components.
"""

from copy import deepcopy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from voxgate.kit.openapi_schema import COMPONENTS, Schema, downgrade

OPENAPI_VERSION = "3.0.3"
ERROR_SCHEMA = "ErrorResponse"
# status → (component name under components.responses, what it means to a client)
ERROR_RESPONSES = {
    "400": ("BadRequest", "The request is malformed or breaks a validation rule."),
    "401": ("Unauthorized", "The bearer key is missing, unknown or not a private key."),
    "404": ("NotFound", "No such resource in the caller's organization."),
}
_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_ERROR: Schema = {
    "type": "object",
    "required": ["message", "error", "statusCode"],
    "properties": {
        "message": {
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "One message, or one per failed validation rule.",
        },
        "error": {
            "type": "string",
            "description": "The HTTP reason phrase.",
            "example": "Not Found",
        },
        "statusCode": {"type": "integer", "example": 404},
    },
}


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The document `GET /openapi.json` serves, built once per app."""
    if app.openapi_schema is None:
        generated = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            # One schema per model (`Assistant`, not `Assistant-Input`/`Assistant-Output`).
            separate_input_output_schemas=False,
        )
        app.openapi_schema = to_openapi_30(generated)
    return app.openapi_schema


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation of `document`."""
    return [
        (method, path, operation)
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in _METHODS
    ]


def to_openapi_30(generated: dict[str, Any]) -> dict[str, Any]:
    document = deepcopy(generated)
    document["openapi"] = OPENAPI_VERSION
    components = document.setdefault("components", {})
    defs: dict[str, Any] = {}
    schemas = {name: downgrade(s, defs) for name, s in components.get("schemas", {}).items()}
    for _, _, operation in operations(document):
        _rewrite_operation(operation, defs)
    while defs:  # definitions nested in definitions surface one level per pass
        name, schema = defs.popitem()
        schemas.setdefault(name, downgrade(schema, defs))
    _inline_form_bodies(document, schemas)
    for name in _FASTAPI_ONLY:
        schemas.pop(name, None)
    schemas[ERROR_SCHEMA] = deepcopy(_ERROR)
    components["schemas"] = dict(sorted(schemas.items()))
    components["responses"] = {
        name: {
            "description": meaning,
            "content": {"application/json": {"schema": {"$ref": COMPONENTS + ERROR_SCHEMA}}},
        }
        for name, meaning in ERROR_RESPONSES.values()
    }
    components.setdefault("securitySchemes", {}).setdefault(
        "bearer", {"type": "http", "scheme": "bearer"}
    )
    return document


def _rewrite_operation(operation: dict[str, Any], defs: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if "schema" in parameter:
            parameter["schema"] = downgrade(parameter["schema"], defs)
    bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
    for body in bodies:
        for media in body.get("content", {}).values():
            if "schema" in media:
                media["schema"] = downgrade(media["schema"], defs)
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)  # request validation failures are 400s here, as in Vapi
    for status, (name, _) in ERROR_RESPONSES.items():
        responses.setdefault(status, {"$ref": f"#/components/responses/{name}"})


def _inline_form_bodies(document: dict[str, Any], schemas: dict[str, Any]) -> None:
    """FastAPI names form bodies `Body_<operation>`; such a name means nothing to a client."""
    for _, _, operation in operations(document):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            ref = media.get("schema", {}).get("$ref", "")
            name = ref.removeprefix(COMPONENTS)
            if name.startswith("Body_") and name in schemas:
                media["schema"] = schemas[name]
    for name in [name for name in schemas if name.startswith("Body_")]:
        del schemas[name]
