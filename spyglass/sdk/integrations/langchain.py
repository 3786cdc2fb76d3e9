"""``SpyglassCallbackHandler``: LangChain / LangGraph runs as Spyglass spans.

Pass it in ``config={"callbacks": [handler]}`` (or to a chain's ``callbacks``). Chains and
graph nodes become ``chain`` spans, chat models and LLMs ``llm`` spans (model and usage
captured), tools ``tool`` spans, retrievers ``retriever`` spans. A run started inside a
``@track`` function nests under it.
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

from .._errors import report_internal_error
from ..context import CURRENT, end_span, start_span_under
from ..records import SpanData
from ..state import ENABLED, STATE, resolve
from ..updates import update_span
from ._llm import to_plain

# Runs whose start and end callbacks LangChain makes from the frame that runs the user's
# code, in the same context: only these are made "current", so a span never outlives them.
_CURRENT_TYPES = frozenset({"tool", "retriever"})
_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool", "function": "function"}


def message_dict(message: Any) -> dict[str, Any]:
    out = {"role": _ROLES.get(getattr(message, "type", ""), getattr(message, "type", "unknown")),
           "content": getattr(message, "content", message)}
    tool_calls = getattr(message, "tool_calls", None)
    if tool_calls:
        out["tool_calls"] = tool_calls
    return out


def _usage(response: Any) -> dict[str, Any] | None:
    llm_output = getattr(response, "llm_output", None) or {}
    usage = llm_output.get("token_usage") or llm_output.get("usage")
    if usage:
        return dict(usage)
    for gen in (getattr(response, "generations", None) or [[]])[0]:
        meta = getattr(getattr(gen, "message", None), "usage_metadata", None)
        if meta:
            out = {"prompt_tokens": meta.get("input_tokens"), "completion_tokens": meta.get("output_tokens"),
                   "total_tokens": meta.get("total_tokens")}
            cached = (meta.get("input_token_details") or {}).get("cache_read")
            if cached:
                out["cached_tokens"] = cached
            return out
    return None


def _restore(span: SpanData, token: contextvars.Token[SpanData | None], previous: SpanData | None) -> None:
    """Undo the ``CURRENT.set`` of a run's start, if this is the context it was set in."""
    if CURRENT.get() is not span:
        return
    try:
        CURRENT.reset(token)
    except ValueError:  # same span, but a copy of the context it was set in
        CURRENT.set(previous)


def _run_name(serialized: dict[str, Any] | None, kwargs: dict[str, Any], default: str) -> str:
    if kwargs.get("name"):
        return str(kwargs["name"])
    serialized = serialized or {}
    if serialized.get("name"):
        return str(serialized["name"])
    ident = serialized.get("id")
    return str(ident[-1]) if isinstance(ident, list) and ident else default


