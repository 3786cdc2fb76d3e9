"""OpenTelemetry GenAI semantic conventions, current and older forms (plus OpenLLMetry/Traceloop
extras): `gen_ai.operation.name`, `gen_ai.request.model`, `gen_ai.usage.*`, messages as JSON
attributes, as flattened `gen_ai.prompt.{i}.*` attributes or as span events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spyglass.server.compat.otlp.mapping.common import (
    Entry,
    Found,
    as_list,
    indexed,
    json_or_text,
    kind_of,
    llm_output,
    message,
    thread_id,
    to_int,
    to_str,
    tool_call,
)

if TYPE_CHECKING:
    from spyglass.server.compat.otlp.decode import RawSpan

P = 10

OPERATIONS = {"chat": "llm", "text_completion": "llm", "generate_content": "llm", "completion": "llm",
              "embeddings": "embedding", "execute_tool": "tool", "invoke_agent": "agent", "create_agent": "agent",
              "retrieval": "retriever", "rerank": "reranker"}
TRACELOOP_KINDS = {"workflow": "chain", "task": "chain", "agent": "agent", "tool": "tool"}
PARAMETERS = ("temperature", "max_tokens", "top_p", "top_k", "frequency_penalty", "presence_penalty",
              "stop_sequences", "seed", "choice.count")

TABLE: dict[str, Entry] = {
    "gen_ai.operation.name": ("type", kind_of(OPERATIONS), P),
    "gen_ai.provider.name": ("provider", to_str, P + 1),
    "gen_ai.system": ("provider", to_str, P),
    "gen_ai.request.model": ("model", to_str, P),
    "gen_ai.response.model": ("model", to_str, P + 1),
    "gen_ai.usage.input_tokens": ("usage.prompt_tokens", to_int, P + 1),
    "gen_ai.usage.prompt_tokens": ("usage.prompt_tokens", to_int, P),
    "gen_ai.usage.output_tokens": ("usage.completion_tokens", to_int, P + 1),
    "gen_ai.usage.completion_tokens": ("usage.completion_tokens", to_int, P),
    "llm.usage.total_tokens": ("usage.total_tokens", to_int, P),
    "gen_ai.usage.cache_read_input_tokens": ("usage.cached_tokens", to_int, P),
    "gen_ai.usage.cache_read.input_tokens": ("usage.cached_tokens", to_int, P + 1),
    "gen_ai.usage.cache_creation_input_tokens": ("usage.cache_write_tokens", to_int, P),
    "gen_ai.usage.cache_creation.input_tokens": ("usage.cache_write_tokens", to_int, P + 1),
    "gen_ai.usage.reasoning_tokens": ("usage.reasoning_tokens", to_int, P),
    "gen_ai.response.id": ("meta.response_id", None, P),
    "gen_ai.response.finish_reasons": ("meta.finish_reasons", None, P),
    "gen_ai.input.messages": ("ga.input", json_or_text, P),
    "gen_ai.output.messages": ("ga.output", json_or_text, P),
    "gen_ai.system_instructions": ("ga.system", json_or_text, P),
    "gen_ai.conversation.id": ("thread_id", thread_id, P),
    "gen_ai.agent.name": ("meta.agent_name", None, P),
    "gen_ai.agent.id": ("meta.agent_id", None, P),
    "gen_ai.tool.name": ("meta.tool_name", None, P),
    "gen_ai.tool.call.id": ("meta.tool_call_id", None, P),
    "gen_ai.tool.call.arguments": ("input", json_or_text, P),
    "gen_ai.tool.call.result": ("output", json_or_text, P),
    "traceloop.span.kind": ("type", kind_of(TRACELOOP_KINDS), P - 5),
    "traceloop.entity.name": ("meta.entity_name", None, P - 5),
    "traceloop.entity.input": ("input", json_or_text, P - 5),
    "traceloop.entity.output": ("output", json_or_text, P - 5),
}
TABLE.update({f"gen_ai.request.{name}": (f"param.{name}", None, P) for name in PARAMETERS})

FAMILIES = {"gen_ai.prompt": "ga.prompt", "gen_ai.completion": "ga.completion",
            "traceloop.association": "ga.association"}

ROLE_EVENTS = {"gen_ai.system.message": "system", "gen_ai.user.message": "user",
               "gen_ai.assistant.message": "assistant", "gen_ai.tool.message": "tool"}


def _from_parts(msg: dict[str, Any]) -> dict[str, Any]:
    """A semconv message (`role` + typed `parts`) in the OpenAI shape."""
    texts: list[str] = []
    other: list[Any] = []
    calls: list[dict[str, Any]] = []
    call_id = None
    for part in msg.get("parts") or ():
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            texts.append(str(part.get("content", "")))
        elif kind == "tool_call":
            calls.append(tool_call(part.get("id"), part.get("name"), part.get("arguments")))
        elif kind == "tool_call_response":
            call_id = part.get("id")
            texts.append(part["response"] if isinstance(part.get("response"), str) else str(part.get("response")))
        else:
            other.append(part)
    content: Any = "\n".join(texts) if texts and not other else ([*texts, *other] or None)
    return message(msg.get("role"), content, calls, tool_call_id=call_id, finish_reason=msg.get("finish_reason"))


def _messages(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [_from_parts(m) if "parts" in m else m for m in value if isinstance(m, dict)]


def _flat_messages(group: dict[str, Any]) -> list[dict[str, Any]]:
    """OpenLLMetry's `gen_ai.prompt.{i}.role|content` and `gen_ai.completion.{i}.tool_calls.{j}.*`."""
    out = []
    for item in indexed(group):
        if not isinstance(item, dict):
            continue
        calls = [tool_call(c.get("id"), c.get("name"), c.get("arguments"))
                 for c in as_list(item.get("tool_calls")) if isinstance(c, dict)]
        out.append(message(item.get("role"), item.get("content"), calls, finish_reason=item.get("finish_reason")))
    return out


