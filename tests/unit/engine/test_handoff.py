"""`handoff` tools as LLM functions, and which destination a call of one picks."""

from voxgate.engine.handoff import handoff_schema, handoff_schemas, pick_destination
from voxgate.engine.squad import Member, Squad, destination_key

BILLING = {"type": "assistant", "assistantName": "Billing", "description": "billing questions"}
SUPPORT = {"type": "assistant", "assistantId": "a1b2", "description": "broken things"}


def test_one_destination_gives_handoff_to_its_name() -> None:
    schema = handoff_schema({"type": "handoff", "destinations": [BILLING]})
    assert schema is not None
    assert schema.name == "handoff_to_Billing"
    assert schema.required == ["destination"]
    assert schema.properties["destination"]["enum"] == ["Billing"]
    assert "billing questions" in schema.description


def test_several_destinations_share_one_function_with_an_enum() -> None:
    schema = handoff_schema({"type": "handoff", "destinations": [BILLING, SUPPORT]})
    assert schema is not None
    assert schema.name == "handoff_to_Billing"  # named after the first, as Vapi does
    assert schema.properties["destination"]["enum"] == ["Billing", "a1b2"]


def test_a_name_is_made_fit_for_a_function() -> None:
    tool = {
        "type": "handoff",
        "destinations": [{"type": "assistant", "assistantName": "Tech Desk!"}],
    }
    schema = handoff_schema(tool)
    assert schema is not None and schema.name == "handoff_to_Tech_Desk_"


def test_the_tools_own_function_is_used() -> None:
    function = {
        "name": "to_department",
        "description": "Send the caller on.",
        "parameters": {
            "type": "object",
            "properties": {"destination": {"type": "string", "enum": ["Billing"]},
                           "reason": {"type": "string"}},
            "required": ["destination", "reason"],
        },
    }  # fmt: skip
    schema = handoff_schema({"type": "handoff", "destinations": [BILLING], "function": function})
    assert schema is not None
    assert (schema.name, schema.description) == ("to_department", "Send the caller on.")
    assert schema.required == ["destination", "reason"]
    named = handoff_schema(
        {"type": "handoff", "destinations": [BILLING], "function": {"name": "x"}}
    )
    assert named is not None and named.name == "x" and named.required == ["destination"]


def test_only_handoff_tools_become_handoff_functions() -> None:
    assistant = {"model": {"tools": [{"type": "endCall"}, {"type": "handoff", "destinations": []}]}}
    assert handoff_schemas(assistant) == []  # a handoff with no destination offers nothing


def test_the_destination_argument_picks_and_one_destination_needs_none() -> None:
    tool = {"type": "handoff", "destinations": [BILLING, SUPPORT]}
    assert pick_destination(tool, {"destination": "a1b2"}) == SUPPORT
    assert pick_destination(tool, {"destination": "nobody"}) is None
    assert pick_destination(tool, {}) is None
    assert pick_destination({"type": "handoff", "destinations": [BILLING]}, {}) == BILLING


def test_a_squad_finds_destinations_by_name_id_or_their_own_resolution() -> None:
    front = Member("Front desk", {"name": "Front desk"})
    billing = Member("Billing", {"name": "Billing"}, assistant_id="b-1")
    overridden = {**BILLING, "assistantOverrides": {"firstMessage": "Hi again."}}
    variant = Member("Billing", {"name": "Billing"}, key=destination_key(overridden))
    squad = Squad([front, billing, variant])
    assert squad.for_destination(BILLING) is billing
    assert squad.for_destination({"type": "assistant", "assistantId": "b-1"}) is billing
    assert squad.for_destination(overridden) is variant
    assert squad.for_destination({"type": "assistant", "assistantName": "Nobody"}) is None
    assert billing.activation() == {"assistantName": "Billing", "assistantId": "b-1"}
