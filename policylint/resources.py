"""Locate the data shipped with the package (grammars/, rules/).

In a wheel they live in ``policylint/_data``; in a source checkout (editable
install, tests) they are the top-level ``grammars/`` and ``rules/`` folders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PKG = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    shipped = _PKG / "_data" / name
    if shipped.is_dir():
        return shipped
    return _PKG.parent / name


def grammar_path(filename: str) -> Path:
    return data_dir("grammars") / filename


def rules_dir() -> Path:
    return data_dir("rules")
