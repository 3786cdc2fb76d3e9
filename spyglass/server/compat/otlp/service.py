"""One OTLP export, whatever carried it (HTTP or gRPC): decoded spans -> committed records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from spyglass.server.compat.otlp.decode import Decoded
from spyglass.server.compat.otlp.translate import records
from spyglass.server.ingest.submit import write_items

if TYPE_CHECKING:
    from spyglass.server.store.base import Store


@dataclass(frozen=True)
class ExportResult:
    """What OTLP's `partial_success` reports: spans refused and why (empty when all were kept)."""

    written: int
    rejected: int
    message: str


async def export(store: Store, decoded: Decoded, project: str | None) -> ExportResult:
    """Write the good spans; return only once they are committed."""
    items = records(decoded, project)
    written = await write_items(store, items, None)
    message = "; ".join(decoded.reasons) if decoded.rejected else ""
    return ExportResult(written, decoded.rejected, message)
