"""The OpenAPI 3.1 document of /api/v1, built from the routes' own pydantic models.

Each API view is declared with :func:`operation`: the query model it parses, the body it
accepts and the model it returns. The view uses those models to parse and serialise; this
module reads the same declarations to write the document, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, TypeAdapter

from netcensus import __version__

from .schemas import ErrorOut, Query

F = TypeVar("F", bound=Callable[..., Any])
REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Operation:
    summary: str
    response: Any  # a pydantic model, or list[Model]
    query: type[Query] | None = None
    body: type[BaseModel] | None = None
    status: int = 200
    refusals: tuple[tuple[int, str], ...] = ()  # statuses of this operation only, and why


def operation(
    summary: str,
    *,
    response: Any,
    query: type[Query] | None = None,
    body: type[BaseModel] | None = None,
    status: int = 200,
    refusals: tuple[tuple[int, str], ...] = (),
) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        view.openapi = Operation(summary, response, query, body, status, refusals)  # type: ignore[attr-defined]
        return view

    return decorate


def _response_models(op: Operation) -> list[type[BaseModel]]:
    inner = getattr(op.response, "__args__", None)
    return [inner[0]] if inner else [op.response]


def _name(model: Any) -> str:
    """A component name OpenAPI allows (``Page[DeviceRow]`` becomes ``Page_DeviceRow_``)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", model.__name__)


def _response_schema(op: Operation) -> dict[str, Any]:
    model = _response_models(op)[0]
    ref = {"$ref": REF.format(model=_name(model))}
    return {"type": "array", "items": ref} if getattr(op.response, "__args__", None) else ref


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null: drop the null branch pydantic adds."""
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if "anyOf" in schema and len(branches) == 1:
        merged = {k: v for k, v in schema.items() if k != "anyOf"}
        merged.update(branches[0])
        return merged
    return schema


def _parameters(rule: str, op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        if kind in ("", "path", "string")
        else {
            "name": name,
            "in": "path",
            "required": True,
            # Werkzeug's int converter takes no sign; the views cap ids at a 32-bit integer.
            "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
        }
        for kind, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", []))
        defs = schema.get("$defs", {})
        for name, prop in schema["properties"].items():
            prop = _without_null(prop)
            if "$ref" in prop:
                prop = defs[prop["$ref"].rsplit("/", 1)[1]]
            if prop.get("type") == "array" and "$ref" in prop.get("items", {}):
                prop = {**prop, "items": defs[prop["items"]["$ref"].rsplit("/", 1)[1]]}
            prop = {k: v for k, v in prop.items() if k != "title"}
            param: dict[str, Any] = {
                "name": name, "in": "query", "required": name in required, "schema": prop,
            }  # fmt: skip
            if prop.get("type") == "array":
                param.update(style="form", explode=True)
            params.append(param)
    return params


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")


def _component(name: str, schema: dict[str, Any], components: dict[str, Any]) -> None:
    components.update(schema.pop("$defs", {}))
    components[name] = schema


def build_document(rules: list[tuple[str, str, Operation]]) -> dict[str, Any]:
    """``rules``: (Flask rule under /api/v1, HTTP method, operation) for every API view.

    Responses may be pydantic models or dataclasses (the coverage results are); both go
    through pydantic's TypeAdapter, the same serialiser the views answer with.
    """
    components: dict[str, Any] = {}
    models: dict[str, Any] = {"ErrorOut": ErrorOut}
    for _rule, _method, op in rules:
        for model in (*_response_models(op), *([op.body] if op.body else [])):
            models[_name(model)] = model
    for name, model in models.items():
        is_body = any(op.body is model for _r, _m, op in rules)
        mode: Literal["validation", "serialization"] = "validation" if is_body else "serialization"
        _component(name, TypeAdapter(model).json_schema(mode=mode, ref_template=REF), components)
    definitions = {"$defs": components}
    error = {"application/json": {"schema": {"$ref": REF.format(model="ErrorOut")}}}
    paths: dict[str, dict[str, Any]] = {}
    for rule, method, op in sorted(rules, key=lambda r: r[0]):
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule)
        responses: dict[str, Any] = {
            str(op.status): {
                "description": "OK",
                "content": {"application/json": {"schema": _response_schema(op)}},
            },
            "400": {"description": "Bad parameters", "content": error},
            "401": {"description": "No valid bearer token", "content": error},
            "403": {"description": "The role may not do this", "content": error},
            "404": {"description": "Not found, or outside the user's scope", "content": error},
            "429": {"description": "Too many requests", "content": error},
            **{str(code): {"description": why, "content": error} for code, why in op.refusals},
        }
        entry: dict[str, Any] = {
            "summary": op.summary,
            "operationId": f"{method.lower()}_{_slug(path)}",
            "parameters": _parameters(rule, op),
            "responses": responses,
        }
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": REF.format(model=_name(op.body))}}
                },
            }
            responses["415"] = {"description": "Not JSON", "content": error}
        paths.setdefault(path, {})[method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "netcensus REST API", "version": __version__},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def dump(response: Any, value: Any) -> Any:
    """Serialise ``value`` exactly as the document says ``response`` looks."""
    return TypeAdapter(response).dump_python(value, mode="json")
