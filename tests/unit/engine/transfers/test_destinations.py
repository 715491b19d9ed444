"""Destinations as configured: the names the LLM picks by, the words said first, and the two
assistant forms of a squad member's `assistantDestinations` told apart (VAPI-BEHAVIOUR §8)."""

from tests.support.reference import assert_matches
from voxgate.engine.transfers.destinations import (
    DEFAULT_TRANSFER_MESSAGE,
    assistant_form,
    destination_name,
    find_destination,
    split_member_destinations,
    transfer_message,
)

LEGACY = {"type": "assistant", "assistantName": "Billing", "transferMode": "delete-history",
          "message": "One moment.", "description": "billing questions"}  # fmt: skip
HANDOFF = {"type": "assistant", "assistantName": "Billing",
           "contextEngineeringPlan": {"type": "lastNMessages", "maxMessages": 4}}  # fmt: skip


def test_the_two_forms_validate_as_vapi_s_schemas() -> None:
    assert_matches(LEGACY, "TransferDestinationAssistant")
    assert_matches(HANDOFF, "HandoffDestinationAssistant")


def test_a_handoff_only_key_makes_a_handoff_and_everything_else_is_the_legacy_transfer() -> None:
    assert assistant_form(LEGACY) == "transfer"
    assert assistant_form(HANDOFF) == "handoff"
    assert assistant_form({"type": "assistant", "assistantId": "a1"}) == "handoff"
    assert assistant_form({"type": "assistant", "assistant": {"name": "x"}}) == "handoff"
    # Valid in both schemas: the legacy transfer, as assistantDestinations always meant.
    assert assistant_form({"type": "assistant", "assistantName": "Billing"}) == "transfer"


def test_member_destinations_split_and_junk_dropped() -> None:
    transfers, handoffs = split_member_destinations(
        [LEGACY, HANDOFF, {"type": "number", "number": "+15550100"}, "junk"]
    )
    assert transfers == [LEGACY] and handoffs == [HANDOFF]
    assert split_member_destinations(None) == ([], [])


def test_each_type_is_named_by_its_own_field() -> None:
    assert destination_name(LEGACY) == "Billing"
    assert destination_name({"type": "number", "number": "+15550100"}) == "+15550100"
    assert destination_name({"type": "sip", "sipUri": "sip:a@b.example"}) == "sip:a@b.example"
    assert destination_name({"type": "assistant"}) is None
    assert destination_name({"type": "dynamic"}) is None
    assert find_destination([LEGACY, "junk"], "Billing") is LEGACY
    assert find_destination([LEGACY], "Sales") is None


def test_the_words_said_first() -> None:
    assert transfer_message(LEGACY) == "One moment."
    assert transfer_message({"type": "assistant", "assistantName": "B"}) == DEFAULT_TRANSFER_MESSAGE
    assert transfer_message({**LEGACY, "message": ""}) == ""  # a silent transfer
    custom = {"type": "custom-message", "content": "Connecting you."}
    assert transfer_message({**LEGACY, "message": custom}) == "Connecting you."
    variants = [{"type": "text", "text": "Hello.", "language": "en"},
                {"type": "text", "text": "Hola.", "language": "es"}]  # fmt: skip
    by_language = {"type": "request-start", "contents": variants}
    assert transfer_message({**LEGACY, "message": by_language}, None, "es") == "Hola."
    # Without its own message: nothing more when the tool has a request-start of its own
    # (already said as the call began), else the default.
    tool = {"type": "transferCall", "messages": [{"type": "request-start", "content": "Sure."}]}
    assert transfer_message({"type": "assistant", "assistantName": "B"}, tool) == ""
    plain = {"type": "transferCall", "messages": [{"type": "request-failed", "content": "No."}]}
    assert transfer_message({"type": "assistant", "assistantName": "B"}, plain) == (
        DEFAULT_TRANSFER_MESSAGE
    )
