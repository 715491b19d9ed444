"""Phone calls (issue 5): one package per carrier, each with its REST client (dial, hang up,
transfer), its webhooks (signed; inbound calls, call status) and its media stream, which runs
the engine's `CallSession` like the websocket transport does. `router.py` mounts them all."""
