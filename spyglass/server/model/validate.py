"""Validate an ingest body: keep the good items, name the field and reason of each bad one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from spyglass.server.errors import BadRequest
from spyglass.server.model.records import ITEM_ADAPTERS, ingest_body

KINDS = ("traces", "spans", "scores")


@dataclass
class Validated:
    project: str | None = None
    items: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in KINDS})
    rejected: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accepted(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.items.items()}

    @property
    def submitted(self) -> int:
        return sum(self.accepted.values()) + len(self.rejected)


def _reason(error: Any) -> str:
    return str(error.get("msg", "invalid"))


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(item)"


def validate_ingest(raw: bytes) -> Validated:
    """One fast pass for a valid body; on errors, a second pass item by item."""
    try:
        body = ingest_body.validate_json(raw)
    except ValidationError as exc:
        return _validate_items(raw, exc)
    result = Validated(project=body.get("project"))
    for kind in KINDS:
        result.items[kind] = body.get(kind) or []
    return result


def _decode(raw: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"body is not valid JSON (or not UTF-8): {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object with traces, spans and/or scores")
    return data


def _validate_items(raw: bytes, first_error: ValidationError) -> Validated:
    data = _decode(raw)
    for error in first_error.errors():
        loc = error["loc"]
        if not loc or loc[0] not in KINDS or len(loc) < 2:
            where = _field(loc)
            raise BadRequest(f"{where}: {_reason(error)}", detail={"field": where})
    result = Validated(project=data.get("project"))
    for kind in KINDS:
        adapter = ITEM_ADAPTERS[kind]
        for index, item in enumerate(data.get(kind) or []):
            try:
                result.items[kind].append(adapter.validate_python(item))
            except ValidationError as exc:
                error = exc.errors()[0]
                result.rejected.append({"kind": kind, "index": index, "field": _field(error["loc"]),
                                        "reason": _reason(error)})
    return result
