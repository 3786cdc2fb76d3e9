"""Deterministic metrics: exact match, substring, regex, JSON validity and schema, edit distance."""

from __future__ import annotations

import json
import re
from typing import Any, Mapping

from .base import Metric, ScoreResult
from .text import as_references, as_text, parse_json_value


def _norm(text: str, case_sensitive: bool, strip: bool) -> str:
    if strip:
        text = " ".join(text.split())
    return text if case_sensitive else text.casefold()


class Equals(Metric):
    """1.0 when the output equals the expected value (or one of several), else 0.0.

    Strings are compared after optional whitespace normalisation and case folding; two
    structured values (dicts, lists, numbers) are compared as values.
    """

    name = "equals"
    requires = ("output", "expected")

    def __init__(self, *, case_sensitive: bool = True, strip: bool = True, name: str | None = None) -> None:
        super().__init__(name)
        self.case_sensitive = case_sensitive
        self.strip = strip

    def score(self, *, output: Any, expected: Any, **_: Any) -> ScoreResult:
        if not isinstance(output, str) and not isinstance(expected, str):
            return self.result(output == expected, "values are equal" if output == expected else "values differ")
        got = _norm(as_text(output), self.case_sensitive, self.strip)
        for ref in as_references(expected):
            if got == _norm(ref, self.case_sensitive, self.strip):
                return self.result(1.0, "output equals the expected value")
        return self.result(0.0, "output differs from the expected value")


class Contains(Metric):
    """1.0 when the output contains ``substring`` (or, without one, the expected value)."""

    name = "contains"
    requires = ("output",)
    uses = ("expected",)

    def __init__(self, substring: str | None = None, *, case_sensitive: bool = False, name: str | None = None) -> None:
        super().__init__(name)
        self.substring = substring
        self.case_sensitive = case_sensitive
        if substring is None:
            self.requires = ("output", "expected")

    def score(self, *, output: Any, expected: Any = None, **_: Any) -> ScoreResult:
        needles = [self.substring] if self.substring is not None else as_references(expected)
        haystack = _norm(as_text(output), self.case_sensitive, False)
        for needle in needles:
            if _norm(needle, self.case_sensitive, False) in haystack:
                return self.result(1.0, f"output contains {needle!r}", matched=needle)
        return self.result(0.0, f"output does not contain {' or '.join(repr(n) for n in needles)}")


class RegexMatch(Metric):
    """1.0 when ``pattern`` matches anywhere in the output (``re.search``)."""

    name = "regex_match"
    requires = ("output",)

    def __init__(self, pattern: str | re.Pattern[str], *, flags: int = 0, name: str | None = None) -> None:
        super().__init__(name)
        self.pattern = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, flags)

    def score(self, *, output: Any, **_: Any) -> ScoreResult:
        match = self.pattern.search(as_text(output))
        if match is None:
            return self.result(0.0, f"no match for /{self.pattern.pattern}/")
        return self.result(1.0, f"matched {match.group(0)!r}", match=match.group(0), span=list(match.span()))


class IsJSON(Metric):
    """1.0 when the output is valid JSON (a dict or list output counts as valid)."""

    name = "is_json"
    requires = ("output",)

    def score(self, *, output: Any, **_: Any) -> ScoreResult:
        if isinstance(output, (Mapping, list)):
            return self.result(1.0, "output is already structured")
        try:
            json.loads(as_text(output))
        except ValueError as exc:
            return self.result(0.0, f"invalid JSON: {exc}")
        return self.result(1.0, "valid JSON")


class JSONSchemaValid(Metric):
    """1.0 when the output is JSON that validates against ``schema`` (needs ``jsonschema``)."""

    name = "json_schema_valid"
    requires = ("output",)
    max_errors = 5

    def __init__(self, schema: Mapping[str, Any], *, name: str | None = None) -> None:
        super().__init__(name)
        try:
            import jsonschema
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError("JSONSchemaValid needs jsonschema: pip install 'spyglass[evals]'") from exc
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)  # a broken schema is the caller's bug: fail at construction
        self.schema = dict(schema)
        self._validator = cls(self.schema)

    def score(self, *, output: Any, **_: Any) -> ScoreResult:
        try:
            value = parse_json_value(output)
        except ValueError as exc:
            return self.result(0.0, f"invalid JSON: {exc}")
        errors = sorted(self._validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if not errors:
            return self.result(1.0, "output matches the schema")
        found = [{"path": "/".join(str(p) for p in e.absolute_path), "message": e.message} for e in errors]
        first = found[0]
        reason = f"{len(errors)} schema error(s); first at '/{first['path']}': {first['message']}"
        return self.result(0.0, reason, errors=found[: self.max_errors])


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions), bit-parallel (Myers/Hyyrö):
    O(len(a) * len(b) / word size), so long outputs stay cheap."""
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq: dict[str, int] = {}
    for i, ch in enumerate(b):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    full, last = (1 << m) - 1, 1 << (m - 1)
    pv, mv, dist = full, 0, m
    for ch in a:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & full
        mh = pv & xh
        if ph & last:
            dist += 1
        elif mh & last:
            dist -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv
    return dist


def levenshtein_ratio(a: str, b: str) -> float:
    """1 - distance / length of the longer string; 1.0 for two empty strings."""
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else 1.0 - levenshtein(a, b) / longest


class LevenshteinRatio(Metric):
    """Similarity by edit distance: 1 - distance / max(len(output), len(expected)).

    With several references the best one counts.
    """

    name = "levenshtein_ratio"
    requires = ("output", "expected")

    def __init__(self, *, case_sensitive: bool = True, name: str | None = None) -> None:
        super().__init__(name)
        self.case_sensitive = case_sensitive

    def score(self, *, output: Any, expected: Any, **_: Any) -> ScoreResult:
        got = _norm(as_text(output), self.case_sensitive, False)
        best = max(
            ((levenshtein_ratio(got, _norm(r, self.case_sensitive, False)), r) for r in as_references(expected)),
            key=lambda pair: pair[0],
        )
        return self.result(best[0], f"edit-distance similarity {best[0]:.3f}")