def _event_calls(value: Any) -> list[dict[str, Any]]:
    """Tool calls of a message event, in the OpenAI shape the events already use."""
    value = json_or_text(value)
    calls = []
    for call in value if isinstance(value, list) else as_list(value):
        if isinstance(call, dict):
            function = call.get("function") if isinstance(call.get("function"), dict) else {}
            calls.append(tool_call(call.get("id"), function.get("name"), function.get("arguments")))
    return calls


def _event_messages(raw: RawSpan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The older event forms: `gen_ai.content.prompt`/`completion`, or one event per message
    (on the span, or as log records of it: compat/otlp/logs.py)."""
    prompt: list[dict[str, Any]] = []
    completion: list[dict[str, Any]] = []
    for name, _, attrs in raw.events:
        if name == "gen_ai.content.prompt":
            prompt.extend(_messages(json_or_text(attrs.get("gen_ai.prompt"))))
        elif name == "gen_ai.content.completion":
            completion.extend(_messages(json_or_text(attrs.get("gen_ai.completion"))))
        elif name in ROLE_EVENTS:
            prompt.append(message(attrs.get("role") or ROLE_EVENTS[name], json_or_text(attrs.get("content")),
                                  _event_calls(attrs.get("tool_calls")), tool_call_id=attrs.get("id")))
        elif name == "gen_ai.choice":
            msg = json_or_text(attrs.get("message"))
            if not isinstance(msg, dict):
                msg = {"content": attrs.get("content")}
            completion.append(message(msg.get("role") or "assistant", json_or_text(msg.get("content")),
                                      _event_calls(msg.get("tool_calls")), finish_reason=attrs.get("finish_reason")))
    return prompt, completion


MESSAGE_TARGETS = ("ga.input", "ga.output", "ga.system")
MESSAGE_GROUPS = ("ga.prompt", "ga.completion", "ga.association")


def finish(found: Found, raw: RawSpan) -> None:
    v, groups = found.values, found.groups
    if (not v.keys().isdisjoint(MESSAGE_TARGETS) or not groups.keys().isdisjoint(MESSAGE_GROUPS)
            or any(name.startswith("gen_ai.") for name, _, _ in raw.events)):
        _finish_messages(found, raw)
    if "type" not in v and "model" in v and ("usage.prompt_tokens" in v or "input" in v or "output" in v):
        found.put("type", "llm", 1)  # a model call that names no operation


def _finish_messages(found: Found, raw: RawSpan) -> None:
    v, groups = found.values, found.groups
    prompt = _messages(v.get("ga.input")) or _flat_messages(groups.get("ga.prompt") or {})
    completion = _messages(v.get("ga.output")) or _flat_messages(groups.get("ga.completion") or {})
    if raw.events and not prompt and not completion:
        prompt, completion = _event_messages(raw)
    system = v.get("ga.system")
    if system:
        parts = system if isinstance(system, list) else [{"type": "text", "content": system}]
        prompt.insert(0, _from_parts({"role": "system", "parts": parts}))
    if prompt:
        found.put("input", {"messages": prompt}, P + 1)
    if completion:
        found.put("output", llm_output(completion), P + 1)
    if "ga.association" in groups:
        props = {k.removeprefix("properties."): val for k, val in groups["ga.association"].items()}
        found.put("meta.association_properties", props, P)
