"""In-memory records of traces, spans and scores, as the caller's thread builds them.

They hold raw Python values (function arguments, return values, exceptions); turning them
into JSON is the exporter thread's job (see ``wire.py``), which keeps the per-call cost low.
Plain classes with class-level defaults: creating one sets only the fields a call has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .ids import SpanId

if TYPE_CHECKING:
    from .exporter import Sink

SPAN_TYPES = frozenset(
    {"llm", "tool", "retriever", "chain", "agent", "embedding", "reranker", "guardrail", "general"}
)


class TraceData:
    kind = "traces"
    name: str | None = None
    end_ns: int | None = None
    input: Any = None
    output: Any = None
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = None
    thread_id: str | None = None
    user_id: str | None = None
    error: Any = None
    root: SpanData | None = None
    remote = False  # continued from another service: that service reports the trace itself

    def __init__(self, id: SpanId, project: str, start_ns: int, sink: Sink) -> None:
        self.id = id
        self.project = project
        self.start_ns = start_ns
        self.sink = sink


class SpanData:
    kind = "spans"
    end_ns: int | None = None
    input: Any = None
    output: Any = None
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = None
    model: str | None = None
    provider: str | None = None
    usage: dict[str, Any] | None = None
    cost: float | None = None
    error: Any = None
    attributes: dict[str, Any] | None = None
    anchor = False  # a stand-in parent (remote span or manual trace); never sent itself

    def __init__(
        self, id: SpanId | None, trace: TraceData, parent_id: SpanId | None, name: str, type: str, start_ns: int
    ) -> None:
        self.id = id
        self.trace = trace
        self.parent_id = parent_id
        self.name = name
        self.type = type
        self.start_ns = start_ns


class ScoreData:
    kind = "scores"

    def __init__(
        self,
        target: str,
        target_id: SpanId,
        name: str,
        value: float | None = None,
        label: str | None = None,
        reason: str | None = None,
        project: str | None = None,
        source: str = "sdk",
        author: str | None = None,
    ) -> None:
        self.target = target
        self.target_id = target_id
        self.name = name
        self.value = value
        self.label = label
        self.reason = reason
        self.project = project
        self.source = source
        self.author = author


class ArgsInput:
    """A call's arguments, kept as given; mapped to parameter names only when sent."""

    __slots__ = ("spec", "args", "kwargs")

    def __init__(self, spec: ArgSpec, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.spec = spec
        self.args = args
        self.kwargs = kwargs

    def as_dict(self) -> dict[str, Any]:
        spec = self.spec
        args = self.args[1:] if spec.skip_first else self.args
        out: dict[str, Any] = dict(zip(spec.positional, args))
        extra = args[len(spec.positional):]
        if extra:
            out[spec.varargs or "args"] = list(extra)
        out.update(self.kwargs)
        return out


class ArgSpec:
    __slots__ = ("positional", "varargs", "skip_first")

    def __init__(self, positional: tuple[str, ...], varargs: str | None, skip_first: bool) -> None:
        self.positional = positional
        self.varargs = varargs
        self.skip_first = skip_first


class Chunks:
    """Items a generator yielded; sent joined when they are all strings, else as a list."""

    __slots__ = ("items", "total")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.total = 0

    def add(self, item: Any, limit: int = 10_000) -> None:
        self.total += 1
        if len(self.items) < limit:
            self.items.append(item)

    def value(self) -> Any:
        items = self.items
        if items and all(type(i) is str for i in items):
            return "".join(items)
        return list(items)
