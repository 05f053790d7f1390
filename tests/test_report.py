"""Reporters against a hand-made LintResult: golden files, byte for byte.

Regenerate the golden files with ``POLICYLINT_UPDATE_GOLDEN=1 pytest tests/test_report.py``
and review the diff.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from conftest import make_device, reported

from policylint.engine import LintResult
from policylint.findings import Severity
from policylint.report import (
    ReportConfig,
    clean,
    count_line,
    exit_code,
    render,
    split_unsupported,
)
from policylint.report.human import frame_lines
from policylint.vendors import FileError, FileResult

GOLDEN = Path(__file__).parent / "golden"
VERSION = "0.0.0-test"
SECRET = "s3cr3t-do-not-print"

EDGE1 = f"""\
frr version 10.1
hostname r1
router bgp 65000
 neighbor 192.0.2.1 remote-as 64500
 neighbor 192.0.2.1 password {SECRET}
 address-family ipv4 unicast
  neighbor 192.0.2.1 route-map EXPORT out
  neighbor 192.0.2.1 route-map MISSING in
 exit-address-family
!
ip prefix-list OUT seq 5 permit 192.0.2.0/24 le 32
!
route-map EXPORT permit 10
 match ip address prefix-list OUT
 set as-path prepend 65000 65000 65000 65000 65000 65000 65000 65000
 set community 65000:1 additive
 set local-preference 200
 set metric 10
 set origin igp
 set weight 10
 set tag 5
 set src 192.0.2.9
 set ip next-hop peer-address
 set ipv6 next-hop prefer-global
 set atomic-aggregate
 set community-list DELETE delete
 on-match next
!
route-map EXPORT permit 20
!
line vty
 exec-timeout 0 0
"""


def sample_result() -> LintResult:
    edge = "edge1.conf"
    device = make_device(
        "r1", edge, unsupported=((31, "line vty"), (32, "exec-timeout 0 0"), (20, "set weight 10"))
    )
    files = (
        FileResult(edge, "frr", (device,), EDGE1.count("\n")),
        FileResult("blob.bin", None, (), 0, FileError("binary file, not a router configuration", 1)),
        FileResult("empty.conf", None, (), 0, note="empty file"),
        FileResult("xr.conf", "ios-xr", (), 12, note="ios-xr dialect not supported yet"),
    )
    findings = [
        reported(
            "PX101",
            edge,
            11,
            "route-map EXPORT permits 192.0.2.0/25 through /32 to 192.0.2.1 (AS64500): most networks "
            "drop IPv4 prefixes longer than /24, so these routes do not propagate",
            severity=Severity.ERROR,
            name="prefix-too-long",
            category="prefix-length",
        ),
        reported(
            "HY101",
            edge,
            4,
            "neighbor 192.0.2.1 (AS64500) has no maximum-prefix: a full table leaked by AS64500 "
            "is accepted [unbounded]",
            name="no-max-prefix",
        ),
        reported(
            "RF101",
            edge,
            8,
            "route-map MISSING is not defined: FRR denies every route from 192.0.2.1 (AS64500)",
            name="undefined-route-map",
            category="reference",
        ),
        reported(
            "PP103",
            edge,
            13,
            "route-map EXPORT prepends AS65000 8 times (more than 5): the path is longer than most "
            "Internet paths already, so the extra prepends move no traffic",
            name="excessive-prepend",
            category="prepend",
            end_line=27,
        ),
        *(
            reported(
                "PS003",
                edge,
                line,
                f"not modelled in top: `{text}`; its effect on routing is not checked",
                severity=Severity.INFO,
                name="not-modelled",
                category="parse",
            )
            for line, text in ((20, "set weight 10"), (31, "line vty"), (32, "exec-timeout 0 0"))
        ),
        reported(
            "PS001",
            "blob.bin",
            1,
            "binary file, not a router configuration",
            severity=Severity.ERROR,
            name="file-error",
            category="parse",
            device=None,
        ),
        reported(
            "PS004",
            "xr.conf",
            1,
            "ios-xr dialect not supported yet: the file was not linted",
            severity=Severity.INFO,
            name="unsupported-dialect",
            category="parse",
            device=None,
        ),
    ]
    findings.sort(key=lambda r: r.sort_key)
    return LintResult(files, tuple(findings))


def clean_result() -> LintResult:
    device = make_device("r9", "ok.conf")
    return LintResult((FileResult("ok.conf", "frr", (device,), 3),), ())


def _render(result: LintResult, fmt: str, config: ReportConfig) -> str:
    buf = io.StringIO()
    render(result, fmt, buf, config)
    return buf.getvalue()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cwd holding the config the code frames read; colour off, as in CI."""
    (tmp_path / "edge1.conf").write_text(EDGE1, encoding="utf-8")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02" * 100)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("POLICYLINT_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"{path} missing: run with POLICYLINT_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from the golden file (POLICYLINT_UPDATE_GOLDEN=1 updates it)"


