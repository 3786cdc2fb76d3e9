"""Data for the filter box's autocompletion: the fields of the filter language with their
operators, closed value sets (span `type`, `status`), and the metadata keys and feedback names
seen in the project. The browser picks what fits the cursor position (spyglass.js)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from spyglass.server.query.ast import Op
from spyglass.server.query.fields import FIELDS, OPS
from spyglass.server.store.suggest import feedback_names, metadata_keys

# How each operator is written, with its negated spelling where the language has one.
OP_TEXT: dict[Op, tuple[str, ...]] = {
    Op.EQ: ("=", "!="), Op.GT: (">",), Op.GE: (">=",), Op.LT: ("<",), Op.LE: ("<=",), Op.MATCH: ("~", "!~"),
    Op.IN: ("in", "not in"), Op.CONTAINS: ("contains", "not contains"), Op.IS_NULL: ("is null", "is not null"),
}
OP_ORDER = tuple(OP_TEXT)
# Fields most filters use come first in the list; the rest follow in catalogue order.
FIRST = ("name", "type", "model", "status", "duration", "tokens", "cost", "tags", "metadata", "feedback", "input",
         "output", "error", "start_time", "user_id", "thread_id")
EXAMPLES = {"duration": "2s", "start_time": "now-1h", "end_time": "now-1h", "tokens": "1000", "cost": "0.01"}


def operators(field: str) -> list[str]:
    allowed = OPS[FIELDS[field].kind]
    return [text for op in OP_ORDER if op in allowed for text in OP_TEXT[op]]


def field_hints(kind: str) -> dict[str, Any]:
    """Per field: its operators and its closed set of values, if any."""
    out: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        if kind not in spec.targets:
            continue
        values = [f'"{v}"' for v in spec.choices] or (["true", "false"] if spec.kind.value == "bool" else [])
        out[name] = {"ops": operators(name), "values": values, "kind": spec.kind.value,
                     "example": EXAMPLES.get(name, "")}
    return out


def filter_hints(conn: Connection, project_id: str, kind: str) -> dict[str, Any]:
    fields = field_hints(kind)
    order = [f for f in FIRST if f in fields] + [f for f in fields if f not in FIRST]
    return {"fields": fields, "order": order, "metadata": metadata_keys(conn, project_id, kind),
            "feedback": feedback_names(conn, project_id), "keywords": ["and", "or", "not"]}
