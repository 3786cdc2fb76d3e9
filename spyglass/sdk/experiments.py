"""Experiments: one run of a task over a dataset, each dataset item linked to the trace of its run."""

from __future__ import annotations

from typing import Any, Iterable

from .rest import Rest, segment


def prompt_link(prompt: Any) -> dict[str, Any]:
    """``{id, name, version, commit}`` of a :class:`~spyglass.sdk.prompts.Prompt` or such a dict."""
    if isinstance(prompt, dict):
        return {key: prompt.get(key) for key in ("id", "name", "version", "commit")}
    return {"id": prompt.id, "name": prompt.name, "version": prompt.version, "commit": prompt.commit}


class Experiment:
    def __init__(self, rest: Rest, info: dict[str, Any]) -> None:
        self._rest = rest
        self.info = info

    id = property(lambda self: str(self.info["id"]))
    name = property(lambda self: str(self.info.get("name") or ""))
    dataset_id = property(lambda self: self.info.get("dataset_id"))
    dataset_name = property(lambda self: self.info.get("dataset_name"))
    dataset_version = property(lambda self: self.info.get("dataset_version"))
    status = property(lambda self: self.info.get("status"))
    scores = property(lambda self: self.info.get("scores") or {})

    @property
    def url(self) -> str:
        """The experiment's page in the web UI."""
        return f"{self._rest.url}/experiments/{segment(self.id)}"

    @property
    def _path(self) -> str:
        return f"/api/v1/experiments/{segment(self.id)}"

    def __repr__(self) -> str:
        return f"Experiment(name={self.name!r}, id={self.id!r}, dataset={self.dataset_name!r})"

    def log_item(self, dataset_item_id: str, trace_id: str | None = None, output: Any = None) -> None:
        """Link a dataset item to the trace that ran it (or record its ``output`` directly)."""
        self.log_items([{"dataset_item_id": dataset_item_id, "trace_id": trace_id, "output": output}])

    def log_items(self, items: Iterable[dict[str, Any]]) -> int:
        """Several ``{dataset_item_id, trace_id?, output?}`` links in one call; returns how many."""
        body = [{k: v for k, v in item.items() if v is not None} for item in items]
        answer = self._rest.post(f"{self._path}/items", {"items": body}) or {}
        return int(answer.get("inserted") or 0)

    def get_items(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """The items with their dataset data, trace output, duration, cost and scores."""
        return self._rest.pages(f"{self._path}/items", limit)

    def finish(self) -> Experiment:
        """Mark the experiment completed."""
        self.info = self._rest.post(f"{self._path}/finish") or self.info
        return self

    def refresh(self) -> Experiment:
        """Re-read the experiment with its aggregates (scores, cost, durations)."""
        self.info = self._rest.get(self._path)
        return self


class ExperimentMethods:
    """The experiment half of :class:`spyglass.Client`."""

    _rest: Rest
    project: str

    def create_experiment(
        self,
        dataset: Any,
        name: str | None = None,
        metadata: dict[str, Any] | None = None,
        prompt_versions: list[Any] | None = None,
        project: str | None = None,
        *,
        tags: list[str] | None = None,
        dataset_version: int | None = None,
    ) -> Experiment:
        """A new experiment over ``dataset`` (a :class:`Dataset`, its name or id).

        ``prompt_versions`` are the prompts it ran with (:class:`Prompt` objects or dicts);
        ``project`` is where its traces go (default: the client's project).
        """
        body = {
            "dataset": getattr(dataset, "id", dataset),
            "name": name,
            "metadata": metadata,
            "prompt_versions": [prompt_link(p) for p in prompt_versions] if prompt_versions else None,
            "project": project or self.project,
            "tags": tags,
            "dataset_version": dataset_version,
        }
        info = self._rest.post("/api/v1/experiments", {k: v for k, v in body.items() if v is not None})
        return Experiment(self._rest, info)

    def get_experiment(self, experiment_id: str) -> Experiment:
        return Experiment(self._rest, self._rest.get(f"/api/v1/experiments/{segment(experiment_id)}"))

    def list_experiments(self, dataset: str | None = None, *, limit: int | None = None) -> list[Experiment]:
        """Experiments, newest first (of one dataset when ``dataset`` is given)."""
        return [Experiment(self._rest, info) for info in self._rest.pages("/api/v1/experiments", limit,
                                                                           dataset=dataset)]

    def log_experiment_item(self, experiment_id: str, dataset_item_id: str, trace_id: str | None = None,
                            output: Any = None) -> None:
        """Same as :meth:`Experiment.log_item`, by experiment id."""
        Experiment(self._rest, {"id": experiment_id}).log_item(dataset_item_id, trace_id, output)
