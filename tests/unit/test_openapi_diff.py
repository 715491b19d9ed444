"""The snapshot comparison: every breaking kind is caught, additive changes pass."""

import copy
from typing import Any

import pytest

from tests.support.openapi_diff import breaking_changes, differences, major


def base() -> dict[str, Any]:
    thing = "#/components/schemas/Thing"
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {
            "/thing": {
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/CreateThingDTO"}
                            }
                        },
                    },
                    "responses": {
                        "201": {"content": {"application/json": {"schema": {"$ref": thing}}}},
                        "400": {"$ref": "#/components/responses/BadRequest"},
                    },
                },
                "get": {
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "number"}},
                        {
                            "name": "sortOrder",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["ASC", "DESC"]},
                        },
                    ],
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"type": "array", "items": {"$ref": thing}}
                                }
                            }
                        }
                    },
                },
            },
        },
        "components": {
            "responses": {"BadRequest": {"description": "bad"}},
            "schemas": {
                "CreateThingDTO": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["kind"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "name": {"type": "string", "nullable": True},
                        "tags": {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}},
                    },
                },
                "Thing": {
                    "type": "object",
                    "required": ["id", "kind"],
                    "properties": {
                        "id": {"type": "string"},
                        "kind": {"type": "string", "enum": ["a", "b"]},
                        "name": {"type": "string"},
                        "parent": {"nullable": True, "allOf": [{"$ref": thing}]},
                        "tool": {
                            "oneOf": [
                                {"$ref": "#/components/schemas/FunctionTool"},
                                {"type": "string"},
                            ]
                        },
                    },
                },
                "FunctionTool": {
                    "type": "object",
                    "properties": {"type": {"type": "string", "enum": ["function"]}},
                },
            },
        },
    }


def changed(edit: Any) -> list[str]:
    new = copy.deepcopy(base())
    edit(new)
    return breaking_changes(base(), new)


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = document["components"]["schemas"]
    return result


def test_the_same_document_has_no_breaking_change() -> None:
    assert breaking_changes(base(), base()) == []


def test_additive_changes_are_not_breaking() -> None:
    def grow(doc: dict[str, Any]) -> None:
        doc["info"]["version"] = "1.1.0"
        doc["paths"]["/other"] = {"get": {"responses": {"200": {}}}}
        create = schemas(doc)["CreateThingDTO"]["properties"]
        create["extra"] = {"type": "string"}
        create["kind"]["enum"].append("c")
        schemas(doc)["Thing"]["properties"]["extra"] = {"type": "string"}
        schemas(doc)["Thing"]["required"].append("name")  # a response guarantees more
        schemas(doc)["CreateThingDTO"]["required"] = []  # a request demands less
        doc["paths"]["/thing"]["get"]["parameters"].append(
            {"name": "search", "in": "query", "schema": {"type": "string"}}
        )
        doc["paths"]["/thing"]["post"]["responses"]["404"] = {"description": "gone"}

    assert changed(grow) == []


def test_a_removed_operation() -> None:
    assert changed(lambda doc: doc["paths"]["/thing"].pop("get")) == [
        "GET /thing: operation removed"
    ]


def test_a_removed_success_response() -> None:
    def drop(doc: dict[str, Any]) -> None:
        doc["paths"]["/thing"]["post"]["responses"].pop("201")

    assert changed(drop) == ["POST /thing: response 201 removed"]


def test_a_removed_response_field_is_found_through_refs() -> None:
    # Reported once, where the component is first met.
    problems = changed(lambda doc: schemas(doc)["Thing"]["properties"].pop("name"))
    assert problems == ["POST /thing response 201: response field name removed"]


def test_a_removed_response_field_is_found_in_arrays() -> None:
    def drop(doc: dict[str, Any]) -> None:
        doc["paths"]["/thing"].pop("post")
        schemas(doc)["Thing"]["properties"].pop("name")

    assert changed(drop) == [
        "POST /thing: operation removed",
        "GET /thing response 200[]: response field name removed",
    ]


def test_a_response_field_no_longer_always_present() -> None:
    problems = changed(lambda doc: schemas(doc)["Thing"]["required"].remove("kind"))
    assert problems[0] == "POST /thing response 201: response field kind no longer always present"


def test_a_newly_required_request_field() -> None:
    problems = changed(lambda doc: schemas(doc)["CreateThingDTO"]["required"].append("name"))
    assert problems == ["POST /thing request: request field name is newly required"]


def test_a_new_required_request_field() -> None:
    def add(doc: dict[str, Any]) -> None:
        schemas(doc)["CreateThingDTO"]["properties"]["owner"] = {"type": "string"}
        schemas(doc)["CreateThingDTO"]["required"].append("owner")

    assert changed(add) == ["POST /thing request: request field owner is newly required"]


def test_a_removed_request_field_where_extras_are_rejected() -> None:
    problems = changed(lambda doc: schemas(doc)["CreateThingDTO"]["properties"].pop("name"))
    assert problems == ["POST /thing request: request field name no longer accepted"]


def test_a_newly_required_parameter() -> None:
    def require(doc: dict[str, Any]) -> None:
        doc["paths"]["/thing"]["get"]["parameters"][0]["required"] = True

    assert changed(require) == ["GET /thing query parameter limit: newly required"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            ("CreateThingDTO", "kind"),
            ["POST /thing request.kind: enum value 'b' removed"],
        ),
        (
            ("Thing", "kind"),
            ["POST /thing response 201.kind: enum value 'b' removed"],
        ),
    ],
)
def test_a_narrowed_enum(path: tuple[str, str], expected: list[str]) -> None:
    def narrow(doc: dict[str, Any]) -> None:
        schemas(doc)[path[0]]["properties"][path[1]]["enum"].remove("b")

    assert changed(narrow) == expected


def test_a_narrowed_enum_in_array_items_parameters_and_union_members() -> None:
    def narrow(doc: dict[str, Any]) -> None:
        schemas(doc)["CreateThingDTO"]["properties"]["tags"]["items"]["enum"] = ["x"]
        doc["paths"]["/thing"]["get"]["parameters"][1]["schema"]["enum"] = ["DESC"]
        schemas(doc)["FunctionTool"]["properties"]["type"]["enum"] = ["fn"]

    assert sorted(changed(narrow)) == [
        "GET /thing query parameter sortOrder: enum value 'ASC' removed",
        "POST /thing request.tags[]: enum value 'y' removed",
        "POST /thing response 201.tool<FunctionTool>.type: enum value 'function' removed",
    ]


def test_recursive_schemas_terminate() -> None:
    # Thing.parent refers to Thing itself.
    assert changed(lambda doc: None) == []


def test_major() -> None:
    assert major("0.1.0") == 0
    assert major("2.0.0") == 2


def test_differences_name_what_changed() -> None:
    new = base()
    new["info"]["version"] = "1.1.0"
    new["paths"].pop("/thing")
    new["paths"]["/other"] = {}
    assert differences(base(), new) == ["~ /info/version", "+ /paths[/other]", "- /paths[/thing]"]
    assert len(differences(base(), new, limit=2)) == 2
    assert differences(base(), base()) == []
