"""The baseline: a bare Starlette JSON endpoint, served by the same uvicorn as voxgate."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BODY = {"id": "00000000-0000-4000-8000-000000000000", "name": "baseline"}


async def get(request: Request) -> JSONResponse:
    return JSONResponse(BODY)


async def post(request: Request) -> JSONResponse:
    return JSONResponse({**BODY, **(await request.json())}, status_code=201)


app = Starlette(routes=[Route("/item", get), Route("/item", post, methods=["POST"])])
