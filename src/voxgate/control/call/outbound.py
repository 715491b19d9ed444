"""Creating outbound phone calls (`POST /call` without a websocket transport): one call, or a
batch (`customers`, more than one: `CallBatchResponse`, 201 even when some failed), each dialed
at once (phone.py) or, with `schedulePlan.earliestAt` in the future, stored `scheduled` for
schedule.py to dial then."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from voxgate.control.call.phone import calling_number, check_customer, dial, phone_fields, shown
from voxgate.control.crud import Document, Repository, render_envelope
from voxgate.db.base import new_id
from voxgate.db.models import Call as CallRow
from voxgate.errors import BadRequest
from voxgate.kit.time import utcnow
from voxgate.wire.overrides import deep_merge
from voxgate.worker.jobs import current

LATEST_BEFORE_EARLIEST = "schedulePlan.latestAt must be later than schedulePlan.earliestAt"
LATEST_PASSED = "schedulePlan.latestAt has passed: the call can no longer be placed"
SCHEDULED_CALL = "scheduled-call"  # the job
_JOB_SECONDS = 60.0  # reading the call and asking its carrier to dial


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def scheduled(data: Document) -> bool:
    """Whether the call waits for `schedulePlan.earliestAt` (a 400 for an empty window)."""
    plan = data.get("schedulePlan")
    if not isinstance(plan, dict):
        return False
    earliest = _moment(plan["earliestAt"])
    if plan.get("latestAt") and _moment(plan["latestAt"]) <= earliest:
        raise BadRequest(LATEST_BEFORE_EARLIEST)
    if plan.get("latestAt") and _moment(plan["latestAt"]) <= utcnow():
        raise BadRequest(LATEST_PASSED)
    return earliest > utcnow()


async def queue_call(call_id: str, data: Document) -> None:
    """A scheduled call's jobs (schedule.py's `take_due`) at `earliestAt` and `latestAt`, when
    there is a job queue. The keys name the moments: queueing them again adds nothing."""
    jobs = current()
    plan = data.get("schedulePlan")
    if jobs is None or not isinstance(plan, dict):
        return
    for field in ("earliestAt", "latestAt"):
        if isinstance(plan.get(field), str):
            moment = _moment(plan[field])
            key = f"{SCHEDULED_CALL}:{call_id}:{moment.timestamp()}"
            await jobs.enqueue(SCHEDULED_CALL, key, moment, _JOB_SECONDS, call=call_id)


def with_customer(data: Document, customer: Any) -> Document:
    """The call to one customer. Its `assistantOverrides` (a batch's per-customer overrides,
    VAPI-BEHAVIOUR §3.1) are laid over the call's and stored as the call's, so the call runs
    (and its variables read) as that customer's."""
    call = {**{k: v for k, v in data.items() if k != "customers"}, "customer": customer}
    own = customer.get("assistantOverrides") if isinstance(customer, dict) else None
    if isinstance(own, dict) and ("assistant" in data or "assistantId" in data):
        call["assistantOverrides"] = deep_merge(data.get("assistantOverrides") or {}, own)
    return call


async def _one(
    repo: Repository[CallRow],
    data: Document,
    number: Document,
    monitor: Callable[[str], Document],
) -> Document:
    check_customer(data.get("customer"))
    call_id = new_id()
    record = {**data, **phone_fields(number), **monitor(call_id)}
    if scheduled(data):
        record["status"] = "scheduled"
    row = await repo.create(record, id=call_id)
    # Committed before dialing: the carrier's callbacks and media stream look the call up.
    await repo.session.commit()
    if record["status"] == "scheduled":
        await queue_call(row.id, record)  # its dial, with a job queue
        return shown(render_envelope(row))
    return shown(await dial(row, number))


async def create_phone_calls(
    repo: Repository[CallRow], data: Document, monitor: Callable[[str], Document]
) -> Document:
    number = await calling_number(repo.session, repo.org_id, data)
    customers = data.get("customers")
    if not isinstance(customers, list) or len(customers) <= 1:
        customer = customers[0] if customers else data.get("customer")
        return await _one(repo, with_customer(data, customer), number, monitor)
    results: list[Document] = []
    errors: list[dict[str, Any]] = []
    for customer in customers:
        try:
            results.append(await _one(repo, with_customer(data, customer), number, monitor))
        except BadRequest as error:
            message = error.message if isinstance(error.message, str) else "; ".join(error.message)
            errors.append({"customer": customer, "error": message})
    return {"results": results, "errors": errors}
