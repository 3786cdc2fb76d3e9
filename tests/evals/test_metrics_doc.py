"""docs/metrics.md lists every metric with its name and required fields."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import spyglass.evals as evals
from spyglass.evals import ROUGE, Contains, GEval, JSONSchemaValid, Metric, RegexMatch

DOC = (Path(__file__).parents[2] / "docs" / "metrics.md").read_text()
BASES = {"Metric", "JudgeMetric", "RatingJudge", "ConversationJudge"}
NEEDS_ARGS = {"Contains": lambda: Contains(), "RegexMatch": lambda: RegexMatch("x"),
              "JSONSchemaValid": lambda: JSONSchemaValid({}), "GEval": lambda: GEval("c"), "ROUGE": lambda: ROUGE()}


def _metric_classes() -> list[type[Metric]]:
    return [obj for name in evals.__all__ if inspect.isclass(obj := getattr(evals, name))
            and issubclass(obj, Metric) and name not in BASES]


def test_every_metric_has_a_section_and_a_table_row() -> None:
    classes = _metric_classes()
    assert len(classes) == 20
    for cls in classes:
        metric = NEEDS_ARGS.get(cls.__name__, cls)()
        assert f"### `{cls.__name__}`" in DOC, cls.__name__
        row = re.search(rf"^\| `{cls.__name__}` \| (.+)$", DOC, re.M)
        assert row, f"no table row for {cls.__name__}"
        cells = [c.strip() for c in row.group(1).split("|")]
        assert f"`{metric.name}`" in cells[0], cls.__name__
        assert all(f in cells[1] for f in metric.requires), cls.__name__
        assert ("lower" in cells[4]) == (not metric.higher_is_better) or cells[4] == "(descriptive)", cls.__name__
