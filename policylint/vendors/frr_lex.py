"""FRR line syntax: tokenizer, the lark grammar, and the shape cache.

Every configuration line is tokenized with ``str.split`` and each word is
classified (keyword of the grammar, INT, IPV4, PFX4, COMM, ...).  The tuple of
classes is the line's *shape*.  ``grammars/frr.lark`` is parsed (LALR) once per
distinct shape, and the resulting tree is compiled into a :class:`Template` that
says which statement the shape is and which word positions hold which fields.
Every later line of the same shape is built from the template without calling
the parser, which is what lets a pure-Python linter read hundreds of thousands
of lines per second while the grammar stays the single source of syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError
from lark.lexer import Lexer

from policylint.resources import grammar_path

# words after which the rest of the line is one REST token
_REST_AFTER = frozenset({"description", "password", "bestpath", "graceful-restart", "bfd"})
# statements whose text after the first permit/deny is one REST token (regexes, community values)
_LIST_HEADS = (
    ("bgp", "as-path"),
    ("ip", "as-path"),
    ("bgp", "community-list"),
    ("ip", "community-list"),
    ("bgp", "large-community-list"),
    ("bgp", "extcommunity-list"),
)

_VALUE_CLASSES = frozenset({"INT", "IPV4", "IPV6", "PFX4", "PFX6", "COMM", "LCOMM", "REST", "WORD"})
_LIST_ACTIONS = frozenset({"permit", "deny"})
_INT = re.compile(r"\d+")
_IPV4 = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}")
_PFX4 = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}/\d{1,3}")
_HEXCOLON = re.compile(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")
_PFX6 = re.compile(r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/\d{1,3}")
_COMM = re.compile(r"\d{1,10}:\d{1,10}")
_LCOMM = re.compile(r"\d{1,10}:\d{1,10}:\d{1,10}")


@dataclass(frozen=True, slots=True)
class Template:
    kind: str
    fields: dict[str, tuple[int, ...]]  # field -> word positions (() = flag)


class Stmt:
    """One parsed line: its kind and lazy access to its fields (no per-line dicts)."""

    __slots__ = ("_positions", "_words", "indent", "kind", "line")

    def __init__(self, tpl: Template, words: list[str], line: int, indent: int) -> None:
        self.kind = tpl.kind
        self._positions = tpl.fields
        self._words = words
        self.line = line
        self.indent = indent

    def get(self, name: str) -> str | None:
        pos = self._positions.get(name)
        return self._words[pos[0]] if pos else None

    def values(self, name: str) -> tuple[str, ...]:
        words = self._words
        return tuple(words[i] for i in self._positions.get(name, ()))

    def has(self, name: str) -> bool:
        return name in self._positions


class _ShapeLexer(Lexer):
    """Feeds lark a shape: a list of terminal names; token values are positions."""

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, lexer_state: Any, parser_state: Any = None) -> Iterator[Token]:
        shape: tuple[str, ...] = getattr(lexer_state, "text", lexer_state)
        for i, kind in enumerate(shape):
            yield Token(kind, str(i))


@cache
def _parser() -> tuple[Lark, dict[str, str]]:
    text = grammar_path("frr.lark").read_text(encoding="utf-8")
    parser = Lark(text, parser="lalr", lexer=_ShapeLexer, start="start", cache=True)
    keywords = {str(t.pattern.value): t.name for t in parser.terminals if t.pattern.type == "str"}
    return parser, keywords


def keywords() -> dict[str, str]:
    return _parser()[1]


class FrrSyntax:
    """Turns lines into :class:`Stmt` objects; one instance can serve many files."""

    def __init__(self) -> None:
        self._kw = keywords()
        self.keywords: frozenset[str] = frozenset(self._kw)
        self._word_class: dict[str, str] = {}
        self._templates: dict[tuple[str, ...], Template | None] = {}

    # ------------------------------------------------------------------ tokens
    def classify(self, word: str) -> str:
        cls = self._word_class.get(word)
        if cls is None:
            cls = self._kw.get(word) or _classify_value(word)
            if len(self._word_class) < 500_000:
                self._word_class[word] = cls
        return cls

    def words(self, text: str) -> list[str]:
        """Split a line into words, folding REST parts into one word."""
        words = text.split()
        n = len(words)
        if n > 2 and not (_REST_AFTER.isdisjoint(words) and _LIST_ACTIONS.isdisjoint(words[2:])):
            head = (words[0], words[1])
            if head in _LIST_HEADS:
                for i in range(2, n - 1):
                    if words[i] in ("permit", "deny"):
                        return [*words[: i + 1], text.split(None, i + 1)[i + 1].strip()]
            for i in range(n - 1):
                if words[i] in _REST_AFTER:
                    return [*words[: i + 1], text.split(None, i + 1)[i + 1].strip()]
        return words

    def shape(self, words: list[str]) -> tuple[str, ...]:
        seen: list[str | None] = list(map(self._word_class.get, words))  # C speed for known words
        if None in seen:
            classify = self.classify
            shape = [c or classify(w) for c, w in zip(seen, words, strict=True)]
        else:
            shape = seen  # type: ignore[assignment]
        # a folded REST part is the word after a REST trigger or a list action
        if len(words) >= 2:
            prev = words[-2]
            if prev in _REST_AFTER or (prev in ("permit", "deny") and (words[0], words[1]) in _LIST_HEADS):
                shape[-1] = "REST"
        return tuple(shape)

    # ------------------------------------------------------------------ statements
    def template(self, shape: tuple[str, ...]) -> Template | None:
        try:
            return self._templates[shape]
        except KeyError:
            pass
        tpl = _compile(shape)
        if tpl is None:
            tpl = self._keyword_as_name(shape)
        self._templates[shape] = tpl
        return tpl

    def _keyword_as_name(self, shape: tuple[str, ...]) -> Template | None:
        """Retry a failed shape with one keyword read as a plain word (a route-map named `any`)."""
        values = _VALUE_CLASSES
        for i in range(len(shape) - 1, 0, -1):
            if shape[i] in values:
                continue
            tpl = _compile((*shape[:i], "WORD", *shape[i + 1 :]))
            if tpl is not None:
                return tpl
        return None

    def statement(self, words: list[str], line: int, indent: int) -> Stmt | None:
        shape = self.shape(words)
        tpl = self._templates.get(shape)
        if tpl is None:
            if shape in self._templates:
                return None
            tpl = self.template(shape)
            if tpl is None:
                return None
        return Stmt(tpl, words, line, indent)


def _classify_value(word: str) -> str:
    if _INT.fullmatch(word):
        return "INT"
    if "/" in word:
        if _PFX4.fullmatch(word):
            return "PFX4"
        if ":" in word and _PFX6.fullmatch(word):
            return "PFX6"
        return "WORD"
    if ":" in word:
        if _COMM.fullmatch(word):
            return "COMM"
        if _LCOMM.fullmatch(word):
            return "LCOMM"
        if _HEXCOLON.fullmatch(word):
            return "IPV6"
        return "WORD"
    if _IPV4.fullmatch(word):
        return "IPV4"
    return "WORD"


def _compile(shape: tuple[str, ...]) -> Template | None:
    parser, _ = _parser()
    try:
        tree = parser.parse(shape)  # type: ignore[arg-type,unused-ignore]
    except LarkError:
        return None
    stmt = tree.children[0]
    if not isinstance(stmt, Tree):
        return None
    fields: dict[str, list[int]] = {}
    _collect(stmt, stmt, fields)
    return Template(str(stmt.data), {k: tuple(v) for k, v in fields.items()})


def _collect(node: Tree[Any], root: Tree[Any], out: dict[str, list[int]]) -> None:
    if node is not root and not node.children:
        out.setdefault(str(node.data), [])
    for child in node.children:
        if isinstance(child, Token):
            key = child.type if node is root else str(node.data)
            out.setdefault(key, []).append(int(child.value))
        elif isinstance(child, Tree):
            if node is not root:
                out.setdefault(str(node.data), [])
            _collect(child, root, out)
