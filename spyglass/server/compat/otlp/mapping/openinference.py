"""OpenInference (Phoenix/Arize instrumentors): `openinference.span.kind`, `input.value`,
flattened `llm.input_messages.{i}.message.*`, `llm.token_count.*`, `retrieval.documents.*`..."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spyglass.server.compat.otlp.mapping.common import (
    Entry,
    Found,
    indexed,
    json_dict,
    json_or_text,
    kind_of,
    llm_output,
    message,
    thread_id,
    to_float,
    to_int,
    to_str,
    to_tags,
    tool_call,
)

if TYPE_CHECKING:
    from spyglass.server.compat.otlp.decode import RawSpan

P = 20

KINDS = {"llm": "llm", "chain": "chain", "tool": "tool", "retriever": "retriever", "embedding": "embedding",
         "agent": "agent", "reranker": "reranker", "guardrail": "guardrail", "evaluator": "general",
         "prompt": "general", "unknown": "general"}

TABLE: dict[str, Entry] = {
    "openinference.span.kind": ("type", kind_of(KINDS), P),
    "input.value": ("oi.input", None, P),
    "input.mime_type": ("oi.input_mime", None, P),
    "output.value": ("oi.output", None, P),
    "output.mime_type": ("oi.output_mime", None, P),
    "llm.model_name": ("model", to_str, P),
    "embedding.model_name": ("model", to_str, P - 1),
    "reranker.model_name": ("model", to_str, P - 1),
    "llm.provider": ("provider", to_str, P),
    "llm.system": ("provider", to_str, P - 1),
    "llm.invocation_parameters": ("meta.invocation_parameters", json_or_text, P),
    "llm.token_count.prompt": ("usage.prompt_tokens", to_int, P),
    "llm.token_count.completion": ("usage.completion_tokens", to_int, P),
    "llm.token_count.total": ("usage.total_tokens", to_int, P),
    "llm.token_count.prompt_details.cache_read": ("usage.cached_tokens", to_int, P),
    "llm.token_count.prompt_details.cache_write": ("usage.cache_write_tokens", to_int, P),
    "llm.token_count.completion_details.reasoning": ("usage.reasoning_tokens", to_int, P),
    "llm.cost.total": ("cost", to_float, P),
    "llm.cost.prompt": ("oi.cost_prompt", to_float, P),
    "llm.cost.completion": ("oi.cost_completion", to_float, P),
    "llm.prompt_template.template": ("oi.template", None, P),
    "llm.prompt_template.variables": ("oi.template_variables", json_or_text, P),
    "llm.prompt_template.version": ("oi.template_version", None, P),
    "session.id": ("thread_id", thread_id, P),
    "user.id": ("user_id", to_str, P),
    "metadata": ("metadata", json_dict, P),
    "tag.tags": ("tags", to_tags, P),
    "tool.name": ("oi.tool_name", None, P),
    "tool.description": ("oi.tool_description", None, P),
    "tool.parameters": ("oi.tool_parameters", json_or_text, P),
    "reranker.query": ("oi.rerank_query", None, P),
    "reranker.top_k": ("meta.top_k", None, P),
}

FAMILIES = {
    "llm.input_messages": "oi.input_messages",
    "llm.output_messages": "oi.output_messages",
    "llm.tools": "oi.tools",
    "retrieval.documents": "oi.documents",
    "reranker.input_documents": "oi.rerank_in",
    "reranker.output_documents": "oi.rerank_out",
    "embedding.embeddings": "oi.embeddings",
}


def _value(raw: Any, mime: Any) -> Any:
    """`input.value` is JSON when its mime type says so (or, without one, when it looks like JSON)."""
    if mime == "application/json" or (mime is None and isinstance(raw, str) and raw[:1] in ("{", "[")):
        return json_or_text(raw)
    return raw


def _content(msg: dict[str, Any]) -> Any:
    content = msg.get("content")
    if content is not None:
        return content
    parts = []
    for item in indexed_parts(msg.get("contents")):
        part = item.get("message_content") or {}
        kind = part.get("type") or "text"
        if kind == "image":
            parts.append({"type": "image_url", "image_url": {"url": (part.get("image") or {}).get("image", {})
                                                              .get("url")}})
        else:
            parts.append({"type": kind, "text": part.get("text")})
    return parts or None


def indexed_parts(node: Any) -> list[dict[str, Any]]:
    if not isinstance(node, dict):
        return []
    return [node[k] for k in sorted((k for k in node if k.isdigit()), key=int) if isinstance(node[k], dict)]


def messages(group: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in indexed(group):
        msg = item.get("message") if isinstance(item, dict) else None
        if not isinstance(msg, dict):
            continue
        calls = []
        for entry in indexed_parts(msg.get("tool_calls")):
            call = entry.get("tool_call") or {}
            function = call.get("function") or {}
            calls.append(tool_call(call.get("id"), function.get("name"), function.get("arguments")))
        out.append(message(msg.get("role"), _content(msg), calls, tool_call_id=msg.get("tool_call_id"),
                           name=msg.get("name")))
    return out


def documents(group: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in indexed(group):
        doc = item.get("document") if isinstance(item, dict) else None
        if isinstance(doc, dict):
            if "metadata" in doc:
                doc["metadata"] = json_or_text(doc["metadata"])
            out.append(doc)
    return out


def finish(found: Found, raw: RawSpan) -> None:
    v, groups = found.values, found.groups
    if groups:
        _finish_groups(found, groups)
    # After the groups: structured messages or documents (P + 1) win over `input.value` (P),
    # so its JSON is parsed only when it will be kept.
    if "oi.input" in v and found.wants("input", P):
        found.put("input", _value(v["oi.input"], v.get("oi.input_mime")), P)
    if "oi.output" in v and found.wants("output", P):
        found.put("output", _value(v["oi.output"], v.get("oi.output_mime")), P)
    if "cost" not in v and ("oi.cost_prompt" in v or "oi.cost_completion" in v):
        found.put("cost", v.get("oi.cost_prompt", 0.0) + v.get("oi.cost_completion", 0.0), P)
    if "oi.tool_name" in v:
        found.put("meta.tool", {"name": v["oi.tool_name"], "description": v.get("oi.tool_description"),
                                "parameters": v.get("oi.tool_parameters")}, P)
    if "oi.template" in v:
        found.put("meta.prompt_template", {"template": v["oi.template"], "variables": v.get("oi.template_variables"),
                                           "version": v.get("oi.template_version")}, P)


def _finish_groups(found: Found, groups: dict[str, dict[str, Any]]) -> None:
    if "oi.input_messages" in groups:
        llm_input: dict[str, Any] = {"messages": messages(groups["oi.input_messages"])}
        if "oi.tools" in groups:
            llm_input["tools"] = [json_or_text((t.get("tool") or {}).get("json_schema"))
                                  for t in indexed(groups["oi.tools"]) if isinstance(t, dict)]
        found.put("input", llm_input, P + 1)
    if "oi.output_messages" in groups:
        found.put("output", llm_output(messages(groups["oi.output_messages"])), P + 1)
    if "oi.documents" in groups:
        found.put("output", {"documents": documents(groups["oi.documents"])}, P + 1)
    if "oi.rerank_in" in groups:
        found.put("input", {"query": found.values.get("oi.rerank_query"),
                            "documents": documents(groups["oi.rerank_in"])}, P + 1)
    if "oi.rerank_out" in groups:
        found.put("output", {"documents": documents(groups["oi.rerank_out"])}, P + 1)
    if "oi.embeddings" in groups:
        texts = [(e.get("embedding") or {}).get("text") for e in indexed(groups["oi.embeddings"])
                 if isinstance(e, dict)]
        if any(t is not None for t in texts):
            found.put("input", {"texts": texts}, P - 1)