GOLDEN_CASES = [
    ("full.txt", "full", ReportConfig(version=VERSION)),
    ("full_show_unsupported.txt", "full", ReportConfig(version=VERSION, show_unsupported=True)),
    ("concise.txt", "concise", ReportConfig(version=VERSION)),
    ("concise_show_unsupported.txt", "concise", ReportConfig(version=VERSION, show_unsupported=True)),
    ("report.json", "json", ReportConfig(version=VERSION)),
]


@pytest.mark.parametrize(("name", "fmt", "config"), GOLDEN_CASES, ids=[c[0] for c in GOLDEN_CASES])
def test_golden(workdir: Path, name: str, fmt: str, config: ReportConfig) -> None:
    check_golden(name, _render(sample_result(), fmt, config))


@pytest.mark.parametrize("fmt", ["full", "concise"])
def test_golden_clean(workdir: Path, fmt: str) -> None:
    check_golden(f"clean_{fmt}.txt", _render(clean_result(), fmt, ReportConfig(version=VERSION)))


@pytest.mark.parametrize("fmt", ["full", "concise", "json"])
@pytest.mark.parametrize("show", [False, True])
def test_secret_never_printed(workdir: Path, fmt: str, show: bool) -> None:
    text = _render(sample_result(), fmt, ReportConfig(show_unsupported=show))
    assert SECRET not in text


def test_full_frame_redacts_and_marks(workdir: Path) -> None:
    text = _render(sample_result(), "full", ReportConfig())
    assert "password <redacted>" in text
    assert "> 4 |  neighbor 192.0.2.1 remote-as 64500" in text
    assert "  5 |  neighbor 192.0.2.1 password <redacted>" in text
    assert "[unbounded]" in text  # rich markup is never interpreted
    assert "\x1b[" not in text
    assert all(len(line) <= 100 for line in text.splitlines())


def test_full_collapses_unsupported(workdir: Path) -> None:
    collapsed = _render(sample_result(), "full", ReportConfig())
    assert "line vty" not in collapsed
    assert "3 lines not modelled (first at line 20)" in collapsed
    shown = _render(sample_result(), "full", ReportConfig(show_unsupported=True))
    assert "`line vty`" in shown and "`exec-timeout 0 0`" in shown


