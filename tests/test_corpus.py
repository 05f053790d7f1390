"""Robustness on ../shared/corpus/frr (959 real FRR topotest configs); skipped when absent."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from policylint.engine import lint_paths

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not (SHARED / "frr").is_dir(), reason="../shared/corpus is not present"),
]


def _frr_verdicts() -> dict[str, str]:
    with (SHARED / "SOURCES.tsv").open(encoding="utf-8") as fh:
        return {
            row["file"]: row["frr_8.4_dryrun_ok"]
            for row in csv.DictReader(fh, delimiter="\t")
            if row["file"].startswith("frr/")
        }


def test_frr_corpus_lints_without_errors() -> None:
    result = lint_paths([str(SHARED / "frr")])
    assert not result.tool_errors
    assert len(result.files) == len(list((SHARED / "frr").iterdir()))
    assert all(f.error is None for f in result.files), [f.path for f in result.files if f.error]
    assert all(f.vendor == "frr" for f in result.files)
    verdicts = _frr_verdicts()
    accepted_with_issues = [
        (r.file, r.line, r.message)
        for r in result.findings
        if r.rule in ("PS001", "PS002") and verdicts.get("frr/" + Path(r.file).name) == "yes"
    ]
    assert accepted_with_issues == []
    # most BGP lines are modelled, not merely skipped
    modelled = sum(f.counts.modelled for f in result.files)
    unsupported = sum(f.counts.unsupported for f in result.files)
    assert modelled > 4 * unsupported


def test_cisco_files_are_recognised_not_misparsed() -> None:
    cisco = SHARED / "cisco"
    if not cisco.is_dir():
        pytest.skip("no cisco corpus")
    result = lint_paths([str(cisco)])
    assert not result.tool_errors
    assert all(f.error is None for f in result.files)
    # Cisco-family files are recognised as such (the few left are plain `router bgp` snippets
    # that are equally valid FRR); none is an input error
    as_frr = [f.path for f in result.files if f.vendor == "frr"]
    assert len(as_frr) < 0.2 * len(result.files), as_frr[:10]
