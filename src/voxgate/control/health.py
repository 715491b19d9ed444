"""`GET /health`: for load balancers and autoscalers, not part of Vapi's API (kept out of the
OpenAPI document). 200 `{"status": "ok", "activeCalls": N, "draining": false}` while this
process is up, its database answers and it takes new calls; 503 otherwise, with `status`
"draining" (a SIGTERM is being honoured: send new calls elsewhere) or "database-unreachable".
`activeCalls` counts the calls this process runs (a connected client or media stream).
With several processes (`VOXGATE_REDIS_URL`), `redis` is "ok" or "unreachable": the latter
keeps the status 200, as this process still runs its calls (bus.py), but tells the operator
that other processes cannot reach them.
"""

import asyncio
from typing import Any

import structlog
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from voxgate.control.call import bus
from voxgate.control.call.runner import live_calls
from voxgate.control.drain import drain
from voxgate.db.session import get_sessionmaker

DATABASE_TIMEOUT_SECONDS = 5.0
log = structlog.get_logger()
router = APIRouter(include_in_schema=False)


async def _database_answers() -> bool:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
            async with get_sessionmaker()() as session:
                await session.execute(text("SELECT 1"))
        return True
    except Exception as error:
        log.warning("health: the database did not answer", error=repr(error))
        return False


@router.get("/health")
async def health() -> JSONResponse:
    answers = await _database_answers()
    status = "draining" if drain.draining else "ok"
    body: dict[str, Any] = {
        "status": status if answers else "database-unreachable",
        "activeCalls": len(live_calls),
        "draining": drain.draining,
    }
    relay = bus.current()
    if relay is not None:
        body["redis"] = "ok" if await relay.reachable() else "unreachable"
    return JSONResponse(body, 200 if body["status"] == "ok" else 503)
