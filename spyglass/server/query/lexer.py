"""Filter text -> tokens. Positions are 1-based columns (character offsets) into the text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from spyglass.server.query.errors import FilterError


class Tok(Enum):
    NAME = "name"
    STRING = "string"
    NUMBER = "number"
    DURATION = "duration"
    OP = "operator"
    LPAREN = "'('"
    RPAREN = "')'"
    LBRACKET = "'['"
    RBRACKET = "']'"
    COMMA = "','"
    DOT = "'.'"
    END = "end of filter"


@dataclass(frozen=True)
class Token:
    kind: Tok
    text: str  # as written (for STRING: the decoded value)
    pos: int
    value: float | int | None = None  # NUMBER: the number; DURATION: microseconds


UNITS_US: dict[str, int] = {
    "us": 1, "µs": 1, "ms": 1_000, "s": 1_000_000, "m": 60_000_000,
    "h": 3_600_000_000, "d": 86_400_000_000, "w": 604_800_000_000,
}
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_UNIT = re.compile(r"[A-Za-zµ]+")
_NAME = re.compile(r"[^\W\d][\w-]*")
_NOW = re.compile(r"now(?:[+-](?:\d+(?:\.\d*)?|\.\d+)(?:us|µs|ms|s|m|h|d|w))?(?![\w.-])", re.IGNORECASE)
_OPS = ("!=", ">=", "<=", "!~", "=", ">", "<", "~")
_PUNCT = {"(": Tok.LPAREN, ")": Tok.RPAREN, "[": Tok.LBRACKET, "]": Tok.RBRACKET, ",": Tok.COMMA, ".": Tok.DOT}
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
_FRIENDLY = {"==": "use '=' to compare", "&&": "use 'and'", "||": "use 'or'", "<>": "use '!='"}


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    last_end = -1  # index just after the previous token: `metadata.0` is a path, not a number
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "." and last_end == i and tokens[-1].kind in (Tok.NAME, Tok.STRING):
            tokens.append(Token(Tok.DOT, ch, i + 1))
            i += 1
        elif ch.isdecimal() and last_end == i and tokens[-1].kind is Tok.DOT:
            digits = re.compile(r"\d+").match(text, i)
            assert digits is not None
            tokens.append(Token(Tok.NUMBER, digits.group(), i + 1, int(digits.group())))  # a key: metadata.0.x
            i = digits.end()
        elif ch in "\"'":
            token, i = _string(text, i)
            tokens.append(token)
        elif ch.isdecimal() or (ch in "+-." and _NUMBER.match(text, i)):
            token, i = _number(text, i)
            tokens.append(token)
        elif ch in _PUNCT:
            tokens.append(Token(_PUNCT[ch], ch, i + 1))
            i += 1
        elif (name := _NOW.match(text, i) or _NAME.match(text, i)) is not None:
            tokens.append(Token(Tok.NAME, name.group(), i + 1))
            i = name.end()
        else:
            token = _operator(text, i)
            tokens.append(token)
            i += len(token.text)
        last_end = i
    tokens.append(Token(Tok.END, "", len(text) + 1))
    return tokens


def _operator(text: str, i: int) -> Token:
    two = text[i:i + 2]
    if two in _FRIENDLY:
        raise FilterError(f"unexpected '{two}'", i + 1, _FRIENDLY[two])
    for op in _OPS:
        if text.startswith(op, i):
            return Token(Tok.OP, op, i + 1)
    raise FilterError(f"unexpected character {text[i]!r}", i + 1)


def _number(text: str, i: int) -> tuple[Token, int]:
    match = _NUMBER.match(text, i)
    assert match is not None  # tokenize only calls us where a number starts
    end = match.end()
    literal = match.group()
    number: float | int = float(literal) if any(c in literal for c in ".eE") else int(literal)
    if isinstance(number, int) and abs(number) >= 2**63:
        number = float(number)  # beyond a 64-bit column; a float compares the same way
    unit = _UNIT.match(text, end)
    if unit is None:
        if end < len(text) and (text[end].isalnum() or text[end] == "_"):
            raise FilterError(f"unexpected {text[end]!r} after number", end + 1)
        return Token(Tok.NUMBER, literal, i + 1, number), end
    scale = UNITS_US.get(unit.group())
    if scale is None:
        raise FilterError(f"unknown duration unit {unit.group()!r}", end + 1, "use us, ms, s, m, h, d or w")
    return Token(Tok.DURATION, text[i:unit.end()], i + 1, round(number * scale)), unit.end()


def _string(text: str, start: int) -> tuple[Token, int]:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return Token(Tok.STRING, "".join(out), start + 1), i + 1
        if ch == "\\":
            decoded, i = _escape(text, i)
            out.append(decoded)
            continue
        out.append(ch)
        i += 1
    raise FilterError("unterminated string", start + 1, f"close it with {quote}")


def _escape(text: str, i: int) -> tuple[str, int]:
    """Decode the escape at text[i] == '\\'; returns the character and the index after it."""
    code = text[i + 1:i + 2]
    if code in _ESCAPES:
        return _ESCAPES[code], i + 2
    if code == "u":
        digits = text[i + 2:i + 6]
        if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
            value = int(digits, 16)
            if value == 0:
                raise FilterError("NUL character in string", i + 1)
            return chr(value), i + 6
        raise FilterError("bad \\u escape: expected 4 hex digits", i + 1)
    raise FilterError(f"unknown escape '\\{code}'", i + 1, "escape a backslash as \\\\")
