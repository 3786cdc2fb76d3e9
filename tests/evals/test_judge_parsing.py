from __future__ import annotations

import pytest

from spyglass.evals.judges.parsing import (
    JudgeFormatError,
    extract_json,
    get_bool,
    get_choice,
    get_number,
    get_objects,
    get_text,
)


@pytest.mark.parametrize("answer", [
    '{"score": 4, "reason": "ok"}',
    'Sure! Here is my evaluation:\n```json\n{"score": 4, "reason": "ok"}\n```\nHope it helps.',
    '```\n{"score": 4, "reason": "ok"}\n```',
    '<think>The answer {maybe} is good</think>\n{"score": 4, "reason": "ok"}',
    'My verdict: {"score": 4, "reason": "ok",}',
    "{'score': 4, 'reason': 'ok'}".replace("'", '"'),
    'Result -> {"score": 4, "reason": "ok"} <- done',
])
def test_extract_json_finds_the_object(answer: str) -> None:
    assert extract_json(answer) == {"score": 4, "reason": "ok"}


def test_extract_json_handles_braces_in_strings_and_python_literals() -> None:
    assert extract_json('Note {x}. {"reason": "uses } and { inside", "ok": True, "n": None}') == {
        "reason": "uses } and { inside", "ok": True, "n": None}
    assert extract_json('{"claims": [{"claim": "a", "verdict": "supported"},]}')["claims"][0]["claim"] == "a"


@pytest.mark.parametrize("answer", ["", "   ", "I cannot evaluate this.", "[1, 2, 3]", '{"score": 4'])
def test_extract_json_rejects_answers_without_an_object(answer: str) -> None:
    with pytest.raises(JudgeFormatError):
        extract_json(answer)


def test_field_readers_accept_common_variants() -> None:
    assert get_number({"score": "4/5"}, "score", 1, 5) == 4.0
    assert get_number({"score": 3.5}, "score", 1, 5) == 3.5
    assert get_bool({"relevant": "Yes"}, "relevant") is True and get_bool({"relevant": 0}, "relevant") is False
    assert get_choice({"verdict": " Supported "}, "verdict", ("supported", "unsupported")) == "supported"
    assert get_text({"reason": {"a": 1}}, "reason") == '{"a": 1}' and get_text({}, "reason") is None


@pytest.mark.parametrize("call, message", [
    (lambda: get_number({"score": 7}, "score", 1, 5), '"score" must be between 1 and 5; got 7.'),
    (lambda: get_number({"score": True}, "score", 1, 5), '"score" must be a number from 1 to 5; got True.'),
    (lambda: get_number({}, "score", 0, 10), '"score" must be a number from 0 to 10; got None.'),
    (lambda: get_bool({"ok": "maybe"}, "ok"), '"ok" must be true or false; got \'maybe\'.'),
    (lambda: get_text({"reason": " "}, "reason", required=True), '"reason" is missing; it must be a non-empty string.'),
    (lambda: get_objects({"claims": ["x"]}, "claims"), "item 1 of \"claims\" must be an object; got 'x'."),
    (lambda: get_objects({"claims": "x"}, "claims"), '"claims" must be a list; got str.'),
])
def test_field_readers_explain_what_to_fix(call: object, message: str) -> None:
    with pytest.raises(JudgeFormatError) as info:
        call()  # type: ignore[operator]
    assert str(info.value) == message
