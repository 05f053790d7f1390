"""ExaBGP syntax: ``grammars/exabgp.lark`` -> a small tree of :class:`Node` objects.

Only this module walks lark trees; the assemble step works on :class:`Node`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from policylint.resources import grammar_path

MAX_AUTO_CLOSE = 8
Word = str | tuple["Word", ...]  # a plain word or a bracketed list


@dataclass(frozen=True, slots=True)
class Node:
    """A statement (``children is None``) or a section with its items."""

    words: tuple[Word, ...]
    line: int
    end_line: int
    children: tuple[Node, ...] | None = None

    @property
    def key(self) -> str:
        first = self.words[0] if self.words else ""
        return first if isinstance(first, str) else ""

    def text(self) -> str:
        return " ".join(render(w) for w in self.words)


class SyntaxProblem(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def render(word: Word) -> str:
    if isinstance(word, str):
        return word
    return "[ " + " ".join(render(w) for w in word) + " ]"


def flat(word: Word) -> list[str]:
    """Every plain word of a word or list (nested lists flattened)."""
    if isinstance(word, str):
        return [word]
    out: list[str] = []
    for w in word:
        out.extend(flat(w))
    return out


@cache
def _parser() -> Lark:
    text = grammar_path("exabgp.lark").read_text(encoding="utf-8")
    return Lark(text, parser="lalr", propagate_positions=True, start="start", cache=True)


def _word(item: Any) -> Word:
    if isinstance(item, Token):
        value = str(item)
        if item.type == "STRING":
            return value[1:-1]
        return value
    assert isinstance(item, Tree)
    return tuple(_word(c) for c in item.children)


def _node(tree: Tree[Any], last: int) -> Node:
    words: list[Word] = []
    children: list[Node] = []
    for c in tree.children:
        if isinstance(c, Tree) and c.data in ("section", "statement"):
            children.append(_node(c, last))
        else:
            words.append(_word(c))
    line = min(getattr(tree.meta, "line", 1), last)
    end = min(getattr(tree.meta, "end_line", line), last)  # blocks closed at end of file end there
    kids = tuple(children) if tree.data == "section" else None
    return Node(tuple(words), line, end, kids)


def parse_nodes(text: str) -> tuple[tuple[Node, ...], int]:
    """The top-level items of an ExaBGP configuration and how many blocks end of file closed.

    ExaBGP closes blocks still open at the end of the file (its own test configurations rely on it),
    so a missing final ``}`` is accepted here too and reported by the caller.
    Raises :class:`SyntaxProblem` when the text does not parse.
    """
    closed = 0
    while True:
        try:
            tree = _parser().parse(text + "\n}" * closed)
            break
        except UnexpectedInput as exc:
            token = getattr(exc, "token", None)
            if token is not None and token.type == "$END" and closed < MAX_AUTO_CLOSE:
                closed += 1
                continue
            line = getattr(exc, "line", 1) or 1
            raise SyntaxProblem(f"ExaBGP syntax error: {_short(exc)}", line) from None
        except LarkError as exc:
            raise SyntaxProblem(f"ExaBGP syntax error: {type(exc).__name__}", 1) from None
    last = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    return tuple(_node(c, last) for c in tree.children if isinstance(c, Tree)), closed


def is_stray(node: Node) -> bool:
    """A top-level ``}`` that closes nothing (ExaBGP ignores it)."""
    return not node.words and node.children is None


def _short(exc: UnexpectedInput) -> str:
    token = getattr(exc, "token", None)
    if token is not None:
        shown = "end of file" if token.type == "$END" else f"`{str(token)[:40]}`"
        return f"unexpected {shown}"
    char = getattr(exc, "char", None)
    return f"unexpected character `{char}`" if char else "cannot parse"
