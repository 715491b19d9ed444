"""`GET /metrics`: Prometheus's text format, outside Vapi's API (not in /openapi.json).

Open by default, as exporters usually are: the metrics name no org, call or customer, and
`voxgate serve` listens on loopback unless told otherwise. With `VOXGATE_METRICS_TOKEN` set, a
scrape must send `Authorization: Bearer <token>` (Prometheus's `authorization` setting).
"""

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY
from prometheus_client.exposition import choose_encoder

from voxgate.errors import Unauthorized


def _allowed(request: Request, token: str | None) -> bool:
    if not token:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


def metrics_router(token: str | None) -> APIRouter:
    """The route, refusing scrapes without `token` when there is one."""
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if not _allowed(request, token):
            raise Unauthorized()
        # The format the scraper asks for (OpenMetrics, or the text format it names).
        encode, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encode(REGISTRY), headers={"Content-Type": content_type})

    return router
