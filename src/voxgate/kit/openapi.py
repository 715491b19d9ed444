"""The served OpenAPI document: FastAPI's, rewritten as OpenAPI 3.0.3."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi


def openapi_document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        document["openapi"] = "3.0.3"
        app.openapi_schema = document
    return app.openapi_schema
