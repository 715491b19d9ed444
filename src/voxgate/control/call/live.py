"""What a live call needs from the control side: its assistant (resolve.py) or squad (squad.py)
resolved, and its record kept (`DbCallStore`, the engine's `CallStore` port; artifact files:
`artifact_store.py`)."""

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from voxgate import telemetry
from voxgate.config import get_settings
from voxgate.control.call.artifact_store import save_artifact
from voxgate.control.call.progress import write
from voxgate.control.call.resolve import NoAssistant, apply_overrides, deep_merge
from voxgate.control.call.resolve import resolve_assistant as resolve_in
from voxgate.control.call.squad import resolve_squad as resolve_squad_in
from voxgate.control.crud import Document
from voxgate.db.outage import retrying
from voxgate.db.session import get_sessionmaker
from voxgate.engine.ports import ArtifactName, PostCall
from voxgate.engine.squad import Squad
from voxgate.engine.variables import CallInfo
from voxgate.kit.time import utcnow

__all__ = [
    "DbCallStore", "NoAssistant", "apply_overrides", "deep_merge", "resolve_assistant",
    "resolve_squad",
]  # fmt: skip


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def call_info(call_id: str, call: Document) -> CallInfo:
    """What the engine's templates may read about this call (§2.3's built-ins and the client's
    `assistantOverrides.variableValues`, which the merge above leaves out of the assistant)."""
    transport = {k: v for k, v in _object(call.get("transport")).items() if k != "websocketCallUrl"}
    customer = {k: v for k, v in _object(call.get("customer")).items() if k != "assistantOverrides"}
    # A transient phone number carries carrier secrets: only its public fields reach templates.
    number = {k: v for k, v in _object(call.get("phoneNumber")).items() if k in ("number", "name")}
    return CallInfo(
        id=call_id,
        type=str(call.get("type") or "vapi.websocketCall"),
        customer=customer,
        phone_number=number,
        transport=transport,
        variable_values=_object(_object(call.get("assistantOverrides")).get("variableValues")),
    )


async def resolve_assistant(org_id: str, call: Document) -> Document:
    """The assistant as it runs now (a saved one is read again: edits since creation apply)."""
    async with get_sessionmaker()() as session:
        return await resolve_in(session, org_id, call)


async def resolve_squad(org_id: str, call: Document) -> Squad:
    """Every assistant the call may become (a plain call's is a squad of one), read now."""
    async with get_sessionmaker()() as session:
        return await resolve_squad_in(session, org_id, call)


class DbCallStore:
    """Writes a live call's lifecycle and artifacts to its row, one short transaction each."""

    def __init__(self, org_id: str, call_id: str, snapshot: Document | None = None) -> None:
        self.org_id, self.call_id = org_id, call_id
        self.snapshot: Document = snapshot or {"id": call_id}  # the call as last written
        self.post_call_due: datetime | None = None  # the lease its end was written with

    async def update(self, changes: dict[str, Any]) -> None:
        """Merges `changes` into the row by compare-and-set (a status callback or a PATCH
        landing meanwhile is not overwritten); retried while the database is unreachable (a
        call that ended during a restart must not stay `in-progress`)."""
        await self._write(changes, {})

    async def end(self, changes: dict[str, Any], post_call: PostCall) -> None:
        """The end and the post-call work due, in one write: no moment when the call has ended
        and its report is owed nowhere. This process holds the work for a lease first (it runs
        it once the session's own messages are stored, post_call.py's `begin`); should it die,
        the lease runs out and another process (or its next start) takes the work."""
        lease = utcnow() + timedelta(seconds=get_settings().post_call_lease_seconds)
        due = {"post_call": asdict(post_call), "post_call_due": lease}
        if await self._write(changes, due):
            self.post_call_due = lease

    async def _write(self, changes: dict[str, Any], also: dict[str, Any]) -> bool:
        written = await retrying(lambda: write(self.call_id, changes, also), "call update")
        if written is None:
            return False  # deleted while live: nothing left to record on
        before, self.snapshot = written
        if changes.get("status") == "ended" and before != "ended":
            telemetry.observer().call_ended(str(changes.get("endedReason")))
        return True

    async def save_artifact(self, name: ArtifactName, data: bytes) -> str:
        return await save_artifact(self.call_id, name, data)
