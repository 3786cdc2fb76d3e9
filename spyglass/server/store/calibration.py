"""Pairs of human and automatic feedback scores on the same targets, for judge calibration.

Who scored what (decided here, documented in docs/evaluation.md):
- automatic: source ``online_eval``, or an ``evaluator_trace_id``, or an author starting with ``judge:``
  (what ``evaluate()`` writes);
- human: any other score from the UI, and API or SDK scores that name an author.
Scores from the API or SDK without an author are neither (scripts, imports) and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.engine import Connection

from spyglass.server.store import tables as t

MAX_PAIRS = 200_000  # rows read per request: enough for any annotation effort, bounded for the server


def automatic(sc: Any) -> Any:
    return or_(sc.source == "online_eval", sc.evaluator_trace_id.is_not(None), sc.author.like("judge:%"))


def human(sc: Any) -> Any:
    return and_(not_(automatic(sc)), or_(sc.source == "ui", and_(sc.source.in_(("api", "sdk")), sc.author != "")))


@dataclass(slots=True)
class Side:
    """One side's scores on one target, by author (the join repeats rows; an author scores once)."""

    by_author: dict[str, tuple[float | None, str | None]] = field(default_factory=dict)

    def add(self, author: str, value: float | None, label: str | None) -> None:
        self.by_author[author] = (None if value is None else float(value), label or None)

    @property
    def values(self) -> list[float]:
        return [v for v, _ in self.by_author.values() if v is not None]

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.by_author.values() if label is not None]


@dataclass(slots=True)
class Target:
    human: Side = field(default_factory=Side)
    judge: Side = field(default_factory=Side)


def paired_scores(conn: Connection, project_id: str,
                  name: str | None = None) -> dict[str, dict[tuple[str, str], Target]]:
    """``{feedback name: {(target_type, target_id): Target}}`` for targets with both a human and an
    automatic score of that name."""
    h, a = t.feedback_score.alias("human"), t.feedback_score.alias("judge")
    query = (select(h.c.name, h.c.target_type, h.c.target_id, h.c.author, h.c.value, h.c.label,
                    a.c.author, a.c.value, a.c.label)
             .join(a, and_(a.c.target_id == h.c.target_id, a.c.target_type == h.c.target_type,
                           a.c.name == h.c.name))
             .where(h.c.project_id == project_id, human(h.c), automatic(a.c))
             .limit(MAX_PAIRS))
    if name:
        query = query.where(h.c.name == name)
    found: dict[str, dict[tuple[str, str], Target]] = {}
    for row in conn.execute(query):
        target = found.setdefault(row[0], {}).setdefault((row[1], row[2]), Target())
        target.human.add(row[3], row[4], row[5])
        target.judge.add(row[6], row[7], row[8])
    return found
