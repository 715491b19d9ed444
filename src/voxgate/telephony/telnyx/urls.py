"""voxgate's addresses Telnyx is given, all under `VOXGATE_PUBLIC_URL`."""

from voxgate.config import get_settings
from voxgate.wire.call_urls import ws_url

INBOUND_PATH = "/telnyx/inbound"  # the Call Control Application's webhook: calls to its numbers
EVENTS_PATH = "/telnyx/events/{id}"  # webhooks about one stored call (its dial or answer set it)
STREAM_PATH = "/telnyx/stream/{id}"  # websocket: a call's media stream


def public(path: str, call_id: str = "") -> str:
    return get_settings().public_url.rstrip("/") + path.format(id=call_id)


def stream_url(call_id: str) -> str:
    return ws_url(get_settings().public_url, STREAM_PATH.format(id=call_id))


def streaming(call_id: str) -> dict[str, str]:
    """The fields of a dial or an answer that connect the call's audio to voxgate's media
    stream both ways (PCMU 8 kHz, what pipecat's `TelnyxFrameSerializer` speaks) and send its
    later webhooks to the call's own events route."""
    return {
        "stream_url": stream_url(call_id),
        "stream_track": "inbound_track",
        "stream_bidirectional_mode": "rtp",
        "stream_bidirectional_codec": "PCMU",
        "webhook_url": public(EVENTS_PATH, call_id),
        "webhook_url_method": "POST",
    }
