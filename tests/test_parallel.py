"""Worker processes change nothing: a parallel lint equals a serial one, finding for finding."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from policylint import engine
from policylint.engine import LintResult, lint_paths
from policylint.report import ReportConfig
from policylint.report.json_report import render

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _repo(tmp_path: Path) -> Path:
    """samples/ (with its network-scope anycast finding) plus bad and odd files."""
    root = tmp_path / "repo"
    shutil.copytree(SAMPLES, root / "samples")
    (root / "bad").mkdir()
    (root / "bad" / "binary.conf").write_bytes(b"\x00\x01\x02router bgp 1\n" * 50)
    (root / "bad" / "broken.conf").write_text(
        "frr version 8.4\nrouter bgp 65001\n neighbor 192.0.2.1 remote-as 65002\n"
        "ip prefix-list X seq 5 permit 10.0.0.0/33\nip prefix-list X seq 10 permit 10.0.0.0/8 ge 4\n"
    )
    (root / "notes.txt").write_text("just some notes, not a router config\n")
    return root


def _json(result: LintResult) -> str:
    out = io.StringIO()
    render(result, out, ReportConfig())
    return out.getvalue()


@pytest.mark.parametrize("jobs", [2, 3])
def test_parallel_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    root = _repo(tmp_path)
    serial = lint_paths([str(root)], jobs=1)
    monkeypatch.setattr(engine, "_PARALLEL_MIN_BYTES", 0)  # force the pool for this small tree
    calls: list[int] = []
    from policylint import parallel

    real_run = parallel.run

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real_run(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "run", spy)
    pooled = lint_paths([str(root)], jobs=jobs)
    assert calls, "the worker pool was not used"
    assert {f.rule for f in serial.findings} >= {"AC101", "PS001", "PS002"}
    assert pooled.findings == serial.findings
    assert pooled.tool_errors == serial.tool_errors
    assert [f.path for f in pooled.files] == [f.path for f in serial.files]
    assert [f.counts for f in pooled.files] == [f.counts for f in serial.files]
    assert all(not f.devices for f in pooled.files)  # Devices stay in the workers
    assert _json(pooled) == _json(serial)


def test_progress_reaches_the_total_in_parallel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path)
    monkeypatch.setattr(engine, "_PARALLEL_MIN_BYTES", 0)
    seen: list[tuple[int, int]] = []
    lint_paths([str(root)], jobs=2, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_small_runs_stay_in_process(tmp_path: Path) -> None:
    """The pre-commit case (a few small files) never pays for a pool."""
    result = lint_paths([str(SAMPLES)], jobs=4)
    assert all(f.devices for f in result.files)
