"""Raw span attributes stored without the long texts they repeat from the span's input and output.

Instrumented LLM spans carry each prompt and completion two or three times: as `input.value`,
as `llm.input_messages.{i}.message.content`, as `output.value`... The mapping puts one copy in
`input`/`output`; keeping every attribute verbatim as well made the raw attributes the larger
half of a span row. So a long string attribute equal to a string inside the span's own input
or output is stored as a reference (`attribute_refs`: key -> path such as
`["input", "messages", 1, "content"]`), its key kept in `attributes` with a null in its place
so the order of the keys stays as it came. Reading puts the text back (`expand`): what the API
returns is the attributes exactly as received.

A reference only points into the input or output written together with it, and the writer
expands the attributes before an update replaces that input or output without giving new
attributes (ingest/apply.py), so a reference never outlives what it points at.
"""

from __future__ import annotations

from typing import Any

# Shorter strings cost less to store than their reference.
MIN_SHARED_CHARS = 64

Path = list[str | int]


def compact(attributes: dict[str, Any] | None, span_input: Any,
            span_output: Any) -> tuple[dict[str, Any] | None, dict[str, Path] | None]:
    """The attributes to store and where the left-out values are found (None when nowhere)."""
    if not attributes:
        return attributes, None
    # By length, not by hash: hashing every long text costs more than comparing the few of
    # equal length (often the very same string object, which compares at once).
    by_length: dict[int, list[tuple[str, Path]]] = {}
    _long_strings(span_input, ["input"], by_length)
    _long_strings(span_output, ["output"], by_length)
    if not by_length:
        return attributes, None
    refs: dict[str, Path] = {}
    for key, value in attributes.items():
        if type(value) is str and (same_length := by_length.get(len(value))):
            for text, path in same_length:
                if text == value:
                    refs[key] = path
                    break
    if not refs:
        return attributes, None
    stored = dict(attributes)
    for key in refs:
        stored[key] = None
    return stored, refs


def expand(attributes: dict[str, Any] | None, refs: dict[str, Path] | None, span_input: Any,
           span_output: Any) -> dict[str, Any] | None:
    """The attributes as received, from what `compact` stored and the span's input and output."""
    if not refs or attributes is None:
        return attributes
    roots = {"input": span_input, "output": span_output}
    out = dict(attributes)
    for key, path in refs.items():
        node = roots.get(path[0])
        for step in path[1:]:
            node = node[step]  # type: ignore[index]
        out[key] = node
    return out


def _long_strings(node: Any, path: Path, found: dict[int, list[tuple[str, Path]]]) -> None:
    """Every long string inside a JSON value, with its place, by length. (The dict and list
    loops are written out apart: one loop over a generator of pairs made `compact` ~15 %
    slower, and it runs for every span.)"""
    kind = type(node)
    if kind is str:
        if len(node) >= MIN_SHARED_CHARS:
            found.setdefault(len(node), []).append((node, path))
    elif kind is dict:
        for key, value in node.items():
            kind = type(value)
            if kind is str:
                # Keys other than strings become strings in JSON: no path through them.
                if len(value) >= MIN_SHARED_CHARS and type(key) is str:
                    found.setdefault(len(value), []).append((value, [*path, key]))
            elif (kind is dict or kind is list) and type(key) is str:
                _long_strings(value, [*path, key], found)
    elif kind is list:
        for i, value in enumerate(node):
            kind = type(value)
            if kind is str:
                if len(value) >= MIN_SHARED_CHARS:
                    found.setdefault(len(value), []).append((value, [*path, i]))
            elif kind is dict or kind is list:
                _long_strings(value, [*path, i], found)
