"""The one error the filter language raises: a message and the 1-based column it points at."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from spyglass.server.errors import BadRequest


class FilterError(BadRequest):
    """A filter that cannot be parsed or compiled; `position` is the 1-based column of the problem."""

    def __init__(self, message: str, position: int, hint: str | None = None) -> None:
        self.reason = message
        self.position = position
        self.hint = hint
        text = f"{message} at column {position}" + (f" ({hint})" if hint else "")
        super().__init__(text, detail={"message": message, "position": position, "hint": hint})

    def __str__(self) -> str:
        return self.message


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
