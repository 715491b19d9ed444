"""create_app(): the one place where routers, error handlers, docs and start-up meet."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from swagger_ui_bundle import swagger_ui_path

from voxgate import __version__, telemetry
from voxgate.auth.keys import get_or_create_org, seed_key
from voxgate.config import Settings, get_settings
from voxgate.control.body_limit import BodyLimit
from voxgate.control.call import bus, carriers, expiry, heartbeat, post_call, schedule
from voxgate.control.call.outbound import SCHEDULED_CALL
from voxgate.control.call.runner import live_calls
from voxgate.control.drain import drain
from voxgate.control.health import router as health
from voxgate.control.rate_limit import RateLimit
from voxgate.control.routes import ROUTERS
from voxgate.db.outage import UNREACHABLE, is_outage
from voxgate.db.session import get_sessionmaker
from voxgate.errors import BadRequest, PayloadTooLarge, ServiceUnavailable, VoxgateError
from voxgate.kit.openapi import openapi_document
from voxgate.kit.validation import messages
from voxgate.observability.http import RequestMetrics
from voxgate.observability.prometheus import PrometheusObserver
from voxgate.observability.router import metrics_router
from voxgate.telephony.router import CARRIERS
from voxgate.telephony.router import router as telephony
from voxgate.webhooks.outbox import SEND, Outbox
from voxgate.webhooks.queued import QueuedDeliveries
from voxgate.worker import jobs

log = structlog.get_logger()
NOT_IN_REPERTOIRE = "22021"
NULL_CHARACTER = "the request must not contain the null character"


def _background(
    settings: Settings, outbox: Outbox, deliveries: QueuedDeliveries
) -> list[asyncio.Task[None]]:
    """What runs beside the requests: the sweeps, and server messages and scheduled calls, on
    polling loops in one process or as jobs on a shared queue (worker/jobs.py)."""
    timeout = settings.websocket_connect_timeout_seconds
    ring_timeout = settings.phone_ring_timeout_seconds
    tasks = [asyncio.create_task(expiry.expire_queued(timeout, live_calls, ring_timeout))]
    tasks.append(asyncio.create_task(schedule.dial_scheduled()))  # schedulePlan's calls
    tasks.append(asyncio.create_task(post_call.sweep_due()))  # what a dead process left
    if bus.current() is not None:  # the others tell this process's calls from a dead one's
        beating = heartbeat.beat(live_calls, settings.call_heartbeat_seconds)
        tasks.append(asyncio.create_task(beating))
    if (queue := jobs.current()) is None:
        # Server messages go out from the database: pending ones left by the last run first.
        tasks.append(asyncio.create_task(outbox.run()))
    else:
        tasks.append(asyncio.create_task(queue.start()))
        tasks.append(asyncio.create_task(deliveries.run()))
    return tasks


async def _bootstrap(settings: Settings) -> None:
    async with get_sessionmaker()() as session:
        await get_or_create_org(session)
        if settings.api_key:
            await seed_key(session, settings.api_key)
        await session.commit()


def _error(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status)


async def _voxgate_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VoxgateError)
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e["loc"][:1] == ("path",) for e in errors):
        # NestJS's ParseUUIDPipe wording.
        return _error(400, BadRequest("Validation failed (uuid is expected)").body())
    json_error = next((e for e in errors if e["type"] == "json_invalid"), None)
    if json_error is not None:
        position = json_error["loc"][-1]
        return _error(400, BadRequest(f"Unexpected token in JSON at position {position}").body())
    return _error(400, BadRequest(messages(errors)).body())


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):
        body = {
            "message": f"Cannot {request.method} {request.url.path}",
            "error": "Not Found",
            "statusCode": 404,
        }
        return _error(404, body)
    if exc.status_code == 413:  # control/body_limit.py
        return _error(413, PayloadTooLarge(exc.detail).body())
    # e.g. FastAPI's 400 for a body that is not UTF-8: every error body carries `error`.
    phrase = HTTPStatus(exc.status_code).phrase
    body = {"message": exc.detail, "error": phrase, "statusCode": exc.status_code}
    return _error(exc.status_code, body)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """The database unreachable (db/outage.py): a 503 to retry, not a 500. PostgreSQL refusing
    a character (U+0000, SQLSTATE 22021) in an id the request carried, wherever it is looked up
    before the body is checked (`storable`): the request's fault, a 400."""
    if getattr(getattr(exc, "orig", None), "sqlstate", None) == NOT_IN_REPERTOIRE:
        return _error(400, BadRequest([NULL_CHARACTER]).body())
    if not is_outage(exc):
        return await _unexpected(request, exc)
    log.warning("the database is unreachable", path=request.url.path, error=repr(exc))
    return _error(503, ServiceUnavailable(UNREACHABLE).body())


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path)
    return _error(500, {"statusCode": 500, "message": "Internal server error"})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await _bootstrap(settings)
        if settings.redis_url:  # several processes: one connection pool for this one
            await bus.start(settings.redis_url, settings.redis_prefix)
        await expiry.recover(settings.websocket_connect_timeout_seconds)
        drain.outbox = Outbox()
        deliveries = QueuedDeliveries(drain.outbox)
        if settings.redis_url:  # this process's worker of the queue every process shares
            functions: list[tuple[str, jobs.JobFunction]] = [
                (SEND, deliveries.send),
                (SCHEDULED_CALL, schedule.take_due),
                (post_call.POST_CALL, post_call.job),
            ]
            jobs.install(jobs.Jobs(settings.redis_url, settings.redis_prefix, functions))
        tasks = _background(settings, drain.outbox, deliveries)
        yield
        if (queue := jobs.current()) is not None:
            await queue.stop()  # lets the jobs under way finish (10 s at most)
            jobs.install(None)
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await drain.outbox.close()
        await bus.stop()

    app = FastAPI(
        title="voxgate",
        version=__version__,
        description="Self-hosted voice AI with a Vapi-compatible API.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.add_exception_handler(VoxgateError, _voxgate_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(OSError, _database_error)
    app.add_exception_handler(Exception, _unexpected)

    for router in ROUTERS:
        app.include_router(router)
    app.include_router(telephony)
    app.include_router(health)
    app.add_middleware(
        BodyLimit,
        body_limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
    )
    if settings.rate_limit:
        app.add_middleware(
            RateLimit, limit=settings.rate_limit, storage=settings.rate_limit_storage
        )
    carriers.register(CARRIERS)
    # Operators' view (not Vapi's API): /metrics, and each request timed and logged.
    telemetry.register(PrometheusObserver())
    app.include_router(metrics_router(settings.metrics_token))
    app.add_middleware(RequestMetrics)
    if settings.cors_origins:
        # Outermost: a preflight is answered before limits and auth, and every answer (a 401,
        # a 429 included) carries the headers a browser needs to read it.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After"],
            max_age=600,
        )

    app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(openapi_document(app))

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="voxgate API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
        )

    return app
