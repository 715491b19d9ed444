"""File: the `File` record of an upload, and `UpdateFileDTO` (a rename).

The upload itself (`CreateFileDTO`, multipart) is a form of the control plane; the record only
describes the stored bytes.
"""

from typing import Any, Literal

from pydantic import Field

from voxgate.kit.schema import WireModel
from voxgate.wire.common import Envelope

FileStatus = Literal["processing", "done", "failed"]


class UpdateFileDTO(WireModel):
    name: str | None = Field(default=None, min_length=1, max_length=40)


class File(Envelope):
    object_: Literal["file"] | None = Field(default=None, alias="object")
    status: FileStatus | None = Field(
        default=None, description="Uploads are stored whole before the answer: always `done`."
    )
    name: str | None = Field(
        default=None, max_length=40, description="The original name, cut to 40 characters."
    )
    original_name: str | None = Field(default=None, alias="originalName")
    size: int | None = Field(default=None, alias="bytes", description="Size of the content.")
    purpose: str | None = None
    mimetype: str | None = None
    key: str | None = Field(default=None, description="Where the content is kept in the store.")
    path: str | None = Field(
        default=None, description="Where the content is kept, relative to the data directory."
    )
    bucket: str | None = None
    url: str | None = Field(
        default=None,
        description="Where the content can be downloaded, with a private key of the same org.",
    )
    parsed_text_url: str | None = Field(default=None, alias="parsedTextUrl")
    parsed_text_bytes: int | None = Field(default=None, alias="parsedTextBytes")
    metadata: dict[str, Any] | None = None
