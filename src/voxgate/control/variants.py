"""The five REST operations of a resource whose body is one of several variants.

Tools are picked by `type`, phone numbers by `provider`. A create body names its variant; an
update body need not, because the variant is the stored record's (VAPI-BEHAVIOUR §1.5). The SDKs
send the discriminator on update anyway, so one equal to the stored value is accepted and dropped;
any other is refused.

The unions are documented as unions but validated here, one variant at a time: pydantic's union
errors name the branch they tried (`function.function.name`), a path no client ever wrote.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse
from pydantic import PlainValidator, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from voxgate.auth.deps import CurrentOrg, DbSession
from voxgate.control.crud import Document, Kind, Repository, merge
from voxgate.control.router import add_read_and_delete
from voxgate.errors import BadRequest
from voxgate.kit.schema import WireModel
from voxgate.kit.validation import messages
from voxgate.wire._variants import VariantModels

# (validated changes, the stored document or None on create) → what to store.
Prepare = Callable[[Document, Document | None], Document]


@dataclass(frozen=True)
class Caller:
    """Who asks: a check may read the caller's other resources (a number's credential)."""

    session: AsyncSession
    org_id: str


# (what would be stored, the stored document or None on create, the caller) → what to store
# instead (a carrier's own ids added), or None to store it as is; raises to store nothing.
Check = Callable[[Document, Document | None, Caller], Awaitable[Document | None]]


def _as_is(changes: Document, stored: Document | None) -> Document:
    return changes


async def _accept(data: Document, stored: Document | None, caller: Caller) -> None:
    return None


def _documented(union: Any) -> Any:
    """A body type that the document shows as `union` and that reaches the handler unvalidated."""
    return Annotated[Any, PlainValidator(lambda value: value, json_schema_input_type=union), Body()]


def _validate(model: type[WireModel], body: Document) -> Document:
    try:
        return model.model_validate(body).to_wire()
    except ValidationError as exc:
        errors: list[Any] = exc.errors()
        raise BadRequest(messages(errors, strip=0)) from None


def _object(body: Any) -> Document:
    if not isinstance(body, dict):
        raise BadRequest(["request body must be a JSON object"])
    return body


def parse_create(models: VariantModels, body: Any) -> Document:
    value = _object(body).get(models.key)
    model = models.create.get(value) if isinstance(value, str) else None
    if model is None:
        allowed = ", ".join(models.create)
        raise BadRequest([f"{models.key} must be one of the following values: {allowed}"])
    return _validate(model, body)


def parse_update(models: VariantModels, stored: str, body: Any) -> Document:
    body = dict(_object(body))
    if models.key in body and body.pop(models.key) != stored:
        raise BadRequest([f"{models.key} must be equal to {stored}"])
    changes = _validate(models.update[stored], body)
    # A PATCH cannot unset what the variant needs (an apiRequest's `url`, a twilio `number`).
    needed = [f.alias for f in models.create[stored].model_fields.values() if f.is_required()]
    unset = [
        f"{name} should not be empty"
        for name in needed
        if name in changes and changes[name] is None
    ]
    if unset:
        raise BadRequest(unset)
    return changes


def variant_router(
    kind: Kind[Any],
    models: VariantModels,
    *,
    path: str,
    tag: str,
    controller: str,
    summaries: dict[str, str] | None = None,
    prepare: Prepare = _as_is,
    check: Check = _accept,
    list_operation: str = "findAll",
) -> APIRouter:
    router = APIRouter(prefix=path, tags=[tag])
    summary = summaries or {}
    noun = kind.noun.lower()
    create_body, update_body = (
        _documented(models.create_union()),
        _documented(models.update_union()),
    )
    response = models.response_union()

    @router.post(
        "",
        status_code=201,
        response_model=response,
        operation_id=f"{controller}_create",
        summary=summary.get("create", f"Create {noun}"),
    )
    async def create_one(body: create_body, org: CurrentOrg, session: DbSession) -> Any:  # type: ignore[valid-type]
        data = merge({}, prepare(parse_create(models, body), None))
        data = await check(data, None, Caller(session, org.org_id)) or data
        row = await Repository(session, kind, org.org_id).create(data)
        return JSONResponse(kind.render(row), status_code=201)

    @router.patch(
        "/{id}",
        response_model=response,
        operation_id=f"{controller}_update",
        summary=summary.get("update", f"Update {noun}"),
    )
    async def update_one(
        id: UUID,
        body: update_body,  # type: ignore[valid-type]
        org: CurrentOrg,
        session: DbSession,
    ) -> Any:
        repo = Repository(session, kind, org.org_id)
        row = await repo.get(str(id))
        changes = prepare(parse_update(models, row.data[models.key], body), row.data)
        data = merge(row.data, changes)
        data = await check(data, row.data, Caller(session, org.org_id)) or data
        row = await repo.update(row, data)
        return JSONResponse(kind.render(row))

    add_read_and_delete(router, kind, response, controller, summary, list_operation)
    return router
