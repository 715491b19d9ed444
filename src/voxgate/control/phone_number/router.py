"""`/phone-number` (five operations over the five providers) and the paginated `/v2/phone-number`.

`GET /phone-number` is `PhoneNumberController_list`, as the product's documentation names it,
rather than the reference's `findAll`.
"""

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import Field, field_validator

from voxgate.auth.deps import CurrentOrg, DbSession
from voxgate.control.crud import Kind, Repository
from voxgate.control.listing import PageQuery, pagination
from voxgate.control.phone_number import service
from voxgate.control.variants import variant_router
from voxgate.db.models import PhoneNumber as PhoneNumberRow
from voxgate.wire.phone_number import PHONE_NUMBER_MODELS, PhoneNumberPaginatedResponse

kind = Kind(PhoneNumberRow, "Phone number", columns=service.columns, render=service.render)


class PhoneNumberPageQuery(PageQuery):
    search: str | None = Field(
        default=None,
        max_length=100,
        description="Case-insensitive partial match on the name, number or SIP URI.",
    )

    @field_validator("search")
    @classmethod
    def _no_null_character(cls, value: str | None) -> str | None:
        # PostgreSQL cannot compare text holding U+0000; no stored value holds one either.
        if value is not None and "\x00" in value:
            raise ValueError("search must not contain the null character")
        return value


paginated = APIRouter(prefix="/v2/phone-number", tags=["Phone Numbers"])


@paginated.get(
    "",
    response_model=PhoneNumberPaginatedResponse,
    operation_id="PhoneNumberController_findAllPaginated",
    summary="List phone numbers, one page at a time",
)
async def list_page(
    org: CurrentOrg, session: DbSession, query: PhoneNumberPageQuery = Query()
) -> Any:
    where = [service.search(query.search)] if query.search else []
    rows, total = await Repository(session, kind, org.org_id).page(query, *where)
    results = [kind.render(row) for row in rows]
    return JSONResponse({"results": results, "metadata": pagination(query, total)})


router = APIRouter()
router.include_router(
    variant_router(
        kind,
        PHONE_NUMBER_MODELS,
        path="/phone-number",
        tag="Phone Numbers",
        controller="PhoneNumberController",
        summaries={
            "create": "Create a phone number, or import one from a carrier",
            "list": "List the phone numbers of the caller's organization",
        },
        prepare=service.prepare,
        check=service.connect,
        list_operation="list",
    )
)
router.include_router(paginated)
