"""Records for the query tests, as API-shaped dicts, and their insertion as table rows."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from spyglass.server.model.convert import dump_json
from spyglass.server.store import tables as t

T0 = 1_763_640_000_000_000  # 2025-11-20T12:00:00Z in µs
SECOND = 1_000_000

TEXTS: list[Any] = [
    {"question": "How do REFUNDS work?"},
    {"messages": [{"role": "user", "content": "我要退款，谢谢"}]},
    {"messages": [{"role": "user", "content": "注文の返金をお願いします"}]},
    "École fermée; résumé ÉTÉ",
    {"answer": 'He said "hi" \\ then 100% of_the time'},
    ["refund", 42, True, None],
    {"text": "订单已发货 order ORD-0001234"},
    12345,
    "ab",
    {"nested": {"deep": "Straße ß ẞ"}},
    None,
    {"q": "retry after timeout: 超时重试"},
]
METADATA: list[Any] = [
    {"env": "prod", "latency": 3, "flag": True, "nested": {"k": "v", "n": 1.5}},
    {"env": "dev", "latency": 0.5, "flag": False, "list": [1, 2]},
    {"env": "prod", "latency": "3", "nested": {"k": "w"}},
    {"env": None, "0": "zero", "my key": "spaced"},
    {"env": {"a": 1}, "latency": 10},
    {"env": "Prod", "latency": -2, "nested": "flat"},
    None,
    {},
]
TAGS: list[Any] = [["beta", "prod"], ["alpha"], [], None, ["beta"], ["Beta", "x y"], ["论文"]]
NAMES = ["chat", "retrieve", "Chat", "tool_call", "100%_done", None, "检索"]
MODELS = ["gpt-4o-mini", "claude-3-5-sonnet", None, "qwen-max"]
TYPES = ["llm", "tool", "retriever", "chain", "general"]
SCORES = ["hallucination", "relevance", "Answer Relevance"]


def _maybe(rng: random.Random, value: Any, p: float = 0.15) -> Any:
    return None if rng.random() < p else value


def _common(rng: random.Random, i: int, prefix: str) -> dict[str, Any]:
    start = _maybe(rng, T0 + i * 7 * SECOND + rng.randint(0, 5) * SECOND, 0.05)
    end = _maybe(rng, (start or T0) + rng.choice([0, 150_000, 900_000, 2 * SECOND, 5 * SECOND, 90 * SECOND]), 0.1)
    return {
        "id": f"{prefix}{i:04d}",
        "project_id": "p1",
        "name": rng.choice(NAMES),
        "start_time": start,
        "end_time": end,
        "duration": end - start if start is not None and end is not None else None,
        "input": rng.choice(TEXTS),
        "output": rng.choice(TEXTS),
        "metadata": rng.choice(METADATA),
        "tags": rng.choice(TAGS),
        "error": rng.choice([None, None, None, {"type": "ValueError", "message": "boom"}]),
        "prompt_tokens": _maybe(rng, rng.randint(0, 3000)),
        "completion_tokens": _maybe(rng, rng.randint(0, 800)),
        "total_tokens": _maybe(rng, rng.randint(0, 4000)),
        "cost": _maybe(rng, round(rng.random() / 10, 4), 0.3),
        "feedback": {name: round(rng.random(), 2) for name in SCORES if rng.random() < 0.5},
    }


def traces(n: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records = []
    for i in range(n):
        rec = _common(rng, i, "t")
        rec.update(thread_id=_maybe(rng, f"th{i % 5}", 0.3), user_id=_maybe(rng, f"u{i % 7}", 0.3),
                   span_count=rng.randint(0, 9), error_span_count=rng.choice([0, 0, 0, 1]))
        for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
            rec[key] = rec[key] or 0  # NOT NULL on traces: totals of their spans
        records.append(rec)
    return records


def spans(n: int, seed: int = 2) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records = []
    for i in range(n):
        rec = _common(rng, i, "s")
        rec.update(trace_id=f"t{i % 40:04d}", parent_span_id=_maybe(rng, f"s{max(i - 1, 0):04d}", 0.3),
                   type=rng.choice(TYPES), model=rng.choice(MODELS), provider=rng.choice(["openai", None]))
        records.append(rec)
    return records


def row(rec: dict[str, Any], target: str) -> dict[str, Any]:
    """The table row for an API-shaped record."""
    table = t.trace if target == "trace" else t.span
    out = {k: v for k, v in rec.items() if k in table.c and k not in ("pk", "duration")}
    for key in ("input", "output", "metadata", "tags", "error"):
        out[key] = dump_json(rec.get(key))
    out.update(created_at=T0, updated_at=T0)
    return out


def insert_rows(conn: Connection, table_name: str, rows: list[dict[str, Any]]) -> None:
    """Insert JSON as text, as the writer does: on PostgreSQL the server parses it into jsonb."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for item in rows:
        groups.setdefault(tuple(item), []).append(item)  # rows that give the same columns
    for names, group in groups.items():
        conn.execute(text(f"INSERT INTO {table_name} ({', '.join(names)}) VALUES "
                          f"({', '.join(':' + name for name in names)})"), group)


def insert_records(conn: Connection, target: str, records: list[dict[str, Any]]) -> None:
    insert_rows(conn, target, [row(rec, target) for rec in records])
    scores = [
        {"project_id": "p1", "target_type": target, "target_id": rec["id"], "name": name, "value": value,
         "source": "sdk", "author": "", "time": T0, "created_at": T0, "updated_at": T0}
        for rec in records for name, value in rec["feedback"].items()
    ]
    # A categorical score (no value) on some rows: `feedback.label_only is null` stays true there.
    scores += [
        {"project_id": "p1", "target_type": target, "target_id": rec["id"], "name": "hallucination",
         "value": None, "label": "unsure", "source": "ui", "author": "reviewer", "time": T0,
         "created_at": T0, "updated_at": T0}
        for rec in records[::9] if "hallucination" not in rec["feedback"]
    ]
    for score in scores:
        score.setdefault("label", None)
    insert_rows(conn, "feedback_score", scores)
