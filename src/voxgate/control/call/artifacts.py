"""`GET /call/{id}/<artifact>`: a call's recordings and log, downloaded with the org's key.

Vapi answers these with a 302 to a short-lived presigned URL on its object store. voxgate keeps
artifacts on its own disk and has no URL that works without the key, so it answers 200 with
the bytes (a status the reference also lists); a client that follows redirects sees the same
body either way. Another org's call, and an artifact the call does not have (recording turned
off, nothing recorded yet), are 404s in Vapi's error shape.
"""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import FileResponse

from voxgate.auth.deps import CurrentOrg, DbSession
from voxgate.control.call.artifact_store import ARTIFACT_PATH, FILES, artifact_path
from voxgate.control.call.service import kind
from voxgate.control.crud import Repository
from voxgate.engine.ports import ArtifactName
from voxgate.errors import NotFound

router = APIRouter(tags=["Calls"])

# artifact → (the reference's operationId, summary)
OPERATIONS: dict[ArtifactName, tuple[str, str]] = {
    "mono-recording": (
        "CallArtifactController_monoRecordingDownload",
        "Download a call's recording, both sides mixed (WAV)",
    ),
    "stereo-recording": (
        "CallArtifactController_stereoRecordingDownload",
        "Download a call's stereo recording: customer left, assistant right (WAV)",
    ),
    "customer-recording": (
        "CallArtifactController_customerRecordingDownload",
        "Download a call's recording of the customer alone (WAV)",
    ),
    "assistant-recording": (
        "CallArtifactController_assistantRecordingDownload",
        "Download a call's recording of the assistant alone (WAV)",
    ),
    "call-logs": (
        "CallArtifactController_callLogsDownload",
        "Download a call's log, one JSON object per line",
    ),
}


def _download(name: ArtifactName) -> Callable[..., Awaitable[FileResponse]]:
    async def download(id: UUID, org: CurrentOrg, session: DbSession) -> FileResponse:
        row = await Repository(session, kind, org.org_id).get(str(id))  # 404 if not the org's
        path = artifact_path(row.id, name)
        if not path.is_file():
            raise NotFound("Artifact not found")
        filename, media_type = FILES[name]
        return FileResponse(path, media_type=media_type, filename=f"{row.id}-{filename}")

    return download


def _content(media_type: str) -> dict[int | str, dict[str, Any]]:
    content = {media_type: {"schema": {"type": "string", "format": "binary"}}}
    return {200: {"description": "The artifact's bytes.", "content": content}}


for _name, (_operation_id, _summary) in OPERATIONS.items():
    router.add_api_route(
        ARTIFACT_PATH.replace("{name}", _name),
        _download(_name),
        methods=["GET"],
        response_class=FileResponse,
        operation_id=_operation_id,
        summary=_summary,
        responses=_content(FILES[_name][1]),
    )
