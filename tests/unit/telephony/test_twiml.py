"""The TwiML a transfer redirects a live Twilio call to (a blind transfer: `<Dial>`)."""

import xml.etree.ElementTree as ET

from voxgate.telephony.twilio.twiml import transfer_twiml


def dial(destination: dict[str, object]) -> ET.Element:
    found = ET.fromstring(transfer_twiml(destination)).find("./Dial")
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
