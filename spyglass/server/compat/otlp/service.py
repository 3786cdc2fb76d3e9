"""One OTLP export, whatever carried it (HTTP or gRPC): spans (or the GenAI log records of
spans, logs.py) -> committed records; metrics are only acknowledged (metrics.py).

Preparing an export (decode, map, turn into statement parameters) is a pure function of the
request and a few server facts (`Known`), so a large request can be prepared in a helper
process (ingest/offload.py); the writer then commits the result in this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spyglass.server.compat.otlp import logs, metrics
from spyglass.server.compat.otlp.decode import decode_json, decode_protobuf
from spyglass.server.compat.otlp.translate import records
from spyglass.server.ingest.prepare import Ingest, prepare, project_names
from spyglass.server.model.convert import now_us
from spyglass.server.store.prepared import Prepared

if TYPE_CHECKING:
    from spyglass.server.store.base import Store


@dataclass(frozen=True)
class ExportResult:
    """What OTLP's `partial_success` reports: spans refused and why (empty when all were kept)."""

    written: int
    rejected: int
    message: str


@dataclass(frozen=True)
class Known:
    """What preparing an export needs from the server."""

    default_project: str
    project_ids: dict[str, str]  # the projects known so far, by name
    span_statement: Prepared
    now: int


@dataclass(frozen=True)
class Plan:
    """A prepared export: the work for the writer, or the projects to create first."""

    work: Ingest | None
    missing_projects: frozenset[str]
    rejected: int
    message: str


def _items(payload: bytes, as_json: bool, project: str | None, signal: str
           ) -> tuple[dict[str, list[dict[str, Any]]], int, str]:
    """Canonical records of an export, and how many of its spans (or log records) were refused, and why."""
    if signal == "logs":
        decoded_logs = (logs.decode_logs_json if as_json else logs.decode_logs_protobuf)(payload, project)
        return logs.records(decoded_logs), decoded_logs.rejected, decoded_logs.message
    decoded = decode_json(payload) if as_json else decode_protobuf(payload)
    return records(decoded, project), decoded.rejected, decoded.message


def plan(payload: bytes, as_json: bool, project: str | None, known: Known, signal: str = "traces") -> Plan:
    """Decode, map and prepare one export (the body of an OTLP/HTTP request or gRPC call)."""
    items, rejected, message = _items(payload, as_json, project, signal)
    if not any(items.values()):
        return Plan(None, frozenset(), rejected, message)
    missing = project_names(items, known.default_project) - known.project_ids.keys()
    if missing:
        return Plan(None, frozenset(missing), rejected, message)
    work = prepare(items, known.project_ids, known.default_project, known.span_statement, known.now)
    return Plan(work, frozenset(), rejected, message)


async def export(store: Store, payload: bytes, project: str | None, *, as_json: bool = False,
                 signal: str = "traces") -> ExportResult:
    """Write the good spans; return only once they are committed. `signal`: "traces", "logs" or
    "metrics" (acknowledged, not kept: metrics.py)."""
    if signal == "metrics":
        points = metrics.data_points(payload, as_json)
        return ExportResult(0, points, metrics.NOT_KEPT if points else "")
    size = len(payload)
    project_ids = store.projects.snapshot()

    async def prepared() -> Plan:
        known = Known(store.settings.default_project, project_ids, store.statements.span, now_us())
        return await store.offload.run(size, plan, payload, as_json, project, known, signal)

    result = await prepared()
    if result.missing_projects:  # create them, then prepare again with their ids
        project_ids.update(await store.project_ids_for_write(set(result.missing_projects)))
        result = await prepared()
    if result.work is None:
        return ExportResult(0, result.rejected, result.message)
    await store.writer.write(result.work)
    return ExportResult(result.work.size, result.rejected, result.message)
