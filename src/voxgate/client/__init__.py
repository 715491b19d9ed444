"""`voxgate call`: a person talks to an assistant from the terminal, over the public API only.

It creates the call with `POST /call` (a `vapi.websocket` transport, 16 kHz `pcm_s16le`), opens
the call's `websocketCallUrl`, and streams audio both ways (VAPI-BEHAVIOUR §3.7). A client of
the API like any other: it imports nothing of the server (only `wire` and `kit` would be allowed).
"""
