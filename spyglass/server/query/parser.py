"""Recursive-descent parser: filter text -> checked AST.

    filter     := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" or_expr ")" | comparison
    comparison := field ( OP value | ["not"] "in" list | ["not"] "contains" value
                        | "is" ["not"] "null" )?          -- a bare boolean field means "= true"
    field      := NAME ("." (NAME | STRING | digits))*
    list       := "[" [value ("," value)* [","]] "]"
    value      := STRING | NUMBER | DURATION | "true" | "false" | "null" | "now" [("+"|"-") DURATION]
"""

from __future__ import annotations

import re

from spyglass.server.query import ast, fields
from spyglass.server.query.ast import Op
from spyglass.server.query.errors import FilterError
from spyglass.server.query.lexer import UNITS_US, Tok, Token, tokenize

MAX_LENGTH = 20_000
MAX_DEPTH = 64
KEYWORDS = frozenset({"and", "or", "not", "in", "contains", "is", "null", "true", "false"})
_OPS = {"=": Op.EQ, ">": Op.GT, ">=": Op.GE, "<": Op.LT, "<=": Op.LE, "~": Op.MATCH}
_NEGATED = {"!=": Op.EQ, "!~": Op.MATCH}
_NOW = re.compile(r"now(?:([+-])(\d+(?:\.\d*)?|\.\d+)(us|µs|ms|s|m|h|d|w))?", re.IGNORECASE)


