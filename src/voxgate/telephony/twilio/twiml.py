"""The TwiML voxgate answers Twilio with, built with twilio's own `VoiceResponse`."""

from typing import Any

from twilio.twiml.voice_response import Connect, Dial, VoiceResponse

from voxgate.config import get_settings
from voxgate.wire.call_urls import ws_url

STREAM_PATH = "/twilio/stream/{id}"  # websocket: a Twilio call's media stream


def stream_url(call_id: str) -> str:
    return ws_url(get_settings().public_url, STREAM_PATH.format(id=call_id))


def connect_stream(call_id: str) -> str:
    """Connect the call's audio to voxgate's media stream for this call (bidirectional)."""
    response = VoiceResponse()
    connect = Connect()
    connect.stream(url=stream_url(call_id))
    response.append(connect)
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def transfer_twiml(destination: dict[str, Any]) -> str:
    """A `number` or `sip` transfer destination as a `<Dial>` (a blind transfer: the caller
    leaves voxgate's stream for the destination)."""
    response = VoiceResponse()
    dial = Dial(caller_id=destination.get("callerId") or None)
    if destination.get("type") == "sip":
        dial.sip(destination["sipUri"])
    else:
        dial.number(destination["number"], send_digits=destination.get("extension") or None)
    response.append(dial)
    return str(response)
