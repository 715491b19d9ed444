"""The TwiML a transfer redirects a live Twilio call to (`<Dial>`), and a warm transfer's
whisper: what the destination hears before the caller is bridged."""

import xml.etree.ElementTree as ET

import pytest

from voxgate.telephony.twilio.twiml import transfer_twiml, whisper_twiml

WAIT = "warm-transfer-wait-for-operator-to-speak-first-and-then-say-message"
WHISPER = "https://voxgate.example/twilio/whisper/c1"


def dial(destination: dict[str, object], whisper: str | None = None) -> ET.Element:
    found = ET.fromstring(transfer_twiml(destination, whisper)).find("./Dial")
    assert found is not None
    return found


def test_a_number_is_dialled_with_its_caller_id_extension_and_ring_time() -> None:
    plan = {"mode": "blind-transfer", "timeout": 20}
    destination = {"type": "number", "number": "+14155550100", "callerId": "+15550001111",
                   "extension": "42", "transferPlan": plan}  # fmt: skip
    found = dial(destination)
    assert found.attrib == {"callerId": "+15550001111", "timeout": "20"}
    number = found.find("./Number")
    assert number is not None and number.text == "+14155550100"
    assert number.attrib == {"sendDigits": "42"}


def test_a_plain_number_leaves_twilios_defaults() -> None:
    found = dial({"type": "number", "number": "+14155550100"})
    number = found.find("./Number")
    assert found.attrib == {} and number is not None and number.attrib == {}


def test_sip_headers_go_in_the_uris_query_string() -> None:
    headers = {"X-Room": "12 B", "X-Id": "a&b"}
    sip = dial({"type": "sip", "sipUri": "sip:desk@example.com", "sipHeaders": headers})
    assert sip.findtext("./Sip") == "sip:desk@example.com?X-Room=12%20B&X-Id=a%26b"
    joined = dial({"type": "sip", "sipUri": "sip:desk@example.com?x-a=1", "sipHeaders": {"X-B": 2}})
    assert joined.findtext("./Sip") == "sip:desk@example.com?x-a=1&X-B=2"


def test_a_warm_transfers_number_and_sip_address_carry_the_whisper_url() -> None:
    number = dial({"type": "number", "number": "+14155550100", "extension": "7"}, WHISPER)
    assert number.find("./Number").attrib == {"sendDigits": "7", "url": WHISPER, "method": "POST"}  # type: ignore[union-attr]
    sip = dial({"type": "sip", "sipUri": "sip:desk@example.com"}, WHISPER)
    assert sip.find("./Sip").attrib == {"url": WHISPER, "method": "POST"}  # type: ignore[union-attr]


def whisper(plan: dict[str, object], spoke: bool = False) -> ET.Element | None:
    said = whisper_twiml({"type": "number", "number": "+1", "transferPlan": plan}, spoke)
    return None if said is None else ET.fromstring(said)


def test_say_message_says_the_plans_message() -> None:
    said = whisper({"mode": "warm-transfer-say-message", "message": "A caller about billing."})
    assert said is not None and [e.tag for e in said] == ["Say"]
    assert said.findtext("./Say") == "A caller about billing."


def test_a_summary_mode_says_the_plans_message_as_no_summary_is_made() -> None:
    said = whisper({"mode": "warm-transfer-say-summary", "message": "A caller."})
    assert said is not None and said.findtext("./Say") == "A caller."


def test_waiting_for_the_operator_gathers_their_words_then_says_the_message() -> None:
    said = whisper({"mode": WAIT, "message": "A caller.", "timeout": 30})
    assert said is not None and [e.tag for e in said] == ["Gather", "Say"]
    gather = said.find("./Gather")
    assert gather is not None and gather.attrib == {
        "input": "speech", "speechTimeout": "auto", "timeout": "30"
    }  # fmt: skip
    assert "action" not in gather.attrib  # the words come back to the whisper URL itself
    spoke = whisper({"mode": WAIT, "message": "A caller."}, spoke=True)
    assert spoke is not None and [e.tag for e in spoke] == ["Say"]
    default = whisper({"mode": WAIT, "message": "A caller."})
    assert default is not None and default.find("./Gather").attrib["timeout"] == "60"  # type: ignore[union-attr]


def test_the_plans_own_twiml_is_run_as_given() -> None:
    twiml = '<Say voice="alice">Hello.</Say><Pause length="2"/><Gather><Say>1?</Say></Gather>'
    said = whisper({"mode": "warm-transfer-twiml", "twiml": twiml})
    assert said is not None and [e.tag for e in said] == ["Say", "Pause", "Gather"]
    assert said.find("./Say").attrib == {"voice": "alice"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("twiml", "why"),
    [
        ("<Dial>+14155550100</Dial>", "not Dial"),
        ("<Say>Hi</Say><Gather><Redirect>x</Redirect></Gather>", "not Redirect"),
        ("<Say>unclosed", "not XML"),
        ("<Response><Say>Hi</Say></Response>", "not Response"),
        ("", "empty"),
        ("<Say>" + "a" * 4090 + "</Say>", "longer than 4096"),
    ],
)
def test_twiml_twilio_must_not_run_is_refused(twiml: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        whisper({"mode": "warm-transfer-twiml", "twiml": twiml})


@pytest.mark.parametrize(
    "plan",
    [
        {"mode": "blind-transfer", "message": "Hi"},
        {"mode": "warm-transfer-experimental", "message": "Hi"},
        {"mode": "blind-transfer-add-summary-to-sip-header", "message": "Hi"},
        {"mode": "warm-transfer-say-message", "message": "  "},
        {"mode": "warm-transfer-say-message"},
    ],
)
def test_other_modes_and_nothing_to_say_have_no_whisper(plan: dict[str, object]) -> None:
    assert whisper(plan) is None
