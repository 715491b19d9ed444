"""The calls this process is running, by id: where a call's control and listen URLs find it.

A call is here while its `CallSession` runs (socket.py registers it). One process runs every
call today, so an in-process map is enough; with several processes (issue 6) a control message
or a listener reaching the wrong one must be routed, over Redis, to the process that runs it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from voxgate.engine.session import CallSession


@dataclass(frozen=True)
class LiveCall:
    org_id: str  # whose keys may control and listen, when the monitorPlan asks for a key
    session: CallSession


live_sessions: dict[str, LiveCall] = {}


@contextmanager
def registered(call_id: str, org_id: str, session: CallSession) -> Iterator[None]:
    """The session is findable by its call's id while this block runs."""
    live_sessions[call_id] = LiveCall(org_id, session)
    try:
        yield
    finally:
        live_sessions.pop(call_id, None)
        session.listen.close()  # listeners are let go even if the run failed before its end
