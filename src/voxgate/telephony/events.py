"""What every carrier's media stream shares: reading its text messages."""

import json
from typing import Any


def stream_event(text: str) -> dict[str, Any]:
    """A stream's text message as an event; {} for text that is not a JSON object (a carrier's
    malformed message must never raise mid-call)."""
    try:
        event = json.loads(text)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}
