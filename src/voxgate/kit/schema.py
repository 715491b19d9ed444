"""Base models of the wire: camelCase on the wire, snake_case never leaks out.

`WireModel` forbids unknown properties (Vapi answers `property X should not exist`);
`OpenModel` keeps them (provider objects, whose knobs vary by vendor, are stored whole).
"""

from typing import Any

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, protected_namespaces=())

    def to_wire(self) -> dict[str, Any]:
        """The fields the client sent, as JSON, under their wire names."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class OpenModel(WireModel):
    model_config = ConfigDict(extra="allow")
