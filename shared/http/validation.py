"""Request validation the cheap way: each route's parameters compiled once into pydantic validators.

The handlers declare their inputs as Powertools does (``appeal_id: str`` for the path,
``request: SomeModel`` or ``Annotated[SomeModel | None, Body()]`` for the JSON body,
``Annotated[int, Query(ge=1)]`` / ``Header()`` for the rest), so the OpenAPI document is still
generated from the same signatures and models. At request time, instead of Powertools' generic
validation middleware, the body goes straight through ``TypeAdapter.validate_json`` (pydantic-core
parses and validates the raw string in one pass) and the query/header parameters through one
model built for the route. A failure is API.md's 400 ``invalid_request`` naming the fields.

A parameter kind this module does not know (``Depends``, ``Request``, forms, cookies) makes the
route fall back to Powertools' own validation (``needs_powertools``), so nothing is ever silently
left unvalidated.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model
from pydantic.fields import FieldInfo

from shared.core.errors import InvalidRequest
from shared.core.observability import logger

_POWERTOOLS_PARAMS = "aws_lambda_powertools.event_handler.openapi.params"


def describe(errors: list[dict[str, Any]]) -> str:
    """API.md's message for a 400 invalid_request: the offending field names, or bad JSON."""
    fields = []
    for err in errors:
        if err.get("type") == "json_invalid":
            return "The body is not valid JSON."
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path", "header", "cookie")]
        fields.append(".".join(loc) or "body")
    return "Invalid or missing field(s): " + ", ".join(dict.fromkeys(fields)) + "."


def invalid(errors: list[dict[str, Any]]) -> InvalidRequest:
    """The 400 for ``errors`` (pydantic's), logged with locations and types only, never values."""
    logger.info("invalid request", extra={"errors": [{"loc": e.get("loc"), "type": e.get("type")} for e in errors]})
    return InvalidRequest(describe(errors))


class RouteInputs:
    """One route's compiled validators; ``arguments()`` turns a request into the handler's kwargs."""

    needs_powertools = False

    def __init__(self, func: Callable[..., Any]) -> None:
        self.path_names: list[str] = []
        self.body: tuple[str, TypeAdapter[Any], bool, Any] | None = None
        self.query: tuple[type[BaseModel], list[str]] | None = None
        self.header: tuple[type[BaseModel], list[str]] | None = None
        hints = get_type_hints(func, include_extras=True)
        query_fields: dict[str, Any] = {}
        header_fields: dict[str, Any] = {}
        for name, param in inspect.signature(func).parameters.items():
            annotation = hints.get(name, Any)
            base, info = _split(annotation)
            kind = type(info).__name__ if info is not None else None
            required = param.default is inspect.Parameter.empty
            default = None if required else param.default
            if info is not None and type(info).__module__ != _POWERTOOLS_PARAMS:
                kind = "?"
            if kind is None and _is_model(base):
                kind = "Body"
            if kind in ("Query", "Header"):
                assert info is not None
                alias = info.alias or (name if kind == "Query" else name.replace("_", "-").lower())
                typed = _annotated(base, info.metadata)
                target = query_fields if kind == "Query" else header_fields
                target[name] = (typed, Field(... if required else default, alias=alias))
            elif kind == "Body" and self.body is None:
                typed = _annotated(base, info.metadata if info is not None else [])
                adapter: TypeAdapter[Any] = TypeAdapter(typed)
                self.body = (name, adapter, required, default)
            elif kind in (None, "Path") and base in (str, Any):
                self.path_names.append(name)
            else:
                self.needs_powertools = True
        self.query = _model("QueryParameters", query_fields)
        self.header = _model("HeaderParameters", header_fields)
        returns: Any = hints.get("return")
        shaped = _is_model(returns) and not _is_response(returns)
        self.returns: TypeAdapter[Any] | None = TypeAdapter(returns) if shaped else None
        self.returns_model: type[BaseModel] | None = returns if shaped and isinstance(returns, type) else None

    def serialize(self, result: BaseModel) -> str:
        """The handler's model as JSON, shaped by its declared return type (as Powertools did). When
        the result is exactly the declared model, its own pydantic-core serializer writes it: the
        same JSON, without the adapter's Python layer around it."""
        if type(result) is self.returns_model:
            return result.__pydantic_serializer__.to_json(result, by_alias=True).decode()
        if self.returns is None:
            return result.model_dump_json(by_alias=True)
        return self.returns.dump_json(result, by_alias=True).decode()

    def arguments(self, event: Any, path: Mapping[str, str]) -> dict[str, Any]:
        """The handler's kwargs from ``event`` (Powertools' APIGatewayProxyEventV2); only the parts
        this route declares are read."""
        kwargs: dict[str, Any] = {name: path[name] for name in self.path_names if name in path}
        errors: list[dict[str, Any]] = []
        if self.body is not None:
            name, adapter, required, default = self.body
            body = event.decoded_body if event.body else None
            if not body:
                if required:
                    errors.append({"loc": ("body",), "type": "missing"})
                kwargs[name] = default
            else:
                try:
                    kwargs[name] = adapter.validate_json(body)
                except ValidationError as exc:
                    errors += [{"loc": ("body", *e["loc"]), "type": e["type"]} for e in exc.errors()]
        for part, compiled in (("query", self.query), ("header", self.header)):
            if compiled is None:
                continue
            model, names = compiled
            source = event.query_string_parameters if part == "query" else event.headers
            try:
                values = model.model_validate(dict(source or {}))
            except ValidationError as exc:
                errors += [{"loc": (part, *e["loc"]), "type": e["type"]} for e in exc.errors()]
            else:
                kwargs.update({n: getattr(values, n) for n in names})
        if errors:
            raise invalid(errors)
        return kwargs


def _split(annotation: Any) -> tuple[Any, FieldInfo | None]:
    """``Annotated[T, Query(...)]`` -> (T, the Query); anything else -> (annotation, None)."""
    if get_origin(annotation) is Annotated:
        base, *extras = get_args(annotation)
        infos = [e for e in extras if isinstance(e, FieldInfo)]
        return base, infos[0] if infos else None
    return annotation, None


def _annotated(base: Any, metadata: list[Any]) -> Any:
    """``base`` with the constraints a Query/Header/Body(...) carried (ge, max_length...)."""
    return Annotated[base, *metadata] if metadata else base  # type: ignore[valid-type,unused-ignore]


def _is_model(annotation: Any) -> bool:
    candidates = get_args(annotation) or (annotation,)
    return any(isinstance(c, type) and issubclass(c, BaseModel) for c in candidates)


def _is_response(annotation: Any) -> bool:
    """``Response[Model]``: the handler builds its own response (status, headers); nothing to shape."""
    origin = get_origin(annotation)
    return isinstance(origin, type) and issubclass(origin, Response)


def _model(name: str, fields: dict[str, Any]) -> tuple[type[BaseModel], list[str]] | None:
    if not fields:
        return None
    model = create_model(name, __config__=ConfigDict(extra="ignore", populate_by_name=False), **fields)
    return model, list(fields)


def inputs(route: Any) -> RouteInputs:
    """The route's compiled validators, built on its first request and kept on the route."""
    compiled: RouteInputs | None = getattr(route, "_batterycrm_inputs", None)
    if compiled is None:
        compiled = RouteInputs(route.func)
        route._batterycrm_inputs = compiled
    return compiled
