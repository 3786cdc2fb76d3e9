"""Finding the dataset and the baseline experiment an evaluation runs against."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Mapping

from ...sdk import Client, Dataset, Experiment, SpyglassAPIError


def resolve_dataset(client: Client, dataset: str | Dataset) -> Dataset:
    """A :class:`Dataset` from a name, an id, or a Dataset (refreshed: the current version)."""
    if isinstance(dataset, Dataset):
        return client.get_dataset(dataset.id)
    if not isinstance(dataset, str) or not dataset:
        raise TypeError(f"dataset must be a dataset name or a spyglass Dataset, not {type(dataset).__name__}")
    return client.get_dataset(dataset)


def sync_cases(client: Client, name: str, cases: Iterable[Mapping[str, Any]]) -> Dataset:
    """Make dataset ``name`` hold exactly ``cases`` (inline test cases).

    Cases already present are kept as they are, new ones are added and the rest removed, so an
    unchanged list leaves the dataset's version alone and every change makes a new version.
    """
    wanted = [dict(case) for case in cases]
    if not wanted:
        raise ValueError("cases: give at least one case")
    dataset = client.get_or_create_dataset(name, description="Inline cases of a test")
    answer = dataset.insert(wanted)
    keep = set(answer.get("ids") or [])
    stale = [item["id"] for item in dataset.get_items() if item["id"] not in keep]
    if stale:
        dataset.delete(stale)
    return dataset.refresh()


def find_baseline(client: Client, baseline: str | Experiment, dataset: Dataset) -> Experiment:
    """The baseline experiment: an Experiment, an experiment id, or the newest experiment of the
    dataset with that name. Raises LookupError when there is none."""
    if isinstance(baseline, Experiment):
        return baseline
    try:
        return client.get_experiment(baseline)
    except SpyglassAPIError as exc:
        if exc.status != 404:
            raise
    # Newest first, filtered by the server (the SDK's list_experiments has no name filter).
    for info in client._rest.iterate("/api/v1/experiments", dataset=dataset.id, name_contains=baseline):
        if info.get("name") == baseline:
            return Experiment(client._rest, info)
    raise LookupError(f"no experiment {baseline!r} (by id, or by name on dataset {dataset.name!r})")


def experiment_scores(experiment: Experiment) -> dict[str, dict[str, float]]:
    """``{metric: {dataset_item_id: value}}`` of an experiment's items; an item run several times
    gets its mean."""
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for item in experiment.get_items():
        for name, score in (item.get("scores") or {}).items():
            value = score.get("value") if isinstance(score, Mapping) else score
            if value is not None:
                sums[name][str(item["dataset_item_id"])].append(float(value))
    return {name: {item: sum(v) / len(v) for item, v in by_item.items()} for name, by_item in sums.items()}
