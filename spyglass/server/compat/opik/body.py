"""Request bodies as the opik SDK sends them: often gzip-compressed, encoded by Python's json
module (so `NaN` and `Infinity` may appear, and become null here)."""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.requests import Request

from spyglass.server.api.body import read_body
from spyglass.server.errors import BadRequest
from spyglass.server.store.base import Store


def parse_json(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:  # the slow path, only for bodies orjson refuses (NaN, Infinity)
        return json.loads(raw, parse_constant=lambda _name: None)
    except ValueError as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None


async def read_object(request: Request, store: Store) -> dict[str, Any]:
    body = parse_json(await read_body(request, store.settings.max_request_bytes))
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def list_field(body: dict[str, Any], name: str) -> list[Any]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequest(f"{name}: must be a list", detail={"field": name})
    return value


def text_field(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise BadRequest(f"{name}: is required", detail={"field": name})
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name}: must be a string", detail={"field": name})
    return value
