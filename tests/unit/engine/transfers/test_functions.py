"""The function a `transferCall` tool offers the LLM (VAPI-BEHAVIOUR §7.2.1), and a squad
member's legacy destinations joining it."""

from voxgate.engine.transfers.functions import (
    transfer_destinations,
    transfer_function,
    with_assistant_destinations,
    with_member_destinations,
)

BILLING = {"type": "assistant", "assistantName": "Billing", "description": "billing questions"}
DESK = {"type": "number", "number": "+15550100"}


def test_destinations_become_a_required_enum() -> None:
    tool = {"type": "transferCall", "destinations": [BILLING, DESK, {"type": "sip"}]}
    schema = transfer_function(tool).to_default_dict()
    assert schema["name"] == "transferCall"
    parameters = schema["parameters"]
    assert parameters["required"] == ["destination"]
    assert parameters["properties"]["destination"]["enum"] == ["Billing", "+15550100"]
    assert parameters["properties"]["destination"]["type"] == "string"
    assert "1. Billing. When: billing questions" in schema["description"]
    assert "2. +15550100" in schema["description"]
    assert transfer_destinations(tool) == [BILLING, DESK]  # a SIP URI-less one is not offered


def test_no_destinations_no_argument() -> None:
    schema = transfer_function({"type": "transferCall", "destinations": []}).to_default_dict()
    assert schema["name"] == "transferCall"
    assert schema["parameters"]["properties"] == {} and schema["parameters"]["required"] == []


def test_the_tool_s_function_renames_and_overrides() -> None:
    tool = {"type": "transferCall", "destinations": [],
            "function": {"name": "dynamicDestinationTransferCall"}}  # fmt: skip
    assert transfer_function(tool).name == "dynamicDestinationTransferCall"
    parameters = {"type": "object", "properties": {"area": {"type": "string"}},
                  "required": ["area"]}  # fmt: skip
    tool = {
        "type": "transferCall",
        "destinations": [BILLING],
        "function": {"name": "route", "description": "Route it.", "parameters": parameters},
    }
    schema = transfer_function(tool).to_default_dict()
    assert schema["description"] == "Route it."
    assert schema["parameters"]["properties"] == {"area": {"type": "string"}}
    assert schema["parameters"]["required"] == ["area"]


def test_member_destinations_join_the_transfer_tool_or_make_one() -> None:
    end = {"type": "endCall"}
    tools = [end]
    added = with_member_destinations(tools, [BILLING])
    assert added == [end, {"type": "transferCall", "destinations": [BILLING]}]
    assert tools == [end]  # not changed

    own = {"type": "transferCall", "destinations": [DESK]}
    joined = with_member_destinations([own], [BILLING])
    assert joined == [{"type": "transferCall", "destinations": [DESK, BILLING]}]
    assert own == {"type": "transferCall", "destinations": [DESK]}

    renamed = {"type": "transferCall", "destinations": [], "function": {"name": "route"}}
    assert with_member_destinations([renamed], [BILLING])[1]["destinations"] == [BILLING]
    assert with_member_destinations([end], []) == [end]


def test_a_member_s_destinations_become_its_tools() -> None:
    handoff = {"type": "assistant", "assistantName": "Sales",
               "contextEngineeringPlan": {"type": "none"}}  # fmt: skip
    assistant = {"name": "Front", "model": {"provider": "openai", "tools": [{"type": "endCall"}]}}
    became = with_assistant_destinations(assistant, [BILLING, handoff])
    assert became["model"]["provider"] == "openai"
    assert became["model"]["tools"] == [
        {"type": "endCall"},
        {"type": "transferCall", "destinations": [BILLING]},
        {"type": "handoff", "destinations": [handoff]},
    ]
    assert assistant["model"]["tools"] == [{"type": "endCall"}]  # not changed
    assert with_assistant_destinations(assistant, None) is assistant
    assert with_assistant_destinations({"name": "x"}, [BILLING])["model"]["tools"] == [
        {"type": "transferCall", "destinations": [BILLING]}
    ]
