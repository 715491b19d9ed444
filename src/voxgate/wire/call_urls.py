"""Where a call's sockets and control endpoint live: one place for the paths and their URLs.

`POST /call` hands these URLs out; the routes that serve them use the same path templates, so
the two cannot drift apart. Clients use the URLs verbatim (VAPI-BEHAVIOUR §6.3), which leaves
the paths ours to choose: all of them sit under `/call/{id}/`.
"""

# Route templates, relative to the server's root.
TRANSPORT_PATH = "/call/{id}/transport"  # websocket: the call's audio and events (vapi.websocket)
LISTEN_PATH = "/call/{id}/listen"  # websocket: read-only audio of a live call (monitor)
CONTROL_PATH = "/call/{id}/control"  # HTTP POST: live-control messages (say, end-call, …)


def _http_base(public_url: str) -> str:
    return public_url.rstrip("/")


def _ws_base(public_url: str) -> str:
    base = _http_base(public_url)
    if base.startswith("https://"):
        return "wss://" + base.removeprefix("https://")
    if base.startswith("http://"):
        return "ws://" + base.removeprefix("http://")
    return base


def ws_url(public_url: str, path: str) -> str:
    """A websocket URL on this server (a carrier's media stream, say)."""
    return _ws_base(public_url) + path


def websocket_call_url(public_url: str, call_id: str) -> str:
    return _ws_base(public_url) + TRANSPORT_PATH.format(id=call_id)


def listen_url(public_url: str, call_id: str) -> str:
    return _ws_base(public_url) + LISTEN_PATH.format(id=call_id)


def control_url(public_url: str, call_id: str) -> str:
    return _http_base(public_url) + CONTROL_PATH.format(id=call_id)
