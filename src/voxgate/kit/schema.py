"""Base models of the wire: camelCase on the wire, snake_case never leaks out.

`WireModel` forbids unknown properties (Vapi answers `property X should not exist`);
`OpenModel` keeps them (provider objects, whose knobs vary by vendor, are stored whole).
"""

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    PlainSerializer,
    Strict,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())

    def to_wire(self) -> dict[str, Any]:
        """The fields the client sent, as JSON, under their wire names."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class OpenModel(WireModel):
    model_config = ConfigDict(extra="allow")


def _keep_int(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    checked = handler(value)
    return value if type(value) is int else checked


def _as_sent(value: Any) -> Any:
    return value


# A JSON number echoed as sent (`300` stays `300`, not `300.0`) and never a string or a boolean
# (class-validator's IsNumber). Bounded numbers put their Field between Strict() and these two,
# where the schema shows the bounds:  Annotated[float, Strict(), Field(ge=1), KEEP_INT, AS_SENT]
KEEP_INT = WrapValidator(_keep_int)
AS_SENT = PlainSerializer(_as_sent, return_type=Any)
Number = Annotated[float, Strict(), KEEP_INT, AS_SENT]
