"""Request values the databases can store: JSON that orjson can encode (integers within 64 bits)
and text without NUL characters (PostgreSQL refuses them in text and JSONB)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Request
from pydantic import AfterValidator, BaseModel, model_validator

from spyglass.server.errors import BadRequest


def encodable(value: Any) -> Any:
    """The value unchanged, or a ValueError (a 422 naming the field) when it cannot be stored as JSON."""
    try:
        orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError as exc:
        raise ValueError(f"cannot be stored as JSON: {exc}") from None
    return value


JsonValue = Annotated[Any, AfterValidator(encodable)]
JsonObject = Annotated[dict[str, Any], AfterValidator(encodable)]


def nul_path(value: Any, path: str = "") -> str | None:
    """Where the first NUL character is in a decoded JSON value (e.g. `items.0.input`), or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, inner in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where
            found = nul_path(inner, where)
            if found is not None:
                return found
    if isinstance(value, list):
        for n, inner in enumerate(value):
            found = nul_path(inner, f"{path}.{n}" if path else str(n))
            if found is not None:
                return found
    return None


class Body(BaseModel):
    """A request body that refuses NUL characters anywhere (a 400 naming where)."""

    @model_validator(mode="before")
    @classmethod
    def no_nul_characters(cls, data: Any) -> Any:
        where = nul_path(data)
        if where is not None:
            raise BadRequest(f"{where or 'body'}: NUL characters cannot be stored", detail={"field": where})
        return data


def no_nul_parameters(request: Request) -> None:
    """Router dependency: path and query parameters with NUL characters are a 400, not a database error."""
    for params in (request.path_params, request.query_params):
        for key, value in params.items():
            if "\x00" in str(value):
                raise BadRequest(f"{key}: NUL characters are not allowed", detail={"field": key})