def test_full_colour(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in _render(sample_result(), "full", ReportConfig())


def test_full_quiet_has_no_summary(workdir: Path) -> None:
    text = _render(sample_result(), "full", ReportConfig(quiet=True))
    assert "PX101" in text
    assert "Found" not in text and "Findings by category" not in text


def test_json_contract(workdir: Path) -> None:
    result = sample_result()
    doc = json.loads(_render(result, "json", ReportConfig(version=VERSION, fail_on="error")))
    assert list(doc) == ["schema_version", "tool", "files", "findings", "summary", "errors"]
    assert doc["schema_version"] == 1
    assert doc["tool"] == {"name": "policylint", "version": VERSION}
    assert set(doc["files"][0]) == {"path", "vendor", "devices", "lines", "unsupported", "error", "note"}
    assert doc["files"][0]["devices"] == ["r1"] and doc["files"][0]["unsupported"] == 3
    assert doc["files"][1]["error"] == "binary file, not a router configuration"
    keys = {"rule", "name", "category", "severity", "file", "line", "end_line", "device", "message"}
    assert all(set(f) == keys for f in doc["findings"])
    # JSON keeps every PS003 finding whatever the human formats collapse
    assert sum(f["rule"] == "PS003" for f in doc["findings"]) == 3
    summary = doc["summary"]
    assert summary["findings"] == len(result.findings) == 9
    assert summary["by_severity"] == {"error": 2, "warning": 3, "info": 4}
    assert summary["by_category"]["parse"] == 5 and summary["by_category"]["rpki"] == 0
    assert summary["exit_code"] == 2  # blob.bin could not be read
    assert (summary["files"], summary["devices"], summary["lines"]) == (4, 1, 44)


def test_concise_sorted_and_counted(workdir: Path) -> None:
    lines = _render(sample_result(), "concise", ReportConfig()).splitlines()
    assert lines[-1] == "Found 9 findings (2 errors, 3 warnings, 4 info)."
    body = lines[:-1]
    assert body == sorted(body, key=lambda s: (s.split(":")[0], int(s.split(":")[1])))
    assert body[0] == "blob.bin:1:1: PS001 [error] binary file, not a router configuration"


@pytest.mark.parametrize(("fail_on", "expected"), [("error", 1), ("warning", 1), ("info", 1), ("never", 0)])
def test_exit_code_levels(fail_on: str, expected: int) -> None:
    edge = "a.conf"
    res = LintResult(
        (FileResult(edge, "frr", (make_device("r1", edge),), 5),),
        (reported("PX101", edge, 1, "m", severity=Severity.ERROR),),
    )
    assert exit_code(res, fail_on) == expected


def test_exit_code_warning_below_error_threshold() -> None:
    edge = "a.conf"
    files = (FileResult(edge, "frr", (make_device("r1", edge),), 5),)
    warn = LintResult(files, (reported("HY101", edge, 1, "m"),))
    info = LintResult(files, (reported("PS003", edge, 1, "m", severity=Severity.INFO),))
    assert exit_code(warn, "error") == 0
    assert exit_code(warn, "warning") == 1
    assert exit_code(info, "warning") == 0
    assert exit_code(info, "info") == 1
    assert exit_code(LintResult(files, ()), "info") == 0


def test_exit_code_input_error_wins() -> None:
    res = sample_result()
    assert exit_code(res, "never") == 2
    assert exit_code(LintResult(clean_result().files, (), ("internal error in X",)), "warning") == 2


def test_split_unsupported() -> None:
    res = sample_result()
    shown, collapsed = split_unsupported(res.findings, False)
    assert all(r.rule != "PS003" for r in shown)
    assert collapsed["edge1.conf"].count == 3 and collapsed["edge1.conf"].line == 20
    shown_all, none = split_unsupported(res.findings, True)
    assert len(shown_all) == len(res.findings) and none == {}


def test_count_line() -> None:
    assert count_line(()) == "No findings."
    one = (reported("HY101", "a", 1, "m"),)
    assert count_line(one) == "Found 1 finding (0 errors, 1 warning, 0 info)."


def test_clean_strips_terminal_escapes() -> None:
    assert clean("a\x1b[2Jb\tc\x07") == "a?[2Jb    c?"
    assert clean("x\ny") == "x y"


def test_frame_lines_elides_long_spans() -> None:
    lines = [f"line {i}" for i in range(1, 41)]
    rows = frame_lines(lines, 5, 30)
    numbers = [n for n, _, _ in rows]
    assert numbers[0] == 4 and numbers[-1] == 31 and None in numbers
    assert len(rows) < 15
    assert [hit for n, hit, _ in rows if n in (4, 31)] == [False, False]
    assert frame_lines(lines, 41, 41) == []
    assert [n for n, _, _ in frame_lines(lines, 1, 1)] == [1, 2]


def test_full_crops_long_config_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    long_line = " description " + "x" * 300
    (tmp_path / "long.conf").write_text(f"router bgp 1\n{long_line}\n!\n", encoding="utf-8")
    res = LintResult(
        (FileResult("long.conf", "frr", (make_device("r1", "long.conf"),), 3),),
        (reported("HY101", "long.conf", 2, "a very long line " * 20),),
    )
    text = _render(res, "full", ReportConfig())
    assert "> 2 |  description xxxx" in text and "…" in text
    assert all(len(line) <= 100 for line in text.splitlines())
