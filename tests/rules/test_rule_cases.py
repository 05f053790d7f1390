"""Run every case of every rules/<CODE>.yaml: the catalogue is the rules' test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from policylint import suppress
from policylint.catalogue import RuleCase, RuleDoc, load_catalogue
from policylint.checks.registry import CHECKS, ENGINE_RULES
from policylint.engine import LintResult, lint_files
from policylint.loader import load_text
from policylint.options import Options
from policylint.pipeline import Settings, postprocess
from policylint.rpki import load_vrps_text
from policylint.vendors import FileResult

CATALOGUE = load_catalogue()
CASES = [(doc, case) for doc in CATALOGUE.values() for case in doc.cases]


def cross_checked(result: LintResult, files: list[FileResult], answer: str, options: Options) -> LintResult:
    pytest.importorskip("pybatfish")
    from batfish_recorded import RecordedService

    from policylint.batfish.crosscheck import cross_check, merged

    service = RecordedService({"searchRoutePolicies": answer})
    return merged(result, cross_check(service, [d for f in files for d in f.devices], options))


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


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_rule_has_firing_and_silent_cases_per_vendor(code: str) -> None:
    """Each vendor a rule has cases for gets both a firing and a silent one."""
    doc = CATALOGUE[code]
    for vendor in {c.vendor for c in doc.cases}:
        cases = [c for c in doc.cases if c.vendor == vendor]
        assert any(c.expect for c in cases), f"{code} has no firing {vendor} case"
        assert any(not c.expect for c in cases), f"{code} has no silent {vendor} case"


@pytest.mark.parametrize(("doc", "case"), CASES, ids=_ids())
def test_rule_case(doc: RuleDoc, case: RuleCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the files are on disk: suppression comments are read from them
    files: list[FileResult] = []
    # FRR and mixed-vendor cases go through vendor detection; other vendors' cases are parsed as declared
    vendor = None if case.vendor in ("frr", "mixed") else case.vendor
    for name, text in case.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
        res = load_text(name, text, explicit=True, vendor=vendor)
        assert res is not None
        files.append(res)
    if case.vendor == "mixed":  # the files really are of different vendors, each detected
        assert len({f.vendor for f in files}) >= 2, [f.vendor for f in files]
    checks = [c for c in CHECKS if doc.code in (c.code, suppress.CODE)]
    options = Options() if case.vrps is None else Options(vrps=load_vrps_text(case.vrps, "case.vrps"))
    result = lint_files(files, options, checks)
    assert not result.tool_errors, result.tool_errors
    if case.batfish is not None:  # PS007: the recorded Batfish answer stands in for the service
        result = cross_checked(result, files, case.batfish, options)
    # the CI-gate steps (inline suppressions, PS005) with default settings: every rule enabled
    result = postprocess(result, Settings(), CATALOGUE, frozenset(CATALOGUE)).result
    assert not result.tool_errors, result.tool_errors
    fired = sorted(f"{r.file}:{r.line}" for r in result.findings if r.rule == doc.code)
    assert fired == sorted(case.expect), "\n".join(
        f"{r.file}:{r.line} {r.rule} {r.message}" for r in result.findings if r.rule == doc.code
    )
