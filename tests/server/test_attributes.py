"""Raw attributes stored without the long texts they share with input/output, and read back whole."""

from __future__ import annotations

import orjson

from spyglass.server.model.attributes import MIN_SHARED_CHARS, compact, expand
from spyglass.server.model.convert import dump_json, load_json

PROMPT = "Context: " + "refunds are accepted within thirty days of delivery. " * 4
ANSWER = "Refunds are accepted within thirty days; " * 3


def _round_trip(attributes, span_input, span_output):
    """compact, then through JSON as the database keeps it, then expand."""
    stored, refs = compact(attributes, span_input, span_output)
    stored, refs, span_input, span_output = (load_json(dump_json(x)) for x in (stored, refs, span_input, span_output))
    return stored, refs, expand(stored, refs, span_input, span_output)


def test_texts_found_in_input_and_output_are_stored_once():
    attributes = {"openinference.span.kind": "LLM", "llm.input_messages.0.message.content": PROMPT,
                  "output.value": ANSWER, "llm.output_messages.0.message.content": ANSWER,
                  "input.value": orjson.dumps({"messages": [PROMPT]}).decode(), "n": 3}
    span_input = {"messages": [{"role": "user", "content": PROMPT}]}
    span_output = {"role": "assistant", "content": ANSWER}
    stored, refs, back = _round_trip(attributes, span_input, span_output)
    assert refs == {"llm.input_messages.0.message.content": ["input", "messages", 0, "content"],
                    "output.value": ["output", "content"],
                    "llm.output_messages.0.message.content": ["output", "content"]}
    assert list(stored) == list(attributes)  # keys keep their order, references hold null
    assert stored["output.value"] is None and stored["input.value"] == attributes["input.value"]
    assert back == attributes and list(back) == list(attributes)


def test_a_string_input_and_documents_in_lists():
    docs = [{"id": "d1", "content": PROMPT}, {"id": "d2", "content": ANSWER, "metadata": {"n": [ANSWER]}}]
    attributes = {"input.value": PROMPT, "retrieval.documents.1.document.content": ANSWER}
    _, refs, back = _round_trip(attributes, PROMPT, {"documents": docs})
    assert refs == {"input.value": ["input"], "retrieval.documents.1.document.content": ["output", "documents", 1,
                                                                                           "content"]}
    assert back == attributes


def test_nothing_changes_without_a_long_shared_text():
    short = "x" * (MIN_SHARED_CHARS - 1)
    cases = [({"a": short}, short, None), ({"a": PROMPT}, PROMPT[:-1], None), ({"a": 1, "b": [PROMPT]}, [PROMPT], None),
             ({}, PROMPT, None), (None, PROMPT, PROMPT)]
    for attributes, span_input, span_output in cases:
        assert compact(attributes, span_input, span_output) == (attributes, None)


def test_no_path_through_keys_that_json_turns_into_strings():
    # {1: text} is stored as {"1": text}: a path [..., 1] would not find it again.
    stored, refs, back = _round_trip({"a": PROMPT}, {1: PROMPT, "b": [{2: PROMPT}]}, None)
    assert (stored, refs, back) == ({"a": PROMPT}, None, {"a": PROMPT})
