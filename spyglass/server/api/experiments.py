"""Experiments: a task run over a dataset version, item by item, each run linked to its trace and scores."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response
from pydantic import ConfigDict, Field, StringConstraints

from spyglass.server.api._json import Body, JsonObject, JsonValue, no_nul_parameters
from spyglass.server.api._records import CursorParam
from spyglass.server.api.deps import StoreDep
from spyglass.server.errors import BadRequest
from spyglass.server.model.records import Id, ProjectName, Tag
from spyglass.server.routes import Routes
from spyglass.server.store import experiments
from spyglass.server.store.experiment_compare import compare_experiments

router = Routes(prefix="/api/v1/experiments", tags=["experiments"],
                   dependencies=[Depends(no_nul_parameters)])

ExperimentName = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
MAX_COMPARED = 20


class PromptVersionRef(Body):
    id: str | None = None
    name: str | None = None
    version: int | None = None
    commit: str | None = None


class ExperimentScore(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    value: Annotated[float, Field(allow_inf_nan=False)]


class ExperimentIn(Body):
    model_config = ConfigDict(extra="forbid")
    id: Id | None = None
    name: ExperimentName | None = None
    dataset: Annotated[str, StringConstraints(min_length=1)]
    dataset_version: Annotated[int, Field(ge=0)] | None = None
    project: ProjectName | None = None
    metadata: JsonObject | None = None
    tags: list[Tag] | None = None
    type: Annotated[str, StringConstraints(min_length=1, max_length=40)] = "regular"
    prompt_versions: list[PromptVersionRef] | None = None


class ExperimentPatch(Body):
    model_config = ConfigDict(extra="forbid")
    name: ExperimentName | None = None
    metadata: JsonObject | None = None
    tags: list[Tag] | None = None
    status: Literal["running", "completed", "cancelled"] | None = None
    scores: list[ExperimentScore] | None = None


class ExperimentItemIn(Body):
    model_config = ConfigDict(extra="forbid")
    id: Id | None = None
    dataset_item_id: Id
    trace_id: Id | None = None
    output: JsonValue = None


class ExperimentItemsIn(Body):
    items: list[ExperimentItemIn] = Field(min_length=1, max_length=10_000)


@router.get("", summary="List experiments, newest first, with aggregates")
def list_experiments(store: StoreDep, dataset: Annotated[str | None, Query(description="Dataset name or id")] = None,
                     name_contains: str | None = None, limit: int = 50, cursor: CursorParam = None) -> dict[str, Any]:
    with store.read() as conn:
        return experiments.list_experiments(conn, dataset=dataset, name_contains=name_contains, limit=limit,
                                            cursor=cursor).as_dict()


@router.post("", status_code=201, summary="Start an experiment on a dataset version")
def create_experiment(store: StoreDep, body: ExperimentIn) -> dict[str, Any]:
    with store.engine.begin() as conn:
        project_id = store.projects.id_for_write(conn, body.project) if body.project else None
        prompt_versions = [p.model_dump(exclude_none=True) for p in body.prompt_versions or []]
        return experiments.create_experiment(
            conn, body.dataset, name=body.name, experiment_id=body.id, dataset_version=body.dataset_version,
            project_id=project_id, metadata=body.metadata, tags=body.tags, prompt_versions=prompt_versions,
            type=body.type)


@router.get("/compare", summary="Compare experiments item by item, with score deltas against a baseline")
def compare(store: StoreDep, ids: Annotated[str, Query(description="Experiment ids, comma-separated")],
            baseline: Annotated[str | None, Query(description="Experiment id; default: the first")] = None,
            only: Annotated[str | None, Query(description="`regressions`: only items some run scored lower")] = None,
            ) -> dict[str, Any]:
    wanted = [i.strip() for i in ids.split(",") if i.strip()]
    if not 1 <= len(wanted) <= MAX_COMPARED:
        raise BadRequest(f"ids: give 1 to {MAX_COMPARED} experiment ids, comma-separated", detail={"field": "ids"})
    if only not in (None, "", "regressions"):
        raise BadRequest("only: the one choice is 'regressions'", detail={"field": "only"})
    with store.read() as conn:
        return compare_experiments(conn, wanted, baseline=baseline, only_regressions=only == "regressions")


@router.get("/{experiment_id}", summary="An experiment with its aggregates")
def get_experiment(store: StoreDep, experiment_id: str) -> dict[str, Any]:
    with store.read() as conn:
        return experiments.get_experiment(conn, experiment_id)


@router.patch("/{experiment_id}", summary="Change name, metadata, tags, status or experiment-level scores")
def patch_experiment(store: StoreDep, experiment_id: str, body: ExperimentPatch) -> dict[str, Any]:
    scores = None if body.scores is None else [s.model_dump() for s in body.scores]
    with store.engine.begin() as conn:
        return experiments.update_experiment(conn, experiment_id, name=body.name, metadata=body.metadata,
                                             tags=body.tags, status=body.status, scores=scores)


@router.post("/{experiment_id}/finish", summary="Mark an experiment completed")
def finish_experiment(store: StoreDep, experiment_id: str) -> dict[str, Any]:
    with store.engine.begin() as conn:
        return experiments.finish_experiment(conn, experiment_id)


@router.delete("/{experiment_id}", status_code=204, summary="Delete an experiment and its items")
def delete_experiment(store: StoreDep, experiment_id: str) -> Response:
    with store.engine.begin() as conn:
        experiments.require_experiment(conn, experiment_id)
        experiments.delete_experiments(conn, [experiment_id])
    return Response(status_code=204)


@router.post("/{experiment_id}/items", summary="Record runs: dataset item, trace, output (known ids skipped)")
def add_items(store: StoreDep, experiment_id: str, body: ExperimentItemsIn) -> dict[str, Any]:
    items = [item.model_dump() for item in body.items]
    with store.engine.begin() as conn:
        return experiments.add_experiment_items(conn, experiment_id, items)


@router.get("/{experiment_id}/items", summary="Runs with dataset item, trace output, duration, cost and scores")
def list_items(store: StoreDep, experiment_id: str, limit: int = 100, cursor: CursorParam = None) -> dict[str, Any]:
    with store.read() as conn:
        return experiments.list_experiment_items(conn, experiment_id, limit=limit, cursor=cursor).as_dict()
