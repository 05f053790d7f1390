"""The command line: exit codes, formats, --output, rules/rule, no tracebacks.

In-process tests run the real loader and FRR parser with a fixed catalogue and
two tiny checks (so they do not move when the rule set grows); the subprocess
tests run ``python -m policylint`` as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from conftest import needs_registry
from typer.testing import CliRunner

from policylint import __version__
from policylint.checks.base import Check
from policylint.findings import Finding
from policylint.model import Device
from policylint.options import Options

REPO = Path(__file__).resolve().parent.parent

CLEAN = """\
frr version 10.1
frr defaults traditional
hostname r1
router bgp 65000
 neighbor 192.0.2.1 remote-as 64500
 neighbor 192.0.2.1 description fine
!
"""
ERROR = CLEAN.replace("description fine", "description BAD peer")
WARN = CLEAN.replace("description fine", "description WARN peer")
UNSUPPORTED = CLEAN.replace(" neighbor 192.0.2.1 description fine\n", " neighbor 192.0.2.1 frobnicate 7\n")


def _crash(dev: Device, opts: Options) -> Iterable[Finding]:
    raise RuntimeError("boom")


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for name, text in (("clean.conf", CLEAN), ("error.conf", ERROR), ("warn.conf", WARN)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "unsupported.conf").write_text(UNSUPPORTED, encoding="utf-8")
    yield tmp_path


def invoke(*args: str) -> tuple[int, str, str]:
    from policylint.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def run_module(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "policylint", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env=env,
        timeout=120,
        check=False,
    )


# --------------------------------------------------------------------------- exit codes


@pytest.mark.usefixtures("fake_checks", "cwd")
@pytest.mark.parametrize(
    ("file", "fail_on", "expected"),
    [
        ("clean.conf", "warning", 0),
        ("clean.conf", "info", 0),
        ("error.conf", "warning", 1),
        ("error.conf", "error", 1),
        ("error.conf", "never", 0),
        ("warn.conf", "warning", 1),
        ("warn.conf", "error", 0),
        ("unsupported.conf", "warning", 0),
        ("unsupported.conf", "info", 1),
    ],
)
def test_exit_codes(file: str, fail_on: str, expected: int) -> None:
    code, _, stderr = invoke("lint", file, "--fail-on", fail_on)
    assert code == expected
    assert stderr == ""


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_default_fail_on_is_warning() -> None:
    assert invoke("lint", "warn.conf")[0] == 1
    assert invoke("lint", "clean.conf")[0] == 0


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_input_error_wins_over_findings() -> None:
    code, stdout, stderr = invoke("lint", "error.conf", "missing.conf", "--format", "concise")
    assert code == 2
    assert "error.conf:5:1: PX101 [error]" in stdout
    assert stderr == "policylint: error: missing.conf: no such file or directory\n"


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_directory_is_walked(cwd: Path) -> None:
    sub = cwd / "site" / "deep"
    sub.mkdir(parents=True)
    (sub / "r2.conf").write_text(ERROR, encoding="utf-8")
    (cwd / "site" / "README.md").write_text("# not a config\n", encoding="utf-8")
    code, stdout, _ = invoke("lint", "site", "--format", "json")
    assert code == 1
    doc = json.loads(stdout)
    assert [f["path"] for f in doc["files"]] == [os.path.join("site", "deep", "r2.conf")]


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_empty_directory_warns(cwd: Path) -> None:
    (cwd / "nothing").mkdir()
    (cwd / "nothing" / "notes.md").write_text("# hi\n", encoding="utf-8")
    code, stdout, stderr = invoke("lint", "nothing", "-f", "concise")
    assert (code, stdout) == (0, "No findings.\n")
    assert stderr == "policylint: warning: no router configuration files found\n"


# --------------------------------------------------------------------------- formats and options


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_json_format() -> None:
    code, stdout, _ = invoke("lint", "error.conf", "clean.conf", "--format", "json", "--fail-on", "error")
    doc = json.loads(stdout)
    assert code == doc["summary"]["exit_code"] == 1
    assert doc["tool"] == {"name": "policylint", "version": __version__}
    assert [f["path"] for f in doc["files"]] == ["error.conf", "clean.conf"]
    px = [f for f in doc["findings"] if f["rule"] == "PX101"]
    assert px == [
        {
            "rule": "PX101",
            "name": "prefix-too-long",
            "category": "prefix-length",
            "severity": "error",
            "file": "error.conf",
            "line": 5,
            "end_line": 5,
            "device": "r1",
            "message": "neighbor 192.0.2.1 (AS64500) is described as bad",
        }
    ]


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_paths_kept_as_given(cwd: Path) -> None:
    _, stdout, _ = invoke("lint", "./error.conf", str(cwd / "clean.conf"), "--format", "json")
    assert [f["path"] for f in json.loads(stdout)["files"]] == ["./error.conf", str(cwd / "clean.conf")]


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_concise_format() -> None:
    code, stdout, _ = invoke("lint", "error.conf", "--format", "concise")
    assert code == 1
    assert stdout.splitlines() == [
        "error.conf:5:1: PX101 [error] neighbor 192.0.2.1 (AS64500) is described as bad",
        "Found 1 finding (1 error, 0 warnings, 0 info).",
    ]
    assert invoke("lint", "clean.conf", "-f", "concise")[1] == "No findings.\n"
    quiet = invoke("lint", "error.conf", "--format", "concise", "--quiet")[1]
    assert "Found" not in quiet and "PX101" in quiet


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_full_format_has_frame_and_summary() -> None:
    code, stdout, _ = invoke("lint", "error.conf")
    assert code == 1
    assert "error.conf:5: PX101 [error] prefix-too-long on r1" in stdout
    assert ">  5 |  neighbor 192.0.2.1 remote-as 64500" not in stdout
    assert "> 5 |  neighbor 192.0.2.1 remote-as 64500" in stdout
    assert "Findings by category" in stdout
    assert "Found 1 finding (1 error, 0 warnings, 0 info). Failing: findings at or above warning." in stdout


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_show_unsupported() -> None:
    collapsed = invoke("lint", "unsupported.conf", "-f", "concise")[1]
    assert "frobnicate" not in collapsed
    assert "unsupported.conf:6:1: PS003 [info] 1 line not modelled" in collapsed
    shown = invoke("lint", "unsupported.conf", "-f", "concise", "--show-unsupported")[1]
    assert "`neighbor 192.0.2.1 frobnicate 7`" in shown
    full = invoke("lint", "unsupported.conf", "--show-unsupported")[1]
    assert "> 6 |  neighbor 192.0.2.1 frobnicate 7" in full
    as_json = json.loads(invoke("lint", "unsupported.conf", "-f", "json")[1])
    assert [f["rule"] for f in as_json["findings"]] == ["PS003"]


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_output_file(cwd: Path) -> None:
    code, stdout, _ = invoke("lint", "error.conf", "--format", "json", "--output", "out/report.json")
    assert code == 2  # out/ does not exist: a clear error, not a traceback
    code, stdout, stderr = invoke("lint", "error.conf", "--format", "json", "--output", "report.json")
    assert (code, stdout, stderr) == (1, "", "")
    assert json.loads((cwd / "report.json").read_text(encoding="utf-8"))["summary"]["findings"] == 1
    invoke("lint", "error.conf", "--output", "report.txt")
    text = (cwd / "report.txt").read_text(encoding="utf-8")
    assert "PX101" in text and "\x1b[" not in text


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_output_file_unwritable(cwd: Path) -> None:
    code, _, stderr = invoke("lint", "error.conf", "--output", "no/such/dir/r.txt")
    assert code == 2
    assert stderr.startswith("policylint: error: cannot write no/such/dir/r.txt")


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_max_prepends_reaches_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Options] = []

    def spy(dev: Device, opts: Options) -> Iterable[Finding]:
        seen.append(opts)
        return ()

    sys.modules["policylint.checks.registry"].CHECKS = [Check("PX101", device=spy)]  # type: ignore[attr-defined]
    assert invoke("lint", "clean.conf", "--max-prepends", "3")[0] == 0
    assert seen and seen[-1].max_prepends == 3
    assert invoke("lint", "clean.conf", "--max-prepends", "-1")[0] == 2


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_bad_usage_exits_2() -> None:
    assert invoke("lint", "clean.conf", "--format", "xml")[0] == 2
    assert invoke("lint", "clean.conf", "--fail-on", "sometimes")[0] == 2
    assert invoke("lint")[0] == 2
    assert invoke("frobnicate")[0] == 2


@pytest.mark.usefixtures("fixed_rules", "cwd")
def test_crashing_check_is_a_tool_error(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("policylint.checks.registry")
    module.CHECKS = [Check("PX101", device=_crash)]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "policylint.checks.registry", module)
    code, _, stderr = invoke("lint", "clean.conf", "-f", "concise")
    assert code == 2
    assert "policylint: error: internal error in PX101 (prefix-too-long): RuntimeError: boom" in stderr
    assert "Traceback" not in stderr


@pytest.mark.usefixtures("fake_checks", "cwd")
def test_unexpected_exception_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import policylint.engine

    def explode(*args: object, **kwargs: object) -> None:
        raise ValueError("kaboom")

    monkeypatch.setattr(policylint.engine, "lint_paths", explode)
    code, _, stderr = invoke("lint", "clean.conf")
    assert code == 2
    assert stderr == "policylint: error: internal error: ValueError: kaboom\n"
    # the console-script entry point (app()) guards too
    from policylint.cli import app

    monkeypatch.setattr(sys, "argv", ["policylint", "lint", "clean.conf"])
    with pytest.raises(SystemExit) as exc:
        app()
    assert exc.value.code == 2


def test_progress_bar_only_for_many_files() -> None:
    from policylint.cli import _ProgressBar

    bar = _ProgressBar()
    for i in range(1, 11):
        bar(i, 10)
    assert bar._bar is None
    bar(1, 51)
    assert bar._bar is not None
    bar.close()
    assert bar._bar is None


# --------------------------------------------------------------------------- rules / rule / version


@pytest.mark.usefixtures("fixed_rules")
def test_rules_table_plain() -> None:
    code, stdout, _ = invoke("rules")
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].split() == ["code", "name", "category", "severity", "summary"]
    assert lines[1].startswith("PS001  file-error ")
    px = next(line for line in lines if line.startswith("PX101"))
    assert px.split()[:4] == ["PX101", "prefix-too-long", "prefix-length", "error"]
    assert px.endswith("An export policy permits prefixes longer than the Internet accepts.")


@pytest.mark.usefixtures("fixed_rules")
def test_rules_json() -> None:
    code, stdout, _ = invoke("rules", "--format", "json")
    rows = json.loads(stdout)
    assert code == 0
    assert [r["code"] for r in rows] == ["PS001", "PS002", "PS003", "PS004", "PX101"]
    assert set(rows[0]) == {"code", "name", "category", "severity", "scope", "summary"}


@pytest.mark.usefixtures("fixed_rules")
@pytest.mark.parametrize("key", ["PX101", "px101", "prefix-too-long"])
def test_rule_explains(key: str) -> None:
    code, stdout, _ = invoke("rule", key)
    assert code == 0
    assert stdout.startswith("# prefix-too-long (PX101)\n")
    for part in (
        "Category: prefix-length",
        "Default severity: error",
        "## What it does",
        "## Why is this bad?",
        "Most networks drop IPv4 prefixes longer than /24",
        "## Example\n\n```\nip prefix-list OUT seq 5 permit 192.0.2.0/24 le 32\n```",
        "## Use instead\n\n```\nip prefix-list OUT seq 5 permit 192.0.2.0/24\n```",
        "## References\n\n- RFC 7454 section 6.1.3",
    ):
        assert part in stdout


@pytest.mark.usefixtures("fixed_rules")
def test_unknown_rule() -> None:
    code, stdout, stderr = invoke("rule", "PX1O1")
    assert code == 2 and stdout == ""
    assert stderr.startswith("policylint: error: unknown rule 'PX1O1' (did you mean PX101?)")


def test_version_subprocess() -> None:
    proc = run_module("--version")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"policylint {__version__}\n", "")


def test_subprocess_unknown_rule(tmp_path: Path) -> None:
    proc = run_module("rule", "XX999", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("policylint: error: unknown rule 'XX999'")
    assert len(proc.stderr.splitlines()) == 1


@needs_registry
def test_subprocess_missing_file(tmp_path: Path) -> None:
    proc = run_module("lint", "does-not-exist.conf", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "policylint: error: does-not-exist.conf: no such file or directory" in proc.stderr


@needs_registry
def test_subprocess_lint_samples() -> None:
    """End to end with the real parser, checks and catalogue."""
    proc = run_module("lint", "samples", "--format", "json", "--fail-on", "never")
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["files"] >= 2 and doc["summary"]["exit_code"] == 0
    assert "s3cr3t-do-not-print" not in proc.stdout
