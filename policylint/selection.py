"""Rule selectors: a code (``PX101``), a code prefix (``PX``, ``PX1``), a category
(``leak``), a rule name (``excessive-prepend``) or ``ALL``.

Used by ``--select``/``--ignore``/``--extend-select``, the config file's
``select``/``ignore``/``per-file-ignores``/``severity`` keys and inline
suppressions, so a selector means the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from policylint.catalogue import CATEGORIES, RuleDoc

_PREFIX = re.compile(r"^[A-Z]{2}\d{0,3}$")


class SelectorError(ValueError):
    """An unknown selector; the message names it (and a close match when there is one)."""


def resolve(selector: str, catalogue: Mapping[str, RuleDoc]) -> frozenset[str]:
    """The rule codes a selector stands for; raises :class:`SelectorError` when none."""
    key = selector.strip()
    if not key:
        raise SelectorError("empty rule selector")
    if key.upper() == "ALL":
        return frozenset(catalogue)
    if key in CATEGORIES:
        return frozenset(c for c, d in catalogue.items() if d.category == key)
    up = key.upper()
    if up in catalogue:
        return frozenset({up})
    for code, doc in catalogue.items():
        if doc.name == key:
            return frozenset({code})
    if _PREFIX.match(up):
        codes = frozenset(c for c in catalogue if c.startswith(up))
        if codes:
            return codes
    raise SelectorError(f"unknown rule selector {selector!r}{_hint(key, catalogue)}")


def resolve_all(selectors: Iterable[str], catalogue: Mapping[str, RuleDoc]) -> frozenset[str]:
    out: set[str] = set()
    for s in selectors:
        out |= resolve(s, catalogue)
    return frozenset(out)


def _hint(key: str, catalogue: Mapping[str, RuleDoc]) -> str:
    import difflib

    names = [*catalogue, *(d.name for d in catalogue.values()), *CATEGORIES]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6) or difflib.get_close_matches(
        key.upper(), names, n=1, cutoff=0.6
    )
    return f" (did you mean {close[0]}?)" if close else ""


def split_list(values: Iterable[str]) -> tuple[str, ...]:
    """``--select PX,LK --select RV`` -> ("PX", "LK", "RV")."""
    return tuple(p.strip() for v in values for p in v.split(",") if p.strip())


@dataclass(frozen=True, slots=True)
class Selection:
    """Which rules are enabled: (select or ALL) + extend-select - ignore."""

    enabled: frozenset[str]

    @classmethod
    def build(
        cls,
        catalogue: Mapping[str, RuleDoc],
        select: Iterable[str] | None,
        extend_select: Iterable[str] = (),
        ignore: Iterable[str] = (),
    ) -> Selection:
        base = frozenset(catalogue) if select is None else resolve_all(select, catalogue)
        enabled = (base | resolve_all(extend_select, catalogue)) - resolve_all(ignore, catalogue)
        return cls(frozenset(enabled))

    def __contains__(self, code: object) -> bool:
        return code in self.enabled
