"""Build the models of a discriminated resource (tools, phone numbers) from one field table.

Each variant has three models, named as in Vapi's document: what a create takes
(`CreateFunctionToolDTO`: the discriminator plus the variant's fields), what an update takes
(`UpdateFunctionToolDTO`: the same fields, none required, no discriminator) and what is returned
(`FunctionTool`: the create fields plus the envelope). Building the three from one table keeps
them from drifting apart.
"""

import keyword
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, create_model

from voxgate.kit.schema import WireModel

Model = Literal["create", "update", "response"]
EVERYWHERE: tuple[Model, ...] = ("create", "update", "response")


@dataclass(frozen=True)
class Spec:
    """One wire field: its type, whether a create must carry it, its `Field` options and the
    models it belongs to (a few fields are fixed at creation, or set by the server)."""

    annotation: Any
    required: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    only: tuple[Model, ...] = EVERYWHERE


def optional(annotation: Any, *, only: tuple[Model, ...] = EVERYWHERE, **options: Any) -> Spec:
    return Spec(annotation, False, options, only)


def required(annotation: Any, *, only: tuple[Model, ...] = EVERYWHERE, **options: Any) -> Spec:
    return Spec(annotation, True, options, only)


def _python_name(wire: str) -> str:
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", wire).lower()
    return f"{name}_" if keyword.iskeyword(name) else name


def build(
    name: str,
    base: type[WireModel],
    fields: Mapping[str, Spec],
    *,
    all_optional: bool = False,
    doc: str | None = None,
) -> type[WireModel]:
    definitions: dict[str, Any] = {}
    for wire, spec in fields.items():
        if spec.required and not all_optional:
            definitions[_python_name(wire)] = (spec.annotation, Field(alias=wire, **spec.options))
        else:
            info = Field(default=None, alias=wire, **spec.options)
            definitions[_python_name(wire)] = (spec.annotation | None, info)
    return create_model(name, __base__=base, __module__=__name__, __doc__=doc, **definitions)


@dataclass(frozen=True)
class VariantModels:
    """The three models of every variant, keyed by discriminator value, in document order."""

    key: str
    create: dict[str, type[WireModel]]
    update: dict[str, type[WireModel]]
    response: dict[str, type[WireModel]]

    def create_union(self) -> Any:
        return _tagged_union(self.create.values(), self.key)

    def update_union(self) -> Any:
        # Update bodies carry no discriminator: the variant is the stored record's.
        return Union[tuple(self.update.values())]  # noqa: UP007

    def response_union(self) -> Any:
        return _tagged_union(self.response.values(), self.key)


def _tagged_union(models: Iterable[type[BaseModel]], key: str) -> Any:
    return Annotated[Union[tuple(models)], Field(discriminator=key)]  # noqa: UP007


def _fields(fields: Mapping[str, Spec], model: Model) -> dict[str, Spec]:
    return {wire: spec for wire, spec in fields.items() if model in spec.only}


def variant_models(
    key: str,
    table: Mapping[str, tuple[str, Mapping[str, Spec]]],
    *,
    envelope: type[WireModel],
    describe: Callable[[str], str | None] = lambda value: None,
) -> VariantModels:
    """`table`: discriminator value → (name of the returned model, fields of the variant)."""
    create: dict[str, type[WireModel]] = {}
    update: dict[str, type[WireModel]] = {}
    response: dict[str, type[WireModel]] = {}
    for value, (stem, fields) in table.items():
        tagged = {key: required(Literal[value]), **fields}
        create[value] = build(
            f"Create{stem}DTO", WireModel, _fields(tagged, "create"), doc=describe(value)
        )
        update[value] = build(
            f"Update{stem}DTO", WireModel, _fields(fields, "update"), all_optional=True
        )
        response[value] = build(stem, envelope, _fields(tagged, "response"))
    return VariantModels(key, create, update, response)
