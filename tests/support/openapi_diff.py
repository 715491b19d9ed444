"""What in a new OpenAPI 3.0 document breaks a client written against the old one.

Breaking: an operation removed; a success response (or one of its fields) removed or no longer
always present; a request field or parameter newly required, or removed where extras are
rejected; an enum value removed. Everything else (new operations, fields, optional inputs,
enum values) is additive.
"""

from dataclasses import dataclass, field
from typing import Any

Node = dict[str, Any]
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _resolve(document: Node, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


@dataclass
class _View:
    """A schema with its references followed and its `allOf` members merged."""

    properties: dict[str, Any] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    enum: list[Any] | None = None
    items: Any = None
    variants: list[Any] = field(default_factory=list)
    closed: bool = False  # additionalProperties: false
    refs: set[str] = field(default_factory=set)  # the components it is made of


def _view(document: Node, schema: Any) -> _View:
    view = _View(refs={_ref(schema)} - {""})
    schema = _resolve(document, schema)
    if not isinstance(schema, dict):
        return view
    for member in schema.get("allOf", []):
        part = _view(document, member)
        view.properties.update(part.properties)
        view.required |= part.required
        view.enum = part.enum if view.enum is None else view.enum
        view.items = view.items or part.items
        view.variants += part.variants
        view.closed = view.closed or part.closed
        view.refs |= part.refs
    view.properties.update(schema.get("properties", {}))
    view.required |= set(schema.get("required", []))
    view.enum = schema.get("enum", view.enum)
    view.items = schema.get("items", view.items)
    view.variants += schema.get("oneOf", []) + schema.get("anyOf", [])
    view.closed = view.closed or schema.get("additionalProperties") is False
    return view


def _ref(schema: Any) -> str:
    return str(schema.get("$ref", "")) if isinstance(schema, dict) else ""


def _name(schema: Any, index: int) -> str:
    """A union member is matched by the component it names, else by position."""
    return _ref(schema).rsplit("/", 1)[-1] or f"#{index}"


@dataclass
class _Comparison:
    old: Node
    new: Node
    problems: list[str] = field(default_factory=list)
    seen: set[tuple[frozenset[str], frozenset[str], bool]] = field(default_factory=set)

    def schemas(self, old: Any, new: Any, where: str, request: bool) -> None:
        was, now = _view(self.old, old), _view(self.new, new)
        pair = (frozenset(was.refs), frozenset(now.refs), request)
        if pair[0] and pair[1]:
            if pair in self.seen:
                return  # a recursive schema, or one already compared in this direction
            self.seen.add(pair)
        if was.enum is not None and now.enum is not None:
            for value in was.enum:
                if value not in now.enum:
                    self.problems.append(f"{where}: enum value {value!r} removed")
        if request:
            for name in sorted(now.required - was.required):
                self.problems.append(f"{where}: request field {name} is newly required")
            if now.closed:
                for name in sorted(set(was.properties) - set(now.properties)):
                    self.problems.append(f"{where}: request field {name} no longer accepted")
        else:
            for name in sorted(set(was.properties) - set(now.properties)):
                self.problems.append(f"{where}: response field {name} removed")
            for name in sorted((was.required - now.required) & set(now.properties)):
                self.problems.append(f"{where}: response field {name} no longer always present")
        for name in sorted(set(was.properties) & set(now.properties)):
            self.schemas(was.properties[name], now.properties[name], f"{where}.{name}", request)
        if was.items is not None and now.items is not None:
            self.schemas(was.items, now.items, f"{where}[]", request)
        counterparts = {_name(v, i): v for i, v in enumerate(now.variants)}
        for index, variant in enumerate(was.variants):
            match = counterparts.get(_name(variant, index))
            if match is not None:
                self.schemas(variant, match, f"{where}<{_name(variant, index)}>", request)

    def operation(self, old: Node, new: Node, where: str) -> None:
        self.parameters(old, new, where)
        was = _resolve(self.old, old.get("requestBody")) or {}
        now = _resolve(self.new, new.get("requestBody")) or {}
        if now.get("required") and not was.get("required"):
            self.problems.append(f"{where}: request body is newly required")
        for media, content in was.get("content", {}).items():
            if media not in now.get("content", {}):
                self.problems.append(f"{where}: request body {media} no longer accepted")
            else:
                other = now["content"][media].get("schema")
                self.schemas(content.get("schema"), other, f"{where} request", request=True)
        for status, response in old.get("responses", {}).items():
            if not status.startswith("2"):
                continue
            if status not in new.get("responses", {}):
                self.problems.append(f"{where}: response {status} removed")
                continue
            was = _resolve(self.old, response)
            now = _resolve(self.new, new["responses"][status])
            for media, content in was.get("content", {}).items():
                if media not in now.get("content", {}):
                    self.problems.append(f"{where}: response {status} {media} removed")
                else:
                    other = now["content"][media].get("schema")
                    label = f"{where} response {status}"
                    self.schemas(content.get("schema"), other, label, request=False)

    def parameters(self, old: Node, new: Node, where: str) -> None:
        def by_key(document: Node, operation: Node) -> dict[tuple[str, str], Node]:
            found = [_resolve(document, p) for p in operation.get("parameters", [])]
            return {(p["in"], p["name"]): p for p in found}

        was, now = by_key(self.old, old), by_key(self.new, new)
        for key, parameter in now.items():
            label = f"{where} {key[0]} parameter {key[1]}"
            if parameter.get("required") and not was.get(key, {}).get("required"):
                self.problems.append(f"{label}: newly required")
            if key in was:
                self.schemas(was[key].get("schema"), parameter.get("schema"), label, request=True)


def _operations(document: Node) -> dict[str, Node]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in _METHODS
    }


def breaking_changes(old: Node, new: Node) -> list[str]:
    """One line per change in `new` that breaks a client of `old`; empty when only additive."""
    comparison = _Comparison(old, new)
    now = _operations(new)
    for where, operation in _operations(old).items():
        if where not in now:
            comparison.problems.append(f"{where}: operation removed")
        else:
            comparison.operation(operation, now[where], where)
    return list(dict.fromkeys(comparison.problems))


def major(version: str) -> int:
    return int(version.split(".", 1)[0])


def differences(old: Any, new: Any, at: str = "", limit: int = 20) -> list[str]:
    """Where two documents differ (`/paths[/assistant]/post/summary`), the first `limit`."""
    found: list[str] = []

    def walk(a: Any, b: Any, path: str) -> None:
        if len(found) >= limit or a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                here = f"{path}[{key}]" if "/" in str(key) else f"{path}/{key}"
                if key not in b:
                    found.append(f"- {here}")
                elif key not in a:
                    found.append(f"+ {here}")
                else:
                    walk(a[key], b[key], here)
        else:
            found.append(f"~ {path or '/'}")

    walk(old, new, at)
    return found[:limit]
