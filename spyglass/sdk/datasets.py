"""Datasets: versioned collections of items (input, expected output, metadata, any other keys).

Every change (an insert, an update, a delete) makes a new dataset version; items that are
already in the dataset are skipped, so inserting the same rows twice is harmless.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from .rest import Rest, SpyglassAPIError, segment

INSERT_BATCH = 1000


def item_payload(item: dict[str, Any], source: str = "sdk") -> dict[str, Any]:
    """An item dict as the API takes it. ``id``, ``source``, ``trace_id``, ``span_id`` and
    ``tags`` describe the item; every other key (``input``, ``expected_output``,
    ``metadata``, anything else) is item data; ``data=`` gives the whole data at once."""
    if not isinstance(item, dict):
        raise TypeError(f"a dataset item must be a dict, not {type(item).__name__}")
    return {**item, "source": item.get("source") or source}


class Dataset:
    """A dataset on the server. ``version`` follows the changes made through this object."""

    def __init__(self, rest: Rest, info: dict[str, Any]) -> None:
        self._rest = rest
        self.info = info

    id = property(lambda self: str(self.info["id"]))
    name = property(lambda self: str(self.info["name"]))
    description = property(lambda self: self.info.get("description"))
    version = property(lambda self: int(self.info.get("version") or 0))
    item_count = property(lambda self: int(self.info.get("item_count") or 0))

    @property
    def _path(self) -> str:
        return f"/api/v1/datasets/{segment(self.id)}"

    def __repr__(self) -> str:
        return f"Dataset(name={self.name!r}, id={self.id!r}, version={self.version})"

    def refresh(self) -> Dataset:
        """Re-read the dataset (version, item count) from the server."""
        self.info = self._rest.get(self._path)
        return self

    def insert(self, items: Iterable[dict[str, Any]], *, source: str = "sdk") -> dict[str, Any]:
        """Add items; an item whose ``id`` exists updates it. Returns the counts:
        ``{"inserted", "updated", "skipped_duplicates", "version", "ids"}``.

        More than 1,000 items are sent in batches, each one dataset version.
        """
        payloads = [item_payload(item, source) for item in items]
        total: dict[str, Any] = {"inserted": 0, "updated": 0, "skipped_duplicates": 0, "version": self.version,
                                 "ids": []}
        for start in range(0, len(payloads), INSERT_BATCH):
            answer = self._rest.post(f"{self._path}/items", {"items": payloads[start:start + INSERT_BATCH]})
            add_counts(total, answer)
        self.info["version"] = total["version"]
        return total

    def insert_from_traces(self, trace_ids: list[str]) -> dict[str, Any]:
        """Items made from traces: their input, and their output as the expected output."""
        answer = self._rest.post(f"{self._path}/items/from-traces", {"trace_ids": list(trace_ids)})
        self.info["version"] = answer.get("version", self.version)
        return dict(answer)

    def get_items(self, version: int | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The items (newest version, or ``version``): dicts with ``id``, ``data``, ``input``,
        ``expected_output``, ``metadata``, ``source``, ``tags``..."""
        return self._rest.pages(f"{self._path}/items", limit, version=version)

    def iter_items(self, version: int | None = None) -> Iterator[dict[str, Any]]:
        """Like :meth:`get_items`, fetching one page at a time."""
        return self._rest.iterate(f"{self._path}/items", version=version)

    def update(self, item_id: str, **fields: Any) -> dict[str, Any]:
        """Change one item: the keys given (``input=...``, ``expected_output=...``, ``metadata=...``,
        other data keys, ``tags=...``) replace the item's; ``data=`` replaces all its data."""
        item = self._rest.patch(f"{self._path}/items/{segment(item_id)}", fields)
        self.refresh()
        return dict(item)

    def delete(self, ids: Iterable[str]) -> dict[str, Any]:
        """Remove items by id; earlier versions keep them. Returns ``{"deleted", "version"}``."""
        answer = self._rest.post(f"{self._path}/items/delete", {"ids": list(ids)})
        self.info["version"] = answer.get("version", self.version)
        return dict(answer)

    def versions(self) -> list[dict[str, Any]]:
        """``[{version, created_at, change, item_count}]``, newest first."""
        return list((self._rest.get(f"{self._path}/versions") or {}).get("items") or [])


def add_counts(total: dict[str, Any], answer: dict[str, Any]) -> None:
    for key in ("inserted", "updated", "skipped_duplicates"):
        total[key] += int(answer.get(key) or 0)
    total["version"] = answer.get("version", total["version"])
    total["ids"].extend(answer.get("ids") or [])


class DatasetMethods:
    """The dataset half of :class:`spyglass.Client`."""

    _rest: Rest

    def get_or_create_dataset(self, name: str, description: str | None = None, *,
                              tags: list[str] | None = None) -> Dataset:
        """The dataset called ``name``, created (empty) when there is none."""
        try:
            return self.get_dataset(name)
        except SpyglassAPIError as exc:
            if exc.status != 404:
                raise
        body = {"name": name, "description": description, "tags": tags}
        try:
            info = self._rest.post("/api/v1/datasets", {k: v for k, v in body.items() if v is not None})
        except SpyglassAPIError as exc:
            if exc.status != 409:  # created meanwhile by someone else
                raise
            return self.get_dataset(name)
        return Dataset(self._rest, info)

    def get_dataset(self, name: str) -> Dataset:
        """A dataset by name (or id); ``SpyglassAPIError`` (status 404) when it does not exist."""
        return Dataset(self._rest, self._rest.get(f"/api/v1/datasets/{segment(name)}"))

    def list_datasets(self, name_contains: str | None = None, *, limit: int | None = None) -> list[Dataset]:
        return [Dataset(self._rest, info) for info in self._rest.pages("/api/v1/datasets", limit,
                                                                        name_contains=name_contains)]

    def delete_dataset(self, name: str) -> None:
        """Delete a dataset with its items, versions and experiments."""
        self._rest.delete(f"/api/v1/datasets/{segment(name)}")
