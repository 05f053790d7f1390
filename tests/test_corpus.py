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
    result = lint_paths([str(cisco)], jobs=1)  # one process: the test reads the Devices
    assert not result.tool_errors
    assert all(f.error is None for f in result.files)
    # Cisco-family files are recognised as such (the few left are plain `router bgp` snippets
    # that are equally valid FRR); none is an input error
    as_frr = [f.path for f in result.files if f.vendor == "frr"]
    assert len(as_frr) < 0.2 * len(result.files), as_frr[:10]


def test_cisco_corpus_ios_is_modelled_and_other_dialects_are_noted() -> None:
    cisco = SHARED / "cisco"
    if not cisco.is_dir():
        pytest.skip("no cisco corpus")
    result = lint_paths([str(cisco)], jobs=1)  # one process: the test reads the Devices
    assert not result.tool_errors
    assert all(f.error is None for f in result.files), [(f.path, f.error) for f in result.files if f.error]
    ios = [f for f in result.files if f.vendor == "ios"]
    assert len(ios) > 200
    modelled = sum(d.modelled_lines for f in ios for d in f.devices)
    unsupported = sum(len(d.unsupported) for f in ios for d in f.devices)
    assert modelled > 10 * unsupported
    assert sum(len(d.neighbors) for f in ios for d in f.devices) > 300
    # IOS-XR, NX-OS, EOS and ASA files are never parsed as IOS (a few IOS routers that sit in
    # those vendors' test snapshots are named "ios-...-listener" and are IOS)
    for f in result.files:
        dialect = Path(f.path).parent.name
        if dialect in ("ios-xr", "nx-os", "eos", "asa") and f.vendor == "ios":
            assert "ios" in Path(f.path).name, f.path
    noted = [f for f in result.files if f.note and "not supported yet" in f.note]
    assert len(noted) >= 150


def test_exabgp_corpus_parses_without_tracebacks() -> None:
    exa = SHARED / "exabgp"
    if not exa.is_dir():
        pytest.skip("no exabgp corpus")
    result = lint_paths([str(exa)], jobs=1)  # one process: the test reads the Devices
    assert not result.tool_errors
    assert len(result.files) == len(list(exa.iterdir()))
    assert all(f.vendor == "exabgp" for f in result.files)
    errors = [f for f in result.files if f.error is not None]
    # one corpus file has a stray `}` that ExaBGP 5 accepts and we refuse (see the oracle script)
    assert len(errors) <= 1, [(f.path, f.error) for f in errors]
    assert all(f.error.message.startswith("ExaBGP syntax error") for f in errors if f.error)
    v3 = [f for f in result.files if Path(f.path).name.startswith("3x__")]
    assert sum(1 for f in v3 if f.note) >= len(v3) // 2
    later = [f for f in result.files if not Path(f.path).name.startswith("3x__")]
    assert all(f.note is None for f in later), [f.path for f in later if f.note]
    devices = [d for f in later for d in f.devices]
    assert sum(len(d.neighbors) for d in devices) > 150
    assert sum(len(d.originations) for d in devices) > 100
