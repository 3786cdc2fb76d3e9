from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import text

from spyglass import __version__
from spyglass.server.api.deps import get_store
from spyglass.server.store.base import Store

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and database check")
def health(store: Store = Depends(get_store)) -> dict[str, Any]:
    with store.read() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": store.dialect.value,
            "write_queue": store.writer.pending}
