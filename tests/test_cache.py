"""The per-file result cache: warm runs equal cold runs, edits and options invalidate entries."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policylint import engine
from policylint.cache import Cache
from policylint.checks.base import Check
from policylint.engine import lint_paths
from policylint.options import Options

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(SAMPLES, root)
    (root / "binary.conf").write_bytes(b"\x00\x01" * 100)
    (root / "notes.txt").write_text("not a router config\n")
    return root


def _entries(cache_dir: Path) -> list[Path]:
    return [p for p in cache_dir.rglob("*") if p.is_file()]


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = engine.load_bytes  # type: ignore[attr-defined]

    def spy(path: str, data: bytes, explicit: bool) -> object:
        parsed.append(path)
        return real(path, data, explicit)

    monkeypatch.setattr(engine, "load_bytes", spy)
    return parsed


def test_warm_run_equals_cold_and_parses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    cache = Cache.open(Options(), _checks(), tmp_path / "cache")
    reference = lint_paths([str(root)], jobs=1)
    parsed = _count_parses(monkeypatch)
    cold = lint_paths([str(root)], jobs=1, cache=cache)
    expected = [p.name for p in root.rglob("*") if p.is_file() and p.suffix not in (".md", ".csv")]
    assert sorted(Path(p).name for p in parsed) == sorted(expected)
    assert _entries(tmp_path / "cache")
    parsed.clear()
    warm = lint_paths([str(root)], jobs=1, cache=cache)
    assert [Path(p).name for p in parsed] == ["binary.conf"]  # input errors are never cached
    for run in (cold, warm):
        assert run.findings == reference.findings
        assert [f.counts for f in run.files] == [f.counts for f in reference.files]
    assert "AC101" in {f.rule for f in warm.findings}  # network scope re-runs on cached facts


def test_an_edit_relints_that_file_and_rechecks_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    cache = Cache.open(Options(), _checks(), tmp_path / "cache")
    before = lint_paths([str(root)], jobs=1, cache=cache)
    ac = [f for f in before.findings if f.rule == "AC101"]
    assert ac
    site = Path(ac[0].file)
    lines = site.read_text().splitlines()
    lines[ac[0].line - 1] = "!"  # drop the inconsistent prepend
    site.write_text("\n".join(lines) + "\n")
    parsed = _count_parses(monkeypatch)
    after = lint_paths([str(root)], jobs=1, cache=cache)
    assert sorted(Path(p) for p in parsed) == sorted([site, root / "binary.conf"])
    assert after.findings == lint_paths([str(root)], jobs=1).findings
    assert not [f for f in after.findings if f.rule == "AC101" and f.file == str(site)]


def test_options_and_checks_are_part_of_the_key(tmp_path: Path) -> None:
    a = Cache.open(Options(), _checks(), tmp_path)
    assert a.fingerprint == Cache.open(Options(), _checks(), tmp_path).fingerprint
    assert a.fingerprint != Cache.open(Options(max_prepends=2), _checks(), tmp_path).fingerprint
    assert a.fingerprint != Cache.open(Options(), _checks()[:-1], tmp_path).fingerprint
    assert a.key("x.conf", b"1") != a.key("y.conf", b"1")
    assert a.key("x.conf", b"1") != a.key("x.conf", b"2")


def test_corrupt_or_unwritable_cache_is_a_miss_not_an_error(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    reference = lint_paths([str(root)], jobs=1)
    cache = Cache.open(Options(), _checks(), tmp_path / "cache")
    lint_paths([str(root)], jobs=1, cache=cache)
    for entry in _entries(tmp_path / "cache"):
        entry.write_bytes(b"\x80garbage")
    assert lint_paths([str(root)], jobs=1, cache=cache).findings == reference.findings
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    unwritable = Cache.open(Options(), _checks(), blocked)
    result = lint_paths([str(root)], jobs=1, cache=unwritable)
    assert result.findings == reference.findings
    assert not result.tool_errors


def test_parallel_run_fills_and_reads_the_same_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    monkeypatch.setattr(engine, "_PARALLEL_MIN_BYTES", 0)
    cache = Cache.open(Options(), _checks(), tmp_path / "cache")
    reference = lint_paths([str(root)], jobs=1)
    assert lint_paths([str(root)], jobs=2, cache=cache).findings == reference.findings
    assert lint_paths([str(root)], jobs=1, cache=cache).findings == reference.findings


def _checks() -> tuple[Check, ...]:
    from policylint.checks.registry import CHECKS

    return tuple(CHECKS)
