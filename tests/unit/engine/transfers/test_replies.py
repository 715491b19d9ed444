"""The answers to `transfer-destination-request` and `handoff-destination-request`, bare (the
unwrapping of `messageResponse` is webhooks/request.py's), read as Vapi's §5.3 shapes."""

from tests.support.reference import assert_matches
from voxgate.engine.transfers.replies import (
    NO_ANSWER,
    HandoffTo,
    Refused,
    TransferTo,
    read_handoff_reply,
    read_transfer_reply,
)

BILLING = {"type": "assistant", "assistantName": "Billing"}


def test_a_transfer_destination_with_its_message() -> None:
    hold_on = {"type": "request-start", "content": "Hold on."}
    reply = {"destination": BILLING, "message": hold_on}
    assert_matches(reply, "ServerMessageResponseTransferDestinationRequest")
    assert read_transfer_reply(reply) == TransferTo(BILLING, hold_on)
    number = {"type": "number", "number": "+14155552671", "message": "Connecting you."}
    assert read_transfer_reply({"destination": number}) == TransferTo(number, None)


def test_an_error_wins_over_a_destination() -> None:
    reply = {"destination": BILLING, "error": "Billing is closed."}
    assert_matches(reply, "ServerMessageResponseTransferDestinationRequest")
    assert read_transfer_reply(reply) == Refused("Billing is closed.")
    assert read_handoff_reply(reply) == Refused("Billing is closed.")


def test_no_usable_transfer_reply_is_refused_with_a_reason() -> None:
    assert read_transfer_reply(None) == Refused(NO_ANSWER)
    assert read_transfer_reply({}) == Refused(NO_ANSWER)
    assert read_transfer_reply({"destination": "Billing"}) == Refused(NO_ANSWER)
    assert read_transfer_reply({"error": "  "}) == Refused(NO_ANSWER)
    unknown = read_transfer_reply({"destination": {"type": "step"}})
    assert isinstance(unknown, Refused) and "'step'" in unknown.reason
    nameless = read_transfer_reply({"destination": {"type": "sip"}})
    assert nameless == Refused("The server's sip destination has no sipUri.")


def test_a_handoff_destination_with_its_result() -> None:
    reply = {"destination": {"type": "assistant", "assistantId": "a1"}, "result": "Handed off."}
    assert_matches(reply, "ServerMessageResponseHandoffDestinationRequest")
    assert read_handoff_reply(reply) == HandoffTo(reply["destination"], "Handed off.")
    transient = {"type": "assistant", "assistant": {"name": "Temp"}}
    assert read_handoff_reply({"destination": transient}) == HandoffTo(transient, None)
    squad = {"type": "squad", "squadId": "s1"}
    assert read_handoff_reply({"destination": squad}) == HandoffTo(squad, None)


def test_no_usable_handoff_reply_is_refused_with_a_reason() -> None:
    assert read_handoff_reply(None) == Refused(NO_ANSWER)
    assert isinstance(read_handoff_reply({"destination": {"type": "assistant"}}), Refused)
    assert isinstance(read_handoff_reply({"destination": {"type": "squad"}}), Refused)
    assert isinstance(read_handoff_reply({"destination": {"type": "dynamic"}}), Refused)
