"""The multipart upload form, `CreateFileDTO` (named as in the reference), and the list query."""

from typing import Annotated

from fastapi import UploadFile
from pydantic import Field, ValidatorFunctionWrapHandler, WithJsonSchema, WrapValidator
from pydantic_core import PydanticCustomError

from voxgate.control.listing import ListQuery
from voxgate.kit.schema import WireModel

# Left out of `GET /file` unless asked for by name, as Vapi does.
UNLISTED_PURPOSE = "composer-attachment"
Binary = WithJsonSchema({"type": "string", "format": "binary"})


def _a_file(value: object, handler: ValidatorFunctionWrapHandler) -> UploadFile:
    # A part without a filename arrives as text: to the client that is "no file was sent".
    if isinstance(value, str):
        raise PydanticCustomError("missing", "Field required")
    upload: UploadFile = handler(value)
    return upload


class CreateFileDTO(WireModel):
    """One `file` part; `purpose` and `metadata` are the extra parts the official SDK can send."""

    file: Annotated[UploadFile, WrapValidator(_a_file), Binary]
    purpose: str | None = Field(default=None, min_length=1, max_length=64)
    metadata: str | None = Field(default=None, description="A JSON-encoded object.")


class FileListQuery(ListQuery):
    # The reference marks `purpose` required, but the official SDK sends none: it is a filter.
    purpose: str | None = Field(
        default=None,
        description=f"Only files of this purpose; without it, all but `{UNLISTED_PURPOSE}` ones.",
    )
