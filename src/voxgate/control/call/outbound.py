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

LATEST_BEFORE_EARLIEST = "schedulePlan.latestAt must be later than schedulePlan.earliestAt"
LATEST_PASSED = "schedulePlan.latestAt has passed: the call can no longer be placed"


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
        return shown(render_envelope(row))
    return shown(await dial(row, number))


async def create_phone_calls(
    repo: Repository[CallRow], data: Document, monitor: Callable[[str], Document]
) -> Document:
    number = await calling_number(repo.session, repo.org_id, data)
    customers = data.get("customers")
    if not isinstance(customers, list) or len(customers) <= 1:
        single = {k: v for k, v in data.items() if k != "customers"}
        if customers:
            single["customer"] = customers[0]
        return await _one(repo, single, number, monitor)
    results: list[Document] = []
    errors: list[dict[str, Any]] = []
    shared = {k: v for k, v in data.items() if k != "customers"}
    for customer in customers:
        try:
            results.append(await _one(repo, {**shared, "customer": customer}, number, monitor))
        except BadRequest as error:
            message = error.message if isinstance(error.message, str) else "; ".join(error.message)
            errors.append({"customer": customer, "error": message})
    return {"results": results, "errors": errors}
