"""`POST /call` for a websocket call, and Vapi's error body turned into a sentence for the user."""

from typing import Any

import httpx

from voxgate.client.speech import AUDIO_FORMAT


class CallFailed(Exception):
    """The call could not be placed or ended badly; the message is for the user."""


def error_message(response: httpx.Response) -> str:
    """`HTTP 401: Invalid API key`: the status and Vapi's `message` (a string or a list)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, list):
        message = "; ".join(str(item) for item in message)
    return f"HTTP {response.status_code}: {message or response.text or response.reason_phrase}"


async def create_call(url: str, api_key: str, assistant_id: str) -> dict[str, Any]:
    body = {
        "assistantId": assistant_id,
        "transport": {"provider": "vapi.websocket", "audioFormat": AUDIO_FORMAT},
    }
    headers = {"Authorization": f"Bearer {api_key}"}
    try:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
            response = await http.post("/call", json=body)
    except httpx.HTTPError as error:
        raise CallFailed(f"cannot reach {url}: {error or type(error).__name__}") from None
    if response.is_error:
        raise CallFailed(f"POST /call refused: {error_message(response)}")
    call: dict[str, Any] = response.json()
    if not (call.get("transport") or {}).get("websocketCallUrl"):
        raise CallFailed("the server did not return transport.websocketCallUrl for the call")
    return call
