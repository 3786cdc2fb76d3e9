"""The prompt library: prompts with numbered versions (text or chat templates) and movable labels."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Response
from pydantic import ConfigDict, StringConstraints

from spyglass.server.api._json import Body, JsonObject, no_nul_parameters
from spyglass.server.api._records import CursorParam
from spyglass.server.api.deps import StoreDep
from spyglass.server.api.responses import JSON
from spyglass.server.model.records import Tag
from spyglass.server.routes import Routes
from spyglass.server.store import prompts

router = Routes(prefix="/api/v1/prompts", tags=["prompts"], dependencies=[Depends(no_nul_parameters)])

PromptName = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class PromptIn(Body):
    model_config = ConfigDict(extra="forbid")
    name: PromptName
    template: str | list[JsonObject]
    template_structure: Literal["text", "chat"] = "text"
    type: Literal["mustache", "jinja2"] = "mustache"
    metadata: JsonObject | None = None
    change_description: str | None = None
    labels: list[str] | None = None
    description: str | None = None
    tags: list[Tag] | None = None


class PromptPatch(Body):
    model_config = ConfigDict(extra="forbid")
    name: PromptName | None = None
    description: str | None = None
    tags: list[Tag] | None = None


class LabelIn(Body):
    model_config = ConfigDict(extra="forbid")
    label: str
    version: int


@router.get("", summary="List prompts, newest first, with latest version and labels")
def list_prompts(store: StoreDep, name_contains: str | None = None, limit: int = 50,
                 cursor: CursorParam = None) -> dict[str, Any]:
    with store.read() as conn:
        return prompts.list_prompts(conn, name_contains=name_contains, limit=limit, cursor=cursor).as_dict()


@router.post("", status_code=201, summary="Add a prompt version (creating the prompt); same as latest: 200")
def create_prompt(store: StoreDep, body: PromptIn) -> Any:
    with store.engine.begin() as conn:
        result = prompts.create_prompt_version(
            conn, body.name, body.template, template_structure=body.template_structure, type=body.type,
            metadata=body.metadata, change_description=body.change_description, labels=body.labels,
            description=body.description, tags=body.tags)
    return JSON({"prompt": result["prompt"], "version": result["version"]},
                status_code=201 if result["created"] else 200)


@router.get("/{name}", summary="A prompt with its latest version and labels")
def get_prompt(store: StoreDep, name: str) -> dict[str, Any]:
    with store.read() as conn:
        return prompts.get_prompt(conn, name)


@router.patch("/{name}", summary="Rename a prompt or change its description or tags")
def patch_prompt(store: StoreDep, name: str, body: PromptPatch) -> dict[str, Any]:
    with store.engine.begin() as conn:
        return prompts.update_prompt(conn, name, name=body.name, description=body.description, tags=body.tags)


@router.delete("/{name}", status_code=204, summary="Delete a prompt, its versions and labels")
def delete_prompt(store: StoreDep, name: str) -> Response:
    with store.engine.begin() as conn:
        prompts.delete_prompt(conn, name)
    return Response(status_code=204)


@router.get("/{name}/versions", summary="All versions, newest first")
def list_versions(store: StoreDep, name: str) -> dict[str, Any]:
    with store.read() as conn:
        return {"items": prompts.list_prompt_versions(conn, name)}


@router.get("/{name}/resolve", summary="One version by label, number or commit (default: production, else latest)")
def resolve(store: StoreDep, name: str, label: str | None = None, version: int | None = None,
            commit: str | None = None) -> dict[str, Any]:
    with store.read() as conn:
        return prompts.resolve_prompt_version(conn, name, label=label, version=version, commit=commit)


@router.post("/{name}/labels", summary="Point a label at a version (it moves from the version that had it)")
def set_label(store: StoreDep, name: str, body: LabelIn) -> dict[str, Any]:
    with store.engine.begin() as conn:
        return prompts.set_label(conn, name, body.label, body.version)


@router.delete("/{name}/labels/{label}", status_code=204, summary="Remove a label")
def remove_label(store: StoreDep, name: str, label: str) -> Response:
    with store.engine.begin() as conn:
        prompts.remove_label(conn, name, label)
    return Response(status_code=204)


@router.get("/{name}/diff", summary="Unified diff between two versions (default: latest against the one before)")
def diff(store: StoreDep, name: str,
         from_version: Annotated[int | None, Query(alias="from", description="Version number")] = None,
         to_version: Annotated[int | None, Query(alias="to", description="Version number; default: latest")] = None,
         ) -> dict[str, Any]:
    with store.read() as conn:
        return prompts.diff_versions(conn, name, from_version=from_version, to_version=to_version)