def parse(text: str) -> ast.Node:
    """Parse and type-check a filter; raises FilterError pointing at the offending column."""
    if len(text) > MAX_LENGTH:
        raise FilterError(f"filter longer than {MAX_LENGTH} characters", MAX_LENGTH + 1)
    return _Parser(tokenize(text)).parse()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    # -- token helpers ---------------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def at(self, kind: Tok) -> bool:
        """Whether the current token is of `kind` (a call, so type checkers do not narrow it)."""
        return self.tok.kind is kind

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tok
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return token

    def is_word(self, word: str, token: Token | None = None) -> bool:
        token = token or self.tok
        return token.kind is Tok.NAME and token.text.lower() == word

    def expect(self, kind: Tok, what: str) -> Token:
        if not self.at(kind):
            raise self.unexpected(what)
        return self.advance()

    def unexpected(self, what: str) -> FilterError:
        tok = self.tok
        found = "end of filter" if tok.kind is Tok.END else f"'{tok.text}'"
        if tok.kind is Tok.STRING:
            found = "a string"
        return FilterError(f"expected {what}, found {found}", tok.pos)

    # -- grammar ---------------------------------------------------------------------------------

    def parse(self) -> ast.Node:
        if self.at(Tok.END):
            raise FilterError("empty filter", 1)
        node = self.or_expr()
        if not self.at(Tok.END):
            raise self.unexpected("'and', 'or' or the end of the filter")
        return node

    def or_expr(self) -> ast.Node:
        items = [self.and_expr()]
        while self.is_word("or"):
            self.advance()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else ast.Or(tuple(items))

    def and_expr(self) -> ast.Node:
        items = [self.unary()]
        while self.is_word("and"):
            self.advance()
            items.append(self.unary())
        return items[0] if len(items) == 1 else ast.And(tuple(items))

    def unary(self) -> ast.Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterError("filter nested too deeply", self.tok.pos)
        try:
            if self.is_word("not"):
                pos = self.advance().pos
                return ast.Not(self.unary(), pos)
            if self.at(Tok.LPAREN):
                self.advance()
                node = self.or_expr()
                self.expect(Tok.RPAREN, "')'")
                return node
            return self.comparison()
        finally:
            self.depth -= 1

    def field(self) -> ast.FieldRef:
        if not self.at(Tok.NAME) or self.tok.text.lower() in KEYWORDS:
            raise self.unexpected("a field name")
        head = self.advance()
        path: list[str] = []
        while self.at(Tok.DOT):
            self.advance()
            key = self.tok
            if key.kind is Tok.NUMBER and key.text.isdigit():
                path.append(key.text)
            elif key.kind in (Tok.NAME, Tok.STRING):
                path.append(key.text)
            else:
                raise self.unexpected("a key after '.'")
            self.advance()
        return fields.resolve_field(head.text, tuple(path), head.pos)

    def comparison(self) -> ast.Node:
        field = self.field()
        tok = self.tok
        if tok.kind is Tok.OP:
            self.advance()
            if tok.text in _NEGATED:
                return ast.Not(self.compare(field, _NEGATED[tok.text], tok.pos, self.value()), tok.pos)
            return self.compare(field, _OPS[tok.text], tok.pos, self.value())
        if self.is_word("is"):
            return self.is_null(field)
        negated = self.is_word("not")
        if negated:
            self.advance()
            if not (self.is_word("in") or self.is_word("contains")):
                raise self.unexpected("'in' or 'contains' after 'not'")
        node = self.keyword_comparison(field, negated)
        return ast.Not(node, tok.pos) if negated else node

    def is_null(self, field: ast.FieldRef) -> ast.Node:
        pos = self.advance().pos
        negated = self.is_word("not")
        if negated:
            self.advance()
        if not self.is_word("null"):
            raise self.unexpected("'null' or 'not null' after 'is'")
        self.advance()
        node = self.compare(field, Op.IS_NULL, pos, None)
        return ast.Not(node, pos) if negated else node

    def keyword_comparison(self, field: ast.FieldRef, negated: bool) -> ast.Compare:
        tok = self.tok
        if self.is_word("in"):
            self.advance()
            if not self.at(Tok.LBRACKET):
                raise FilterError("'in' takes a list", self.tok.pos, "e.g. in [\"a\", \"b\"]")
            return self.compare(field, Op.IN, tok.pos, self.list_value())
        if self.is_word("contains"):
            self.advance()
            return self.compare(field, Op.CONTAINS, tok.pos, self.value())
        if fields.spec_of(field).kind is fields.Kind.BOOL and not negated:
            return self.compare(field, Op.EQ, field.pos, ast.Bool(True, field.pos))
        raise self.unexpected(f"an operator after '{field}'")

    def compare(self, field: ast.FieldRef, op: Op, pos: int, value: ast.Value | None) -> ast.Compare:
        return fields.check_compare(field, op, pos, value)

    def list_value(self) -> ast.ListOf:
        start = self.expect(Tok.LBRACKET, "'['")
        items: list[ast.Scalar] = []
        while not self.at(Tok.RBRACKET):
            value = self.value()
            if isinstance(value, ast.ListOf):
                raise FilterError("lists do not nest", value.pos)
            items.append(value)
            if self.at(Tok.COMMA):
                self.advance()
            elif not self.at(Tok.RBRACKET):
                raise self.unexpected("',' or ']'")
        self.advance()
        return ast.ListOf(tuple(items), start.pos)

    def value(self) -> ast.Value:
        tok = self.tok
        if tok.kind is Tok.LBRACKET:
            return self.list_value()
        if tok.kind is Tok.STRING:
            value: ast.Value = ast.Str(tok.text, tok.pos)
        elif tok.kind is Tok.NUMBER:
            assert tok.value is not None
            value = ast.Num(tok.value, tok.pos)
        elif tok.kind is Tok.DURATION:
            value = ast.Duration(int(tok.value or 0), tok.pos)
        elif tok.kind is Tok.NAME:
            self.advance()
            return self.word_value(tok)
        else:
            raise self.unexpected("a value")
        self.advance()
        return value

    def word_value(self, tok: Token) -> ast.Scalar:
        word = tok.text.lower()
        if word in ("true", "false"):
            return ast.Bool(word == "true", tok.pos)
        if word == "null":
            return ast.Null(tok.pos)
        now = _NOW.fullmatch(tok.text)
        if now is None:
            raise FilterError(f"expected a value, found '{tok.text}'", tok.pos, "quote strings: \"...\"")
        offset = 0
        if now.group(1):
            offset = round(float(now.group(2)) * UNITS_US[now.group(3)]) * (-1 if now.group(1) == "-" else 1)
        elif self.at(Tok.DURATION) and self.tok.text[:1] in "+-":
            offset = int(self.advance().value or 0)  # `now -1h`: the sign belongs to the duration
        return ast.RelTime(offset, tok.pos)

