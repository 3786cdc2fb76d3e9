from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from spyglass import __version__
from spyglass.server.api.deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and database check")
def health(store: StoreDep) -> dict[str, Any]:
    with store.read() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": store.dialect.value,
            "write_queue": store.writer.pending}
