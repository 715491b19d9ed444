"""The TwiML voxgate answers Twilio with, built with twilio's own `VoiceResponse`.

A warm transfer is Twilio's whisper: the `<Dial>`'s `<Number>` or `<Sip>` carries a `url`, whose
TwiML Twilio runs on the destination's leg once it answers, then bridges the caller (who hears
ringing meanwhile). `whisper_twiml` is that TwiML for a destination's `transferPlan.mode`:
- `warm-transfer-say-message`: `<Say>` the plan's `message` (rendered by the engine).
- `warm-transfer-wait-for-operator-to-speak-first-and-then-say-message`: a speech `<Gather>`
  (up to the plan's `timeout`, Vapi's default 60 s) waits for the operator's first words; Twilio
  posts them back to the whisper URL (a `<Gather>` without `action` posts to its own document),
  which answers with the `<Say>`. An operator who says nothing hears the `<Say>` at the timeout.
- the two summary modes: as the two above; the engine has put the call's summary in `message`.
- `warm-transfer-twiml`: the plan's `twiml` in a `<Response>`, refused unless it is at most 4096
  characters of Vapi's allowed verbs (`Play`, `Say`, `Gather`, `Hangup`, `Pause`).
Any other mode, or nothing to say, has no whisper: the transfer is blind.
"""

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from twilio.twiml.voice_response import Connect, Dial, Gather, VoiceResponse

from voxgate.config import get_settings
from voxgate.telephony.twilio import signature
from voxgate.wire.call_urls import ws_url

STREAM_PATH = "/twilio/stream/{id}"  # websocket: a Twilio call's media stream
WHISPER_PATH = "/twilio/whisper/{id}"  # what the destination of a warm transfer hears first
SAYS = ("warm-transfer-say-message", "warm-transfer-say-summary")
WAITS = (
    "warm-transfer-wait-for-operator-to-speak-first-and-then-say-message",
    "warm-transfer-wait-for-operator-to-speak-first-and-then-say-summary",
)
OWN_TWIML = "warm-transfer-twiml"
TWIML_VERBS = frozenset({"Play", "Say", "Gather", "Hangup", "Pause"})
TWIML_LIMIT = 4096


def stream_url(call_id: str, number: Mapping[str, Any]) -> str:
    url = ws_url(get_settings().public_url, STREAM_PATH.format(id=call_id))
    return signature.tokened(url, number, signature.call_subject(call_id))


def connect_stream(call_id: str, number: Mapping[str, Any]) -> str:
    """Connect the call's audio to voxgate's media stream for this call (bidirectional), on
    the URL that `number`'s requests are checked with (signature.py)."""
    response = VoiceResponse()
    connect = Connect()
    connect.stream(url=stream_url(call_id, number))
    response.append(connect)
    return str(response)


def whisper_url(call_id: str, number: Mapping[str, Any]) -> str:
    url = get_settings().public_url.rstrip("/") + WHISPER_PATH.format(id=call_id)
    return signature.tokened(url, number, signature.call_subject(call_id))


def whisper_twiml(destination: Mapping[str, Any], spoke: bool = False) -> str | None:
    """What the destination hears before the caller is bridged (the module's docstring), None
    for no whisper; `spoke`: the operator has spoken (the `<Gather>` came back). Raises
    `ValueError` for a plan's `twiml` Twilio must not run."""
    plan = destination.get("transferPlan")
    plan = plan if isinstance(plan, dict) else {}
    mode, message = plan.get("mode"), plan.get("message")
    if mode == OWN_TWIML:
        return _own_twiml(plan.get("twiml"))
    if mode not in (*SAYS, *WAITS) or not isinstance(message, str) or not message.strip():
        return None  # the engine renders a message object to its words
    response = VoiceResponse()
    if mode in WAITS and not spoke:
        timeout = plan.get("timeout")
        seconds = int(timeout) if isinstance(timeout, int | float) and timeout >= 1 else 60
        response.append(Gather(input="speech", speech_timeout="auto", timeout=seconds))
    response.say(message)
    return str(response)


def _own_twiml(twiml: Any) -> str:
    if not isinstance(twiml, str) or not twiml.strip():
        raise ValueError("transferPlan.twiml is empty.")
    if len(twiml) > TWIML_LIMIT:
        raise ValueError(f"transferPlan.twiml is longer than {TWIML_LIMIT} characters.")
    text = f"<Response>{twiml}</Response>"
    try:
        root = ET.fromstring(text)
        verbs = {element.tag for element in root.iter() if element is not root}
    except ET.ParseError as error:
        raise ValueError(f"transferPlan.twiml is not XML: {error}") from error
    if other := ", ".join(sorted(verbs - TWIML_VERBS)):
        allowed = ", ".join(sorted(TWIML_VERBS))
        raise ValueError(f"transferPlan.twiml may only use {allowed}, not {other}.")
    return '<?xml version="1.0" encoding="UTF-8"?>' + text


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def sip_with_headers(uri: str, headers: Any) -> str:
    """The SIP URI with the destination's `sipHeaders` in its query string, the form Twilio
    puts into the INVITE (custom headers need an `X-` prefix; Twilio drops the others)."""
    if not isinstance(headers, dict) or not headers:
        return uri
    query = urlencode({str(k): str(v) for k, v in headers.items()}, quote_via=quote)
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


def transfer_twiml(destination: dict[str, Any], whisper: str | None = None) -> str:
    """A `number` or `sip` transfer destination as a `<Dial>` (the caller leaves voxgate's
    stream for the destination; warm with the `whisper` URL, else blind). `callerId` when set
    (else Twilio's default, the call's own caller ID), a number's `extension` dialled once it
    answers (`sendDigits`), `transferPlan.timeout` as the ring time."""
    response = VoiceResponse()
    plan = destination.get("transferPlan")
    timeout = plan.get("timeout") if isinstance(plan, dict) else None
    dial = Dial(
        caller_id=destination.get("callerId") or None,
        timeout=int(timeout) if isinstance(timeout, int | float) else None,
    )
    warm = {"url": whisper, "method": "POST"} if whisper else {}
    if destination.get("type") == "sip":
        dial.sip(sip_with_headers(destination["sipUri"], destination.get("sipHeaders")), **warm)
    else:
        digits = destination.get("extension") or None
        dial.number(destination["number"], send_digits=digits, **warm)
    response.append(dial)
    return str(response)
