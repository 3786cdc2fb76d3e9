"""JSON documents as stored: NUL characters dropped, everything else kept as sent."""

from __future__ import annotations

import json

import orjson
import pytest

from spyglass.server.model.convert import dump_json


@pytest.mark.parametrize(("value", "stored"), [
    ("a\x00b", "ab"),
    ({"k\x00": ["v\x00\x00"]}, {"k": ["v"]}),
    ("a\\u0000b", "a\\u0000b"),  # a backslash then "u0000" is text, not a NUL
    ("a\\\x00b", "a\\b"),  # a backslash, then a NUL
    ("\\\\u0000\x00", "\\\\u0000"),
])
def test_nul_characters_are_dropped_and_nothing_else(value, stored):
    assert orjson.loads(dump_json(value)) == stored


def test_non_string_keys_huge_integers_and_nan_are_encoded():
    assert json.loads(dump_json({1: "a", "b": [2**70, float("nan")]})) == {"1": "a", "b": [2**70, None]}
    assert dump_json({"plain": [1, "x"]}) == '{"plain":[1,"x"]}'
    assert dump_json(None) is None