class SpyglassCallbackHandler(BaseCallbackHandler):
    """Turns LangChain callback events into spans; safe to share between threads."""

    # Called in the caller's own context (also for async runs), so a tool span can be made
    # current for the tool's code; the handler is quick and never blocks.
    run_inline = True

    def __init__(self, *, metadata: dict[str, Any] | None = None, tags: list[str] | None = None) -> None:
        super().__init__()
        self._runs: dict[UUID, SpanData] = {}
        self._tokens: dict[UUID, tuple[contextvars.Token[SpanData | None], SpanData | None]] = {}
        self._lock = threading.Lock()
        self._metadata = metadata
        self._tags = tags

    # -- bookkeeping ------------------------------------------------------------------

    def _start(self, run_id: UUID, parent_run_id: UUID | None, name: str, type: str, **fields: Any) -> None:
        if STATE.mode != ENABLED and not resolve():
            return
        try:
            with self._lock:
                parent = self._runs.get(parent_run_id) if parent_run_id else None
            span = start_span_under(parent or CURRENT.get(), name, type)
            meta = {**(self._metadata or {}), **(fields.pop("metadata", None) or {})}
            tags = [*(self._tags or ()), *(fields.pop("tags", None) or ())]
            update_span(span, metadata=meta or None, tags=tags or None, **fields)
            with self._lock:
                self._runs[run_id] = span
                if type in _CURRENT_TYPES:
                    previous = CURRENT.get()
                    self._tokens[run_id] = (CURRENT.set(span), previous)
        except Exception as exc:
            report_internal_error("langchain.start", exc)

    def _end(self, run_id: UUID, **fields: Any) -> None:
        with self._lock:
            span = self._runs.pop(run_id, None)
            token = self._tokens.pop(run_id, None)
        if span is None:
            return
        if token is not None:
            _restore(span, *token)
        try:
            update_span(span, **{k: v for k, v in fields.items() if v is not None})
            end_span(span)
        except Exception as exc:
            report_internal_error("langchain.end", exc)

    @staticmethod
    def _meta(metadata: dict[str, Any] | None) -> dict[str, Any] | None:
        # LangChain's own bookkeeping keys (langgraph_step, ls_*) are useful filters: keep them.
        return dict(metadata) if metadata else None

    # -- chains / graph nodes ------------------------------------------------------------

    def on_chain_start(self, serialized: dict[str, Any] | None, inputs: Any, *, run_id: UUID,
                       parent_run_id: UUID | None = None, tags: list[str] | None = None,
                       metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        name = _run_name(serialized, kwargs, "chain")
        self._start(run_id, parent_run_id, name, "chain", input=to_plain(inputs), tags=tags, metadata=self._meta(metadata))

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, output=to_plain(outputs))

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)

    # -- models ------------------------------------------------------------------------

    def on_chat_model_start(self, serialized: dict[str, Any] | None, messages: list[list[Any]], *, run_id: UUID,
                            parent_run_id: UUID | None = None, tags: list[str] | None = None,
                            metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        msgs = [message_dict(m) for m in messages[0]] if len(messages) == 1 else [[message_dict(m) for m in b] for b in messages]
        self._model_start(serialized, {"messages": msgs}, run_id, parent_run_id, tags, metadata, kwargs)

    def on_llm_start(self, serialized: dict[str, Any] | None, prompts: list[str], *, run_id: UUID,
                     parent_run_id: UUID | None = None, tags: list[str] | None = None,
                     metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self._model_start(serialized, {"prompts": prompts}, run_id, parent_run_id, tags, metadata, kwargs)

    def _model_start(self, serialized: dict[str, Any] | None, input: Any, run_id: UUID, parent_run_id: UUID | None,
                     tags: list[str] | None, metadata: dict[str, Any] | None, kwargs: dict[str, Any]) -> None:
        params = kwargs.get("invocation_params") or {}
        meta = metadata or {}
        model = params.get("model") or params.get("model_name") or meta.get("ls_model_name")
        self._start(run_id, parent_run_id, _run_name(serialized, kwargs, "llm"), "llm", input=input, model=model,
                    provider=meta.get("ls_provider"), tags=tags, metadata=self._meta(metadata))

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        generations = (getattr(response, "generations", None) or [[]])[0]
        outputs = [message_dict(g.message) if getattr(g, "message", None) is not None else getattr(g, "text", g)
                   for g in generations]
        llm_output = getattr(response, "llm_output", None) or {}
        model = llm_output.get("model_name") or llm_output.get("model")
        self._end(run_id, output=outputs[0] if len(outputs) == 1 else outputs, usage=_usage(response), model=model)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)

    # -- tools and retrievers ------------------------------------------------------------

    def on_tool_start(self, serialized: dict[str, Any] | None, input_str: str, *, run_id: UUID,
                      parent_run_id: UUID | None = None, tags: list[str] | None = None,
                      metadata: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None,
                      **kwargs: Any) -> None:
        name = _run_name(serialized, kwargs, "tool")
        self._start(run_id, parent_run_id, name, "tool", input=inputs if inputs is not None else input_str,
                    tags=tags, metadata=self._meta(metadata))

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, output=to_plain(getattr(output, "content", output)))

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)

    def on_retriever_start(self, serialized: dict[str, Any] | None, query: str, *, run_id: UUID,
                           parent_run_id: UUID | None = None, tags: list[str] | None = None,
                           metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        name = _run_name(serialized, kwargs, "retriever")
        self._start(run_id, parent_run_id, name, "retriever", input={"query": query}, tags=tags,
                    metadata=self._meta(metadata))

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kwargs: Any) -> None:
        docs = [{"page_content": getattr(d, "page_content", d), "metadata": getattr(d, "metadata", {})} for d in documents]
        self._end(run_id, output=docs)

    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)
