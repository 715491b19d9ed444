"""`to_openapi_30` over what FastAPI generates for the kinds of models and routes we write."""

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Form, UploadFile
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from openapi_spec_validator import validate
from pydantic import BaseModel, ConfigDict, Field

from voxgate.kit.openapi import openapi_document, operations

bearer = HTTPBearer(auto_error=False, scheme_name="bearer")
Auth = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class Server(BaseModel):
    model_config = ConfigDict(extra="allow")
    url: str | None = None


class FunctionTool(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["function"]
    server: Server | None = Field(default=None, description="Where calls go.")


class EndCallTool(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["endCall"]


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tool: FunctionTool | EndCallTool = Field(discriminator="type")
    ratio: float = Field(gt=0, lt=1, examples=[0.5])
    pair: tuple[int, str] | None = None
    order: Literal["ASC", "DESC"] | None = None


def tiny_app() -> FastAPI:
    app = FastAPI(title="t", version="1.2.3")

    @app.post("/thing", operation_id="ThingController_create", tags=["Things"])
    async def create(body: Thing, auth: Auth) -> Thing:
        return body

    @app.get("/thing/{id}", response_model=Thing, operation_id="ThingController_findOne")
    async def find(id: str, auth: Auth, limit: float | None = None) -> Any: ...

    @app.post("/file", operation_id="FileController_create")
    async def upload(
        auth: Auth, file: UploadFile = File(...), name: str | None = Form(None)
    ) -> dict[str, str]:
        return {}

    return app


def schemas_in(node: Any) -> Iterator[dict[str, Any]]:
    """Every dict anywhere in the document (schemas included)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from schemas_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from schemas_in(value)


def test_the_document_is_valid_openapi_303() -> None:
    document = openapi_document(tiny_app())
    assert document["openapi"] == "3.0.3"
    validate(document)


def test_no_json_schema_2020_keyword_survives() -> None:
    document = openapi_document(tiny_app())
    for node in schemas_in(document["components"]["schemas"]):
        for keyword in ("const", "prefixItems", "$defs", "contentMediaType", "examples"):
            assert keyword not in node, node
        assert node.get("type") != "null" and not isinstance(node.get("type"), list), node
        for bound in ("exclusiveMinimum", "exclusiveMaximum"):
            assert isinstance(node.get(bound, True), bool), node


def test_fastapi_helpers_are_gone_and_our_errors_are_declared() -> None:
    document = openapi_document(tiny_app())
    schemas = document["components"]["schemas"]
    assert sorted(schemas) == ["EndCallTool", "ErrorResponse", "FunctionTool", "Server", "Thing"]
    for _, _, operation in operations(document):
        responses = operation["responses"]
        assert "422" not in responses
        assert responses["400"] == {"$ref": "#/components/responses/BadRequest"}
        assert responses["401"] == {"$ref": "#/components/responses/Unauthorized"}
        assert responses["404"] == {"$ref": "#/components/responses/NotFound"}
    error = document["components"]["responses"]["NotFound"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
    assert schemas["ErrorResponse"]["required"] == ["message", "error", "statusCode"]


def test_bearer_security_is_declared() -> None:
    document = openapi_document(tiny_app())
    assert document["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer"}
    }
    for _, _, operation in operations(document):
        assert operation["security"] == [{"bearer": []}]


def test_form_bodies_are_inlined_with_binary_files() -> None:
    document = openapi_document(tiny_app())
    body = document["paths"]["/file"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert body["schema"]["properties"]["file"] == {"type": "string", "format": "binary"}
    assert body["schema"]["required"] == ["file"]
    assert not any(name.startswith("Body_") for name in document["components"]["schemas"])


def test_models_keep_their_names_and_extra_policy() -> None:
    document = openapi_document(tiny_app())
    schemas = document["components"]["schemas"]
    assert schemas["Thing"]["additionalProperties"] is False
    assert schemas["Server"]["additionalProperties"] is True
    tool = schemas["Thing"]["properties"]["tool"]
    assert tool["discriminator"]["mapping"] == {
        "function": "#/components/schemas/FunctionTool",
        "endCall": "#/components/schemas/EndCallTool",
    }
    assert schemas["FunctionTool"]["properties"]["server"] == {
        "description": "Where calls go.",
        "nullable": True,
        "allOf": [{"$ref": "#/components/schemas/Server"}],
    }


def test_the_document_is_built_once() -> None:
    app = tiny_app()
    assert openapi_document(app) is openapi_document(app)
