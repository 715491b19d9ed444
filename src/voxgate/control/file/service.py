"""What an upload becomes: the stored document, and how a stored file is rendered."""

import json
import mimetypes
from typing import Any

from fastapi import UploadFile

from voxgate.config import get_settings
from voxgate.control.crud import Document, render_envelope
from voxgate.control.file.storage import file_store
from voxgate.db.models import File as FileRow
from voxgate.errors import BadRequest

NAME_LENGTH = 40  # File.name's limit; the original name is kept whole in originalName


def parse_metadata(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        metadata = json.loads(text)
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        raise BadRequest(["metadata must be a JSON-encoded object"])
    return metadata


def _mimetype(upload: UploadFile, name: str) -> str:
    return upload.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"


def describe(
    upload: UploadFile, key: str, size: int, purpose: str | None, metadata: dict[str, Any]
) -> Document:
    """The document stored for a finished upload (`url` and `path` are derived when rendered)."""
    original = upload.filename or ""
    document: Document = {
        "object": "file",
        "status": "done",
        "name": original[:NAME_LENGTH],
        "originalName": original,
        "bytes": size,
        "mimetype": _mimetype(upload, original),
        "key": key,
        "metadata": metadata,
    }
    if purpose is not None:
        document["purpose"] = purpose
    return document


def render(row: FileRow) -> Document:
    document = render_envelope(row)
    document["path"] = file_store().relative_path(row.data["key"])
    document["url"] = f"{get_settings().public_url.rstrip('/')}/file/{row.id}/content"
    return document
