"""A call that moved or ended without a session (a carrier's callback, the scheduler, a sweep)
is told to its server as a running call's moves are: `status-update`, and once it has ended,
the `end-of-call-report` (no transcript: nobody talked)."""

from collections.abc import Collection
from typing import Any

import structlog

from voxgate import telemetry
from voxgate.control.call.live import DbCallStore, NoAssistant, resolve_squad
from voxgate.control.call.progress import NOT_RUN, advance, ended
from voxgate.control.call.server_messages import DbServerMessages
from voxgate.control.crud import Document
from voxgate.engine.server_messages import ServerMessenger

log = structlog.get_logger()


async def first_assistant(call: Document) -> dict[str, Any] | None:
    """The assistant that would start the call (`call` rendered: `orgId` set), read now; None
    when it names none (its server is asked at connect) or it no longer resolves."""
    if not any(key in call for key in ("assistant", "assistantId", "squad", "squadId")):
        return None  # its server would have been asked at connect
    try:
        squad = await resolve_squad(str(call["orgId"]), call)
    except (NoAssistant, KeyError):
        return None
    return squad.members[0].assistant if squad.members else None


async def tell(call: Document) -> None:
    """Tells the call's server its new status (`status-update`) and, once it has ended without
    running, sends the `end-of-call-report` (no transcript: nobody talked)."""
    try:
        assistant = await first_assistant(call)
        store = DbCallStore(call["orgId"], call["id"], call)
        port = DbServerMessages(store, assistant)
        server = ServerMessenger(port, (assistant or {}).get("serverMessages"), dict)
        if call["status"] != "ended":
            await server.send("status-update", status=call["status"])
        else:
            await server.send("status-update", status="ended", endedReason=call["endedReason"])
            await server.end_of_call_report(
                call["endedReason"], {}, {}, call.get("startedAt"), call["endedAt"]
            )
        await port.flush()
    except Exception:  # the status is written: a lost message must not undo it
        log.exception("status of an unrun call not told", call_id=call.get("id"))


async def end_unrun(call_id: str, reason: str, from_: Collection[str] = NOT_RUN) -> Document | None:
    """Ends a call no session has (yet, or any more: its process died); returns it, or None
    when it had moved on."""
    call = await advance(call_id, ended(reason), from_)
    if call is not None:
        telemetry.observer().call_ended(reason)
        await tell(call)
    return call
