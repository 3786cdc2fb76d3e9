from __future__ import annotations

import datetime
import enum
import math
import uuid
from typing import Any

from pydantic import BaseModel

from spyglass.sdk.serialize import Limits, to_jsonable


class Color(enum.Enum):
    RED = "red"


class Msg(BaseModel):
    role: str
    content: str


class FakeArray:
    """Looks like a numpy array: shape, size, tolist."""

    def __init__(self, values: list[float]) -> None:
        self.values = values
        self.shape = (len(values),)
        self.size = len(values)
        self.dtype = "float32"

    def tolist(self) -> list[float]:
        return list(self.values)


class Opaque:
    def __repr__(self) -> str:
        return "<Opaque thing>"


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no")


def test_common_types() -> None:
    value = {
        "model": Msg(role="user", content="hi"),
        "when": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
        "id": uuid.UUID(int=1),
        "color": Color.RED,
        "arr": FakeArray([1.0, 2.0]),
        "nan": math.nan,
        3: "int key",
        "tuple": (1, "a"),
        "obj": Opaque(),
        "bad": BadRepr(),
        "exc": ValueError("x"),
    }
    assert to_jsonable(value) == {
        "model": {"role": "user", "content": "hi"},
        "when": "2026-01-02T03:04:05+00:00",
        "id": "00000000-0000-0000-0000-000000000001",
        "color": "red",
        "arr": [1.0, 2.0],
        "nan": None,
        "3": "int key",
        "tuple": [1, "a"],
        "obj": "<Opaque thing>",
        "bad": "<BadRepr object>",
        "exc": "ValueError: x",
    }


def test_bounds_strings_items_depth_and_cycles() -> None:
    lim = Limits(max_string=10, max_items=3, max_depth=3, max_field=10_000)
    assert to_jsonable("x" * 25, lim) == "x" * 10 + "…(truncated 15 chars)"
    assert to_jsonable(list(range(5)), lim) == [0, 1, 2, "…(2 more items)"]
    assert to_jsonable({str(i): i for i in range(5)}, lim) == {"0": 0, "1": 1, "2": 2, "…": "2 more keys"}
    assert to_jsonable([[[["deep"]]]], lim) == [[["<list nested too deep>"]]]
    loop: list[Any] = [1]
    loop.append(loop)
    assert to_jsonable(loop, lim) == [1, "<cycle>"]


def test_total_budget_caps_huge_values() -> None:
    big = ["y" * 1000 for _ in range(1000)]
    out = to_jsonable(big, Limits(max_field=5_000))
    kept = sum(len(s) for s in out if isinstance(s, str) and not s.startswith("…"))
    assert kept <= 6_000
    assert out[-1] == "…(truncated)"


def test_wire_encoding_falls_back_to_the_bounded_walk(mem: Any) -> None:
    import spyglass.sdk as sg

    @sg.track
    def f(value: Any) -> Any:
        return value

    loop: dict[str, Any] = {"a": 1}
    loop["self"] = loop
    f(loop)
    f(2**70)
    f("x" * 2_000_000)
    f("bad \ud800 surrogate")
    f({("tuple", "key"): 1, 3: Color.RED})
    cyc, big, huge, bad, keys = [s["input"] for s in mem.spans]
    assert bad == "<unserializable>"  # the whole field, when even the bounded walk cannot encode it
    cyc, big, huge, keys = (x["value"] for x in (cyc, big, huge, keys))
    assert cyc == {"a": 1, "self": "<cycle>"}
    assert big == str(2**70)
    assert len(huge) < 40_000 and huge.endswith("chars)")
    assert keys == {"('tuple', 'key')": 1, "3": "red"}
