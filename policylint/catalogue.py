"""The rule catalogue: ``rules/<CODE>.yaml``, one file per rule.

Each entry names the rule and documents it (summary, why, examples, references)
and carries its test cases, which ``tests/rules`` runs.  The check code lives in
``policylint.checks``; the two are joined by code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from policylint.findings import Severity
from policylint.resources import rules_dir

CATEGORIES: dict[str, str] = {
    "prefix-length": "PX",
    "rpki": "RV",
    "leak": "LK",
    "prepend": "PP",
    "reference": "RF",
    "hygiene": "HY",
    "security": "SC",
    "anycast": "AC",
    "parse": "PS",
}


@dataclass(frozen=True, slots=True)
class RuleCase:
    name: str
    vendor: str
    files: dict[str, str]  # file name -> config text
    expect: tuple[str, ...]  # "file:line" expected to fire; () = must stay silent
    vendor_valid: bool  # the snippet is valid for the vendor's own parser (oracle-checked)
    vrps: str | None = None  # RPKI data rules: a VRP file's content (any format the loaders read)
    batfish: str | None = None  # PS007: a recorded searchRoutePolicies answer (Batfish table-answer JSON)


@dataclass(frozen=True, slots=True)
class RuleDoc:
    code: str
    name: str
    category: str
    severity: Severity
    scope: str  # "device" | "network" | "file"
    summary: str
    why: str
    example_bad: str
    example_good: str
    references: tuple[str, ...]
    cases: tuple[RuleCase, ...]


class CatalogueError(Exception):
    pass


def _case(code: str, raw: dict[str, Any]) -> RuleCase:
    vendor = str(raw.get("vendor", "frr"))
    if "config" in raw:
        files = {"case.conf": str(raw["config"])}
        expect = tuple(f"case.conf:{int(x)}" for x in raw.get("expect", []))
    else:
        files = {str(k): str(v) for k, v in dict(raw["files"]).items()}
        expect = tuple(str(x) for x in raw.get("expect", []))
    return RuleCase(
        name=str(raw.get("name", "")),
        vendor=vendor,
        files=files,
        expect=expect,
        vendor_valid=bool(raw.get("vendor_valid", True)),
        vrps=str(raw["vrps"]) if raw.get("vrps") is not None else None,
        batfish=str(raw["batfish"]) if raw.get("batfish") is not None else None,
    )


def _doc(raw: dict[str, Any]) -> RuleDoc:
    code = str(raw["code"])
    category = str(raw["category"])
    if category not in CATEGORIES or not code.startswith(CATEGORIES[category]):
        raise CatalogueError(f"{code}: category {category!r} does not fit the code")
    return RuleDoc(
        code=code,
        name=str(raw["name"]),
        category=category,
        severity=Severity(str(raw["severity"])),
        scope=str(raw.get("scope", "device")),
        summary=str(raw["summary"]).strip(),
        why=str(raw["why"]).strip(),
        example_bad=str(raw.get("example_bad", "")).rstrip(),
        example_good=str(raw.get("example_good", "")).rstrip(),
        references=tuple(str(r) for r in raw.get("references", [])),
        cases=tuple(_case(code, c) for c in raw.get("cases", [])),
    )


@cache
def load_catalogue() -> dict[str, RuleDoc]:
    """All rule docs by code, sorted by code."""
    docs: dict[str, RuleDoc] = {}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted(rules_dir().glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            raw = yaml.load(fh, Loader=loader)
        doc = _doc(raw)
        if doc.code != path.stem:
            raise CatalogueError(f"{path.name}: code {doc.code} does not match the file name")
        docs[doc.code] = doc
    return docs


def lookup(code_or_name: str) -> RuleDoc | None:
    cat = load_catalogue()
    key = code_or_name.strip()
    if key.upper() in cat:
        return cat[key.upper()]
    for doc in cat.values():
        if doc.name == key:
            return doc
    return None
