"""What handlers get from the app: the store, settings and the current project."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from spyglass.server.store.base import Store


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]
