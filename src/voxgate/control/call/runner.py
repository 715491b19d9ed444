"""Runs a stored call over a connected socket: the websocket transport's and every carrier's
media stream's (telephony/). A call that names no assistant first asks its server for one
(`assistant-request`, assistant_request.py): when that fails on a phone call whose number has a
`fallbackDestination`, the caller is transferred there (VAPI-BEHAVIOUR §4.2 "Failure"), the
call ending with the failure's reason; then the engine's `CallSession` runs it until
either side ends it, registered so the control and listen URLs find it.
"""

from typing import Any

import structlog
from structlog.contextvars import bound_contextvars

from voxgate import telemetry
from voxgate.control.call import assistant_request as asking
from voxgate.control.call.assistant_request import Refused, ask, needs_assistant
from voxgate.control.call.bus import serving
from voxgate.control.call.live import DbCallStore, NoAssistant, call_info, resolve_squad
from voxgate.control.call.phone_number import call_phone_number
from voxgate.control.call.post_call import begin
from voxgate.control.call.registry import registered
from voxgate.control.call.server_messages import DbServerMessages
from voxgate.control.crud import render_envelope
from voxgate.db.models import Call as CallRow
from voxgate.engine.announce import Announcer
from voxgate.engine.ports import ClientSocket, PhoneLine, TransferFailed
from voxgate.engine.session import CallSession
from voxgate.kit.time import iso, utcnow

log = structlog.get_logger()
POLICY_VIOLATION = 1008
live_calls: set[str] = set()  # calls with a connected client or media stream, in this process
# The server gave no usable answer (§4.2 "Failure"): a phone call goes to the fallback.
FALLBACK_REASONS = (asking.FAILED, asking.INVALID, asking.NO_ASSISTANT, asking.NO_SERVER)


async def _forward(
    store: DbCallStore, call: dict[str, Any], phone: PhoneLine | None, chosen: Refused
) -> bool:
    """Transfers the caller to the destination the server named, or after a failure to the
    number's `fallbackDestination`; False when there is none (or the carrier refused it, and
    the call is hung up as without one)."""
    destination = chosen.destination
    if destination is None and chosen.reason in FALLBACK_REASONS and phone is not None:
        number = await call_phone_number(store.org_id, call)
        destination = (number or {}).get("fallbackDestination")
    if phone is None or not isinstance(destination, dict) or not _dialable(destination):
        return False
    try:
        await phone.transfer(destination)
    except TransferFailed as error:
        log.warning("the destination refused the call", error=str(error))
        return False
    await store.update({"destination": destination})
    return True


def _dialable(destination: dict[str, Any]) -> bool:
    """A `number` or `sip` destination a carrier can dial (a server's reply may be anything)."""
    key = "sipUri" if destination.get("type") == "sip" else "number"
    return isinstance(destination.get(key), str) and bool(destination[key])


async def _choose_assistant(
    socket: ClientSocket,
    store: DbCallStore,
    call: dict[str, Any],
    audio_format: Any,
    phone: PhoneLine | None,
) -> dict[str, Any] | None:
    """The call with the assistant its server chose stored on it, or None once the call has
    ended because the server chose none (saying its error first, if it sent one, or
    transferred to the number's fallback)."""
    server = DbServerMessages(store, None)
    chosen = await ask(server, store.org_id)
    if isinstance(chosen, Refused):
        announcer = Announcer(audio_format, store, socket, server)
        spoken = chosen.spoken
        if await _forward(store, call, phone, chosen):
            spoken = None  # the caller has left for the destination
        try:
            await announcer.end(chosen.reason, spoken)
        finally:
            await server.flush()
            await begin(store)  # its end-of-call-report, after its other messages
        return None
    await store.update(chosen.fields)
    return {**call, **chosen.fields}


async def run_call(
    row: CallRow,
    socket: ClientSocket,
    audio_format: dict[str, Any] | None,
    phone: PhoneLine | None = None,
) -> None:
    """Runs the call until it ends. `audio_format` is the socket's (`transport.audioFormat`);
    `phone` is the carrier's leg of a phone call."""
    call_type = str(row.data.get("type") or "unknown")
    # Every line the call logs names it, pipecat's and its post-call tasks' included (they
    # inherit this context); logging.py gives pipecat's loguru lines the same format.
    # With several processes, the others see the call running here from its socket's first
    # moment (bus.py): its control and listen URLs, the expiry sweeps, a second socket.
    with bound_contextvars(call_id=row.id, org_id=row.org_id):
        telemetry.observer().call_started(call_type)
        try:
            async with serving(row.id):
                await _run(row, socket, audio_format, phone)
        finally:
            telemetry.observer().call_stopped(call_type)


async def _run(
    row: CallRow,
    socket: ClientSocket,
    audio_format: dict[str, Any] | None,
    phone: PhoneLine | None,
) -> None:
    call: dict[str, Any] = row.data
    store = DbCallStore(row.org_id, row.id, render_envelope(row))
    if needs_assistant(call):
        found = await _choose_assistant(socket, store, call, audio_format, phone)
        if found is None:
            return
        call = found
    try:
        squad = await resolve_squad(row.org_id, call)
    except NoAssistant:
        ended = {"endedAt": iso(utcnow()), "endedReason": "call.start.error-get-assistant"}
        await store.update({"status": "ended", **ended})
        await socket.close(POLICY_VIOLATION)
        return
    assistant = squad.members[0].assistant
    server = DbServerMessages(store, assistant)
    info = call_info(row.id, call)
    session = CallSession(
        assistant, audio_format, store, socket, info, server, squad=squad, phone=phone
    )
    try:
        with registered(row.id, row.org_id, session):  # for the control and listen URLs
            await session.run()
    finally:
        await server.flush()
        await begin(store)  # its analysis and report, after its other messages
