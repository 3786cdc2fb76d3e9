"""Canonical records as they arrive at the edge, validated by pydantic (in Rust, one pass per body).

TypedDicts rather than models: validation returns plain dicts, which keeps the per-span cost of
the ingest hot path low. docs/ingest-api.md describes the fields for users.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import Field, StringConstraints, TypeAdapter
from typing_extensions import TypedDict

ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,128}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(max_length=1000)]
ProjectName = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Tag = Annotated[str, StringConstraints(max_length=200)]

SpanType = Literal["llm", "tool", "retriever", "chain", "agent", "embedding", "reranker", "guardrail", "general"]
SPAN_TYPES: tuple[str, ...] = SpanType.__args__  # type: ignore[attr-defined]
TargetType = Literal["trace", "span", "thread"]
ScoreSource = Literal["sdk", "api", "ui", "online_eval"]


class ErrorInfo(TypedDict, total=False):
    type: str | None
    message: str | None
    traceback: str | None


class Usage(TypedDict, total=False):
    prompt_tokens: Annotated[int, Field(ge=0)] | None
    completion_tokens: Annotated[int, Field(ge=0)] | None
    total_tokens: Annotated[int, Field(ge=0)] | None
    cached_tokens: Annotated[int, Field(ge=0)] | None
    cache_write_tokens: Annotated[int, Field(ge=0)] | None
    reasoning_tokens: Annotated[int, Field(ge=0)] | None


class TraceIn(TypedDict):
    id: Id
    project: NotRequired[ProjectName | None]
    name: NotRequired[Name | None]
    start_time: NotRequired[datetime | None]
    end_time: NotRequired[datetime | None]
    input: NotRequired[Any]
    output: NotRequired[Any]
    metadata: NotRequired[dict[str, Any] | None]
    tags: NotRequired[list[Tag] | None]
    thread_id: NotRequired[Id | None]
    user_id: NotRequired[Annotated[str, StringConstraints(max_length=256)] | None]
    error: NotRequired[ErrorInfo | None]


class SpanIn(TypedDict):
    id: Id
    trace_id: Id
    parent_span_id: NotRequired[Id | None]
    project: NotRequired[ProjectName | None]
    name: NotRequired[Name | None]
    type: NotRequired[SpanType | None]
    start_time: NotRequired[datetime | None]
    end_time: NotRequired[datetime | None]
    input: NotRequired[Any]
    output: NotRequired[Any]
    metadata: NotRequired[dict[str, Any] | None]
    tags: NotRequired[list[Tag] | None]
    model: NotRequired[Annotated[str, StringConstraints(max_length=256)] | None]
    provider: NotRequired[Annotated[str, StringConstraints(max_length=256)] | None]
    usage: NotRequired[Usage | None]
    cost: NotRequired[Annotated[float, Field(ge=0, allow_inf_nan=False)] | None]
    error: NotRequired[ErrorInfo | None]
    attributes: NotRequired[dict[str, Any] | None]
    events: NotRequired[list[Any] | None]


class ScoreIn(TypedDict):
    target: TargetType
    target_id: Id
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    project: NotRequired[ProjectName | None]
    value: NotRequired[Annotated[float, Field(allow_inf_nan=False)] | None]
    label: NotRequired[Annotated[str, StringConstraints(max_length=1000)] | None]
    reason: NotRequired[str | None]
    source: NotRequired[ScoreSource | None]
    author: NotRequired[Annotated[str, StringConstraints(max_length=256)] | None]
    evaluator_trace_id: NotRequired[Id | None]
    time: NotRequired[datetime | None]


class IngestBody(TypedDict, total=False):
    project: ProjectName | None
    traces: list[TraceIn]
    spans: list[SpanIn]
    scores: list[ScoreIn]


ingest_body = TypeAdapter(IngestBody)
trace_in = TypeAdapter(TraceIn)
span_in = TypeAdapter(SpanIn)
score_in = TypeAdapter(ScoreIn)
ITEM_ADAPTERS: dict[str, TypeAdapter[Any]] = {"traces": trace_in, "spans": span_in, "scores": score_in}
