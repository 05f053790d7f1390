"""Cisco IOS block structure: which line is the parent of which, from indentation.

IOS prints its running configuration as an indented tree (``router bgp`` >
``address-family`` > ``neighbor ... activate``).  This module rebuilds that tree
in one pass with a stack of open blocks: a line's parent is the nearest earlier
line with a smaller indentation.  Comment lines (``!``) and blank lines are not
part of the tree; a ``banner`` keeps every line up to its closing delimiter as
its child, whatever the indentation, so banner text is never read as config.

The result equals the parent/child structure ``ciscoconfparse`` builds (checked
by ``tests/test_ios_blocks.py`` on the shared corpus), without its cost.
"""

from __future__ import annotations

from typing import NamedTuple


class Line(NamedTuple):
    """One configuration line of the tree (a tuple: cheap to create, one per line)."""

    number: int  # 1-based line number in the file
    indent: int
    text: str  # stripped
    parent: int  # line number of the parent, 0 for top-level lines
    banner: bool  # a line of banner text (never a command)


def _banner_delimiter(words: list[str]) -> str | None:
    """The delimiter of ``banner TYPE <delim>text...`` (``^C`` or the first character)."""
    if len(words) < 3:
        return None
    first = words[2]
    return "^C" if first.startswith("^C") else first[0]


Row = tuple[int, int, str, int, bool]  # the fields of :class:`Line`, as a plain tuple


def structure(text: str) -> list[Line]:
    """Every non-blank, non-comment line with its parent, in file order."""
    make = Line._make
    return [make(row) for row in rows(text)]


def rows(text: str) -> list[Row]:
    """:func:`structure` as plain tuples ``(number, indent, text, parent, banner)``: the parser's
    form (a tuple per line costs a tenth of a named tuple)."""
    out: list[Row] = []
    append = out.append
    stack: list[tuple[int, int]] = []  # (indent, line number) of open blocks
    braces: list[int] = []  # open `{` lines
    banner_line = 0
    delimiter = ""
    for number, raw in enumerate(text.splitlines(), 1):
        if banner_line:
            stripped = raw.strip()
            append((number, len(raw) - len(raw.lstrip()), stripped, banner_line, True))
            if delimiter in stripped:
                banner_line = 0
            continue
        if not raw:
            continue
        first = raw[0]
        if first in " \t":  # one character: `in` is a substring test
            stripped = raw.strip()
            if not stripped or stripped[0] == "!":
                continue
            indent = len(raw) - len(raw.lstrip())
            if stripped[0] == "}" and braces:  # closes a brace block (non-IOS files): child of its opener
                opener = braces.pop()
                while stack and stack[-1][1] != opener:
                    stack.pop()
                append((number, indent, stripped, opener, False))
                continue
            while stack and stack[-1][0] >= indent:
                stack.pop()
            append((number, indent, stripped, stack[-1][1] if stack else 0, False))
            stack.append((indent, number))
        else:  # a top-level line (the common case): every open block closes
            stripped = raw.strip() if first.isspace() else raw.rstrip()
            if not stripped or stripped[0] == "!":
                continue
            if stripped[0] == "}" and braces:
                opener = braces.pop()
                while stack and stack[-1][1] != opener:
                    stack.pop()
                append((number, 0, stripped, opener, False))
                continue
            append((number, 0, stripped, 0, False))
            stack = [(0, number)]
        last = stripped[-1]
        if last == "{":
            braces.append(number)
        elif stripped.startswith("banner "):
            words = stripped.split()
            delim = _banner_delimiter(words)
            if delim is not None:
                after = stripped.split(None, 2)[2][len(delim) :]
                if delim not in after:
                    banner_line, delimiter = number, delim
    return out
