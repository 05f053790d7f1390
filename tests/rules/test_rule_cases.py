"""Run every case of every rules/<CODE>.yaml: the catalogue is the rules' test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from policylint.catalogue import RuleCase, RuleDoc, load_catalogue
from policylint.checks.registry import CHECKS, ENGINE_RULES
from policylint.engine import lint_files
from policylint.loader import load_text
from policylint.options import Options
from policylint.rpki import load_vrps_text
from policylint.vendors import FileResult

CATALOGUE = load_catalogue()
CASES = [(doc, case) for doc in CATALOGUE.values() for case in doc.cases]


def _ids() -> list[str]:
    return [f"{doc.code}-{i}-{case.name}" for i, (doc, case) in enumerate(CASES)]


def test_every_check_has_a_catalogue_entry_and_back() -> None:
    codes = {c.code for c in CHECKS} | set(ENGINE_RULES)
    assert codes == set(CATALOGUE), f"checks without docs or docs without checks: {codes ^ set(CATALOGUE)}"


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_rule_has_firing_and_silent_cases(code: str) -> None:
    doc = CATALOGUE[code]
    assert any(c.expect for c in doc.cases), f"{code} has no firing case"
    assert any(not c.expect for c in doc.cases), f"{code} has no silent case"


@pytest.mark.parametrize(("doc", "case"), CASES, ids=_ids())
def test_rule_case(doc: RuleDoc, case: RuleCase, tmp_path: Path) -> None:
    files: list[FileResult] = []
    for name, text in case.files.items():
        res = load_text(name, text, explicit=True)
        assert res is not None
        files.append(res)
    checks = [c for c in CHECKS if c.code == doc.code]
    options = Options() if case.vrps is None else Options(vrps=load_vrps_text(case.vrps, "case.vrps"))
    result = lint_files(files, options, checks)
    assert not result.tool_errors, result.tool_errors
    fired = sorted(f"{r.file}:{r.line}" for r in result.findings if r.rule == doc.code)
    assert fired == sorted(case.expect), "\n".join(
        f"{r.file}:{r.line} {r.rule} {r.message}" for r in result.findings if r.rule == doc.code
    )
