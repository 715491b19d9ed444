"""Query parameters of `GET /session`: a page, plus the filters the reference declares.

The customer filters (`number`, `sipUri`, `customerName`, `email`, `externalId`, `extension`)
match the session's `customer` exactly. `numberE164CheckEnabled` and `assistantOverrides` come
with the customer's shape in the reference but filter nothing: they are accepted and ignored.
No session has a workflow, so `workflowId` matches none.
"""

from typing import Any

from pydantic import Field
from sqlalchemy import false

from voxgate.control.listing import PageQuery
from voxgate.db.models import Session as SessionRow

_CUSTOMER = {
    "number": "number", "sip_uri": "sipUri", "customer_name": "name", "email": "email",
    "external_id": "externalId", "extension": "extension",
}  # fmt: skip


def _listed(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class SessionPageQuery(PageQuery):
    id: str | None = None
    name: str | None = None
    assistant_id: str | None = Field(default=None, alias="assistantId")
    assistant_id_any: str | None = Field(
        default=None, alias="assistantIdAny", description="Assistant ids, comma-separated."
    )
    squad_id: str | None = Field(default=None, alias="squadId")
    workflow_id: str | None = Field(default=None, alias="workflowId")
    number: str | None = Field(default=None, max_length=40)
    sip_uri: str | None = Field(default=None, alias="sipUri")
    customer_name: str | None = Field(default=None, alias="customerName", max_length=40)
    email: str | None = Field(default=None, max_length=40)
    external_id: str | None = Field(default=None, alias="externalId", max_length=40)
    extension: str | None = Field(default=None, max_length=10)
    customer_number_any: str | None = Field(
        default=None, alias="customerNumberAny", description="Customer numbers, comma-separated."
    )
    phone_number_id: str | None = Field(default=None, alias="phoneNumberId")
    phone_number_id_any: list[str] | None = Field(default=None, alias="phoneNumberIdAny")
    number_e164_check_enabled: bool | None = Field(
        default=None, alias="numberE164CheckEnabled", description="Accepted; filters nothing."
    )
    assistant_overrides: str | None = Field(
        default=None, alias="assistantOverrides", description="Accepted; filters nothing."
    )

    def where(self) -> list[Any]:
        """The filters the client set, all of which a session must match."""
        columns = (
            (SessionRow.id, self.id),
            (SessionRow.name, self.name),
            (SessionRow.assistant_id, self.assistant_id),
            (SessionRow.squad_id, self.squad_id),
            (SessionRow.phone_number_id, self.phone_number_id),
        )
        found = [column == value for column, value in columns if value is not None]
        for attribute, key in _CUSTOMER.items():
            value = getattr(self, attribute)
            if value is not None:
                found.append(SessionRow.data[("customer", key)].as_string() == value)
        if self.assistant_id_any is not None:
            found.append(SessionRow.assistant_id.in_(_listed(self.assistant_id_any)))
        if self.customer_number_any is not None:
            numbers = _listed(self.customer_number_any)
            found.append(SessionRow.data[("customer", "number")].as_string().in_(numbers))
        if self.phone_number_id_any is not None:
            found.append(SessionRow.phone_number_id.in_(self.phone_number_id_any))
        if self.workflow_id is not None:
            found.append(false())
        return found
