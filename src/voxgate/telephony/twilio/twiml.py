"""The TwiML voxgate answers Twilio with, built with twilio's own `VoiceResponse`."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from twilio.twiml.voice_response import Connect, Dial, VoiceResponse

from voxgate.config import get_settings
from voxgate.telephony.twilio import signature
from voxgate.wire.call_urls import ws_url

STREAM_PATH = "/twilio/stream/{id}"  # websocket: a Twilio call's media stream


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


def transfer_twiml(destination: dict[str, Any]) -> str:
    """A `number` or `sip` transfer destination as a `<Dial>` (a blind transfer: the caller
    leaves voxgate's stream for the destination). `callerId` when set (else Twilio's default,
    the call's own caller ID), a number's `extension` dialled once it answers (`sendDigits`),
    `transferPlan.timeout` as the ring time."""
    response = VoiceResponse()
    plan = destination.get("transferPlan")
    timeout = plan.get("timeout") if isinstance(plan, dict) else None
    dial = Dial(
        caller_id=destination.get("callerId") or None,
        timeout=int(timeout) if isinstance(timeout, int | float) else None,
    )
    if destination.get("type") == "sip":
        dial.sip(sip_with_headers(destination["sipUri"], destination.get("sipHeaders")))
    else:
        dial.number(destination["number"], send_digits=destination.get("extension") or None)
    response.append(dial)
    return str(response)
