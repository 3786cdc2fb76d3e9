"""Random well-typed filters over the fields of the test dataset, for SQL/predicate agreement."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from spyglass.server.query.fields import FIELDS, Kind

from .dataset import MODELS, NAMES, SCORES, T0, TYPES

STRINGS = [n for n in NAMES if n] + [m for m in MODELS if m] + ["prod", "dev", "Prod", "v", "zero", "t0001", "s0003",
                                                              "th1", "u2", "openai", "", "a", "%", "_"]
NEEDLES = ["refund", "REFUND", "退款", "退", "返金", "école", "ÉCOLE", "été", '"hi"', "\\", "100%", "of_", "ord-000",
           "ORD-0001234", "retry", "超时重试", "ab", "a", "", "ß", "ẞ", "42", "null", "true", "[", "\"refund\""]
TAGS = ["beta", "Beta", "prod", "alpha", "x y", "论文", "missing"]
META_KEYS = ["env", "latency", "flag", "nested.k", "nested.n", "list", '"0"', '"my key"', "nested", "absent"]
DURATIONS = ["0ms", "150ms", "1s", "2s", "1.5m", "500us", "1h"]
TIMES = [f'"{s}"' for s in ("2025-11-20T12:00:00Z", "2025-11-20T12:05:00+00:00", "2025-11-20")] + \
        ["now-1h", "now", "now-30d", "now+1d"]
NOW = T0 + 600 * 1_000_000  # ten minutes into the data
Builder = Callable[[random.Random, str], str]


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _number(rng: random.Random) -> str:
    return rng.choice(["0", "1", "3", "0.5", "-2", "1.5", "100", "2500", "0.05", "10"])


def _comparison(rng: random.Random, target: str) -> str:
    name = rng.choice([f.name for f in FIELDS.values() if target in f.targets])
    return _BUILDERS[FIELDS[name].kind](rng, name)


def _text(rng: random.Random, name: str) -> str:
    if name == "type":
        values = TYPES
        return rng.choice([f'type = "{rng.choice(values)}"', f'type in ["llm", "{rng.choice(values)}"]',
                           "type != \"llm\"", "type is null"])
    op = rng.choice(["=", "!=", ">", "<=", "~", "!~", "in", "not in", "is null", "is not null"])
    if op in ("in", "not in"):
        return f"{name} {op} [{', '.join(_quote(rng.choice(STRINGS)) for _ in range(rng.randint(0, 3)))}]"
    if op.startswith("is"):
        return f"{name} {op}"
    return f"{name} {op} {_quote(rng.choice(STRINGS if op not in ('~', '!~') else STRINGS + NEEDLES))}"


def _ordered(values: list[str]) -> Builder:
    def build(rng: random.Random, name: str) -> str:
        op = rng.choice(["=", "!=", ">", ">=", "<", "<=", "is null", "is not null", "in"])
        if op.startswith("is"):
            return f"{name} {op}"
        if op == "in":
            return f"{name} in [{', '.join(rng.choice(values) for _ in range(2))}]"
        return f"{name} {op} {rng.choice(values)}"
    return build


def _number_field(rng: random.Random, name: str) -> str:
    return _ordered([_number(rng) for _ in range(4)])(rng, name)


def _time(rng: random.Random, name: str) -> str:
    op = rng.choice([">", ">=", "<", "<=", "is null", "is not null"])
    return f"{name} {op}" if op.startswith("is") else f"{name} {op} {rng.choice(TIMES)}"


def _bool(rng: random.Random, name: str) -> str:
    return rng.choice(["error", "error = false", "error != true", "not error"])


def _status(rng: random.Random, name: str) -> str:
    return rng.choice(['status = "ok"', 'status != "error"', 'status in ["ok"]', 'status in []',
                       'status not in ["ok", "error"]', 'status = "error"'])


def _tags(rng: random.Random, name: str) -> str:
    return rng.choice([f"tags contains {_quote(rng.choice(TAGS))}", f"tags not contains {_quote(rng.choice(TAGS))}",
                       "tags is null", "tags is not null"])


def _metadata(rng: random.Random, name: str) -> str:
    key = f"metadata.{rng.choice(META_KEYS)}"
    op = rng.choice(["=", "!=", ">", "<=", "~", "in", "is null", "is not null"])
    if op.startswith("is"):
        return f"{key} {op}"
    if op == "~":
        return f"{key} ~ {_quote(rng.choice(['pro', 'PROD', 'v', 'zer', '']))}"
    values = [_quote(rng.choice(["prod", "dev", "Prod", "v", "w", "zero", "3"])), _number(rng), "3", "true", "false"]
    if op == "in":
        return f"{key} in [{', '.join(rng.choice(values) for _ in range(2))}]"
    value = rng.choice(values if op in ("=", "!=") else values[:3])
    return f"{key} {op} {value}"


def _fulltext(rng: random.Random, name: str) -> str:
    op = rng.choice(["~", "~", "~", "!~", "is null", "is not null"])
    return f"{name} {op}" if op.startswith("is") else f"{name} {op} {_quote(rng.choice(NEEDLES))}"


def _feedback(rng: random.Random, name: str) -> str:
    score = rng.choice(SCORES)
    field = f"feedback.{score}" if " " not in score else f"feedback.{_quote(score)}"
    op = rng.choice([">", ">=", "<", "=", "!=", "is null", "is not null", "in"])
    if op.startswith("is"):
        return f"{field} {op}"
    if op == "in":
        return f"{field} in [0.5, {rng.choice(['0.1', '0.2', '1'])}]"
    return f"{field} {op} {rng.choice(['0.5', '0.25', '0.9', '0', '1'])}"


_BUILDERS: dict[Kind, Builder] = {
    Kind.TEXT: _text,
    Kind.NUMBER: _number_field,
    Kind.DURATION: _ordered(DURATIONS),
    Kind.TIME: _time,
    Kind.BOOL: _bool,
    Kind.STATUS: _status,
    Kind.TAGS: _tags,
    Kind.JSON: _metadata,
    Kind.FULLTEXT: _fulltext,
    Kind.FEEDBACK: _feedback,
}


def random_filter(rng: random.Random, target: str, depth: int = 0) -> str:
    roll = rng.random()
    if depth >= 3 or roll < 0.45:
        return _comparison(rng, target)
    if roll < 0.55:
        return f"not ({random_filter(rng, target, depth + 1)})"
    joiner = rng.choice([" and ", " or ", " AND ", " Or "])
    parts = [random_filter(rng, target, depth + 1) for _ in range(rng.randint(2, 3))]
    text = joiner.join(parts)
    return f"({text})" if rng.random() < 0.5 else text
