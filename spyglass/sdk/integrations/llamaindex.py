"""``SpyglassLlamaIndexHandler``: LlamaIndex events as Spyglass spans.

Register it once before building indexes and engines (they copy the callback manager
from ``Settings`` when created)::

    from llama_index.core import Settings
    from llama_index.core.callbacks import CallbackManager
    Settings.callback_manager = CallbackManager([SpyglassLlamaIndexHandler()])

or call :func:`instrument_llama_index`, which adds it to ``Settings.callback_manager``.
LLM calls become ``llm`` spans (messages or prompt, answer, model, usage), retrievals
``retriever`` spans (query, nodes with scores), embeddings ``embedding`` spans, queries and
synthesis ``chain`` spans. A query run inside a ``@track`` function nests under it.
"""

from __future__ import annotations

import threading
from typing import Any

from llama_index.core.callbacks import CallbackManager, CBEventType, EventPayload
from llama_index.core.callbacks.base_handler import BaseCallbackHandler

from .._errors import report_internal_error
from ..context import CURRENT, end_span, start_span_under
from ..records import SpanData
from ..state import ENABLED, STATE, resolve
from ..updates import update_span
from ._llm import field, to_plain

_TYPES = {
    CBEventType.LLM: "llm",
    CBEventType.EMBEDDING: "embedding",
    CBEventType.RETRIEVE: "retriever",
    CBEventType.RERANKING: "reranker",
    CBEventType.FUNCTION_CALL: "tool",
    CBEventType.AGENT_STEP: "agent",
}
# Text splitting and prompt templating: many small internal steps carrying whole documents.
_IGNORED = (CBEventType.CHUNKING, CBEventType.NODE_PARSING, CBEventType.TEMPLATING)
_USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens", "input_tokens", "output_tokens")


def _message(m: Any) -> dict[str, Any]:
    role = field(m, "role")
    return {"role": getattr(role, "value", role), "content": field(m, "content")}


def _node(n: Any) -> dict[str, Any]:
    node = field(n, "node", n)
    return {"id": field(node, "node_id"), "text": field(node, "text"), "score": field(n, "score")}


def _usage(response: Any) -> dict[str, Any] | None:
    """Token counts from the raw provider answer, when the LLM class keeps one."""
    raw = field(response, "raw")
    usage = field(raw, "usage") if raw is not None else None
    if usage is None:
        return None
    usage = to_plain(usage)
    return {k: usage[k] for k in _USAGE_KEYS if isinstance(usage, dict) and usage.get(k) is not None} or None


def _model(payload: dict[str, Any]) -> Any:
    serialized = payload.get(EventPayload.SERIALIZED) or {}
    return serialized.get("model") or serialized.get("model_name")


def start_fields(kind: CBEventType, payload: dict[str, Any]) -> dict[str, Any]:
    """update_span fields known when an event starts."""
    if kind == CBEventType.LLM:
        messages = payload.get(EventPayload.MESSAGES)
        input = {"messages": [_message(m) for m in messages]} if messages else {
            "prompt": payload.get(EventPayload.PROMPT)}
        return {"input": input, "model": _model(payload)}
    if kind == CBEventType.EMBEDDING:
        return {"model": _model(payload)}
    if kind in (CBEventType.RETRIEVE, CBEventType.QUERY):
        query = payload.get(EventPayload.QUERY_STR)
        return {"input": {"query": str(query) if query is not None else None}}
    if kind == CBEventType.FUNCTION_CALL:
        tool = payload.get(EventPayload.TOOL)
        return {"input": payload.get(EventPayload.FUNCTION_CALL), "name": field(tool, "name")}
    return {"input": {str(getattr(k, "value", k)): v for k, v in payload.items() if k != EventPayload.SERIALIZED}}


def end_fields(kind: CBEventType, payload: dict[str, Any]) -> dict[str, Any]:
    """update_span fields known when an event ends."""
    if EventPayload.EXCEPTION in payload:
        return {"error": payload[EventPayload.EXCEPTION]}
    if kind == CBEventType.LLM:
        response = payload.get(EventPayload.RESPONSE) or payload.get(EventPayload.COMPLETION)
        message = field(response, "message")
        output = _message(message) if message is not None else field(response, "text", response)
        return {"output": output, "usage": _usage(response)}
    if kind == CBEventType.EMBEDDING:
        vectors = payload.get(EventPayload.EMBEDDINGS) or []
        return {"input": {"chunks": payload.get(EventPayload.CHUNKS)},  # only known at the end
                "output": {"embeddings": len(vectors), "dimensions": len(vectors[0]) if vectors else 0}}
    if kind == CBEventType.RETRIEVE:
        return {"output": [_node(n) for n in payload.get(EventPayload.NODES) or []]}
    if kind in (CBEventType.QUERY, CBEventType.SYNTHESIZE):
        response = payload.get(EventPayload.RESPONSE)
        return {"output": str(field(response, "response", response))}
    if kind == CBEventType.FUNCTION_CALL:
        return {"output": str(payload.get(EventPayload.FUNCTION_OUTPUT))}
    return {"output": {str(getattr(k, "value", k)): v for k, v in payload.items()}} if payload else {}


class SpyglassLlamaIndexHandler(BaseCallbackHandler):
    """Turns LlamaIndex callback events into spans; safe to share between threads."""

    def __init__(self) -> None:
        super().__init__(event_starts_to_ignore=list(_IGNORED), event_ends_to_ignore=list(_IGNORED))
        self._runs: dict[str, SpanData] = {}
        self._lock = threading.Lock()

    def on_event_start(self, event_type: CBEventType, payload: dict[str, Any] | None = None,
                       event_id: str = "", parent_id: str = "", **kwargs: Any) -> str:
        if event_type == CBEventType.EXCEPTION or (STATE.mode != ENABLED and not resolve()):
            return event_id
        try:
            with self._lock:
                parent = self._runs.get(parent_id)
            kind = str(getattr(event_type, "value", event_type))
            span = start_span_under(parent or CURRENT.get(), kind, _TYPES.get(event_type, "chain"))
            fields = start_fields(event_type, payload or {})
            update_span(span, **{k: v for k, v in fields.items() if v is not None})
            with self._lock:
                self._runs[event_id] = span
        except Exception as exc:
            report_internal_error("llamaindex.start", exc)
        return event_id

    def on_event_end(self, event_type: CBEventType, payload: dict[str, Any] | None = None,
                     event_id: str = "", **kwargs: Any) -> None:
        with self._lock:
            span = self._runs.pop(event_id, None)
        if span is None:
            return
        try:
            fields = end_fields(event_type, payload or {})
            update_span(span, **{k: v for k, v in fields.items() if v is not None})
            end_span(span)
        except Exception as exc:
            report_internal_error("llamaindex.end", exc)

    def start_trace(self, trace_id: str | None = None) -> None:
        return None

    def end_trace(self, trace_id: str | None = None, trace_map: dict[str, list[str]] | None = None) -> None:
        return None


def instrument_llama_index() -> SpyglassLlamaIndexHandler:
    """Add a handler to ``llama_index.core.Settings.callback_manager`` (once) and return it."""
    from llama_index.core import Settings

    manager: CallbackManager = Settings.callback_manager
    for handler in manager.handlers:
        if isinstance(handler, SpyglassLlamaIndexHandler):
            return handler
    handler = SpyglassLlamaIndexHandler()
    manager.add_handler(handler)
    return handler
