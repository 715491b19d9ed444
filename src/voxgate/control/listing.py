"""List query parameters as the SDKs send them (`limit=10.0`, offsets, microseconds)."""

import math
import operator
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import Select

from voxgate.db.base import Resource

_BOUNDS: dict[str, Callable[[Any, datetime], Any]] = {
    "gt": operator.gt,
    "lt": operator.lt,
    "ge": operator.ge,
    "le": operator.le,
}


class ListQuery(BaseModel):
    """`limit` plus strict or inclusive bounds on `createdAt` and `updatedAt`."""

    model_config = ConfigDict(populate_by_name=True)

    limit: float | None = Field(default=None, ge=0, le=1000, description="Defaults to 100.")
    created_at_gt: datetime | None = Field(default=None, alias="createdAtGt")
    created_at_lt: datetime | None = Field(default=None, alias="createdAtLt")
    created_at_ge: datetime | None = Field(default=None, alias="createdAtGe")
    created_at_le: datetime | None = Field(default=None, alias="createdAtLe")
    updated_at_gt: datetime | None = Field(default=None, alias="updatedAtGt")
    updated_at_lt: datetime | None = Field(default=None, alias="updatedAtLt")
    updated_at_ge: datetime | None = Field(default=None, alias="updatedAtGe")
    updated_at_le: datetime | None = Field(default=None, alias="updatedAtLe")

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        # A bound without an offset is read as UTC, like every timestamp we return.
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        if isinstance(value, datetime):
            try:  # year 1 ahead of UTC is before year 1 in UTC: PostgreSQL's driver fails (a 500)
                value.astimezone(UTC)
            except OverflowError:
                raise PydanticCustomError(
                    "datetime_range", "must be a date-time between years 1 and 9999 in UTC"
                ) from None
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_null_character(cls, value: Any) -> Any:
        # PostgreSQL refuses U+0000 in a text parameter (a 500); every filter is refused alike.
        texts = value if isinstance(value, list) else [value]  # a list filter's values too
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise PydanticCustomError("null_character", "must not contain the null character")
        return value

    @property
    def size(self) -> int:
        return 100 if self.limit is None else int(self.limit)

    def filter(self, stmt: Select[Any], table: type[Resource]) -> Select[Any]:
        for column in ("created_at", "updated_at"):
            for op, compare in _BOUNDS.items():
                bound = getattr(self, f"{column}_{op}")
                if bound is not None:
                    stmt = stmt.where(compare(getattr(table, column), bound))
        return stmt


class PageQuery(ListQuery):
    page: float = Field(default=1, ge=1, allow_inf_nan=False)
    sort_order: Literal["ASC", "DESC"] = Field(default="DESC", alias="sortOrder")
    sort_by: Literal["createdAt", "cost", "duration"] = Field(default="createdAt", alias="sortBy")


def pagination(query: PageQuery, total: int) -> dict[str, Any]:
    """`PaginationMeta` of the page `query` asked for, out of `total` rows."""
    pages = math.ceil(total / query.size) if query.size else 0
    page = int(query.page)
    return {
        "itemsPerPage": query.size,
        "totalItems": total,
        "currentPage": page,
        "totalPages": pages,
        "hasNextPage": page < pages,
        "sortOrder": query.sort_order,
    }
