"""Hostile and broken input: never a traceback, always a clear line and the right exit code.

Each test runs twice: in process (real loader and FRR parser, a fixed catalogue and
two tiny checks) and as ``python -m policylint`` with everything real (skipped
until ``policylint/checks/registry.py`` exists).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import needs_registry
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent

GOOD = """\
frr version 10.1
frr defaults traditional
hostname good1
router bgp 65000
 neighbor 192.0.2.1 remote-as 64500
 neighbor 192.0.2.1 description BAD transit
 address-family ipv4 unicast
  neighbor 192.0.2.1 route-map MISSING-IN in
 exit-address-family
!
"""

SECRETS = ("s3cr3t-do-not-print", "zebra", "k3y-str1ng-do-not-print", "3nable-do-not-print")
SECRET_CONFIG = """\
frr version 10.1
frr defaults traditional
hostname sec1
password zebra
enable password 3nable-do-not-print
!
key chain PEERS
 key 1
  key-string k3y-str1ng-do-not-print
!
router bgp 65000
 neighbor 192.0.2.1 remote-as 64500
 neighbor 192.0.2.1 description BAD transit
 neighbor 192.0.2.1 password s3cr3t-do-not-print
 neighbor 192.0.2.1 frobnicate password s3cr3t-do-not-print
!
"""


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def assert_no_traceback(self) -> None:
        assert "Traceback" not in self.stdout
        assert "Traceback" not in self.stderr


Lint = Callable[..., Run]


def _inproc(*args: str) -> Run:
    from policylint.cli import app

    result = CliRunner().invoke(app, ["lint", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return Run(result.exit_code, result.stdout, result.stderr)


def _subprocess(cwd: Path) -> Lint:
    def run(*args: str) -> Run:
        env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
        env.pop("FORCE_COLOR", None)
        proc = subprocess.run(
            [sys.executable, "-m", "policylint", "lint", *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
            timeout=180,
            check=False,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture(params=["inproc", pytest.param("subprocess", marks=needs_registry)])
def lint(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lint:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    if request.param == "inproc":
        request.getfixturevalue("fake_checks")
        return _inproc
    return _subprocess(tmp_path)


def _binary(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 64 + b"\x00\x00\xff\xfe")


def test_binary_file(lint: Lint, tmp_path: Path) -> None:
    _binary(tmp_path / "blob.conf")
    for fmt in ("full", "concise", "json"):
        run = lint("blob.conf", "--format", fmt)
        run.assert_no_traceback()
        assert run.code == 2
        assert "policylint: error: blob.conf:1: binary file, not a router configuration\n" in run.stderr
        assert "\x00" not in run.stdout


def test_empty_file(lint: Lint, tmp_path: Path) -> None:
    (tmp_path / "empty.conf").write_text("", encoding="utf-8")
    (tmp_path / "blank.conf").write_text("\n  \n\n", encoding="utf-8")
    run = lint("empty.conf", "blank.conf")
    run.assert_no_traceback()
    assert run.code == 0
    assert "empty.conf: empty file, not linted" in run.stdout
    doc = json.loads(lint("empty.conf", "--format", "json").stdout)
    assert doc["files"][0]["note"] == "empty file"


def test_not_a_router_config(lint: Lint, tmp_path: Path) -> None:
    (tmp_path / "notes.conf").write_text("Shopping list:\n- eggs\n- milk\n", encoding="utf-8")
    run = lint("notes.conf", "--format", "concise")
    run.assert_no_traceback()
    assert run.code == 2
    assert (
        "policylint: error: notes.conf:1: not recognised as an FRR, Cisco or ExaBGP configuration"
        in run.stderr
    )


def test_nonexistent_path(lint: Lint) -> None:
    run = lint("nowhere/r1.conf", "--format", "json")
    run.assert_no_traceback()
    assert run.code == 2
    assert run.stderr == "policylint: error: nowhere/r1.conf: no such file or directory\n"
    assert json.loads(run.stdout)["files"][0]["error"] == "no such file or directory"


def test_directory_with_good_and_binary_file(lint: Lint, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "good.conf").write_text(GOOD, encoding="utf-8")
    _binary(site / "firmware.conf")
    for fmt in ("full", "concise", "json"):
        run = lint("site", "--format", fmt)
        run.assert_no_traceback()
        assert run.code == 2, fmt
        bad = os.path.join("site", "firmware.conf")
        assert f"policylint: error: {bad}:1: binary file" in run.stderr
        good = os.path.join("site", "good.conf")
        assert good in run.stdout
        if fmt == "json":
            doc = json.loads(run.stdout)
            assert {f["path"]: f["devices"] for f in doc["files"]}[good] == ["good1"]
            assert any(f["file"] == good and f["severity"] != "info" for f in doc["findings"])


@pytest.mark.parametrize(
    ("fmt", "extra"),
    [("full", ("--show-unsupported",)), ("full", ()), ("concise", ("--show-unsupported",)), ("json", ())],
)
def test_secrets_never_printed(lint: Lint, tmp_path: Path, fmt: str, extra: tuple[str, ...]) -> None:
    (tmp_path / "sec.conf").write_text(SECRET_CONFIG, encoding="utf-8")
    run = lint("sec.conf", "--format", fmt, "--fail-on", "never", *extra)
    run.assert_no_traceback()
    assert run.code == 0, run.stderr
    assert "sec.conf" in run.stdout
    for secret in SECRETS:
        assert secret not in run.stdout
        assert secret not in run.stderr


def test_terminal_escapes_are_neutralised(lint: Lint, tmp_path: Path) -> None:
    evil = GOOD.replace("description BAD transit", "description BAD \x1b]0;pwned\x07\x1b[2J transit")
    evil += "route-map X permit 10\n set frobnicate \x1b[31mred\x1b[0m\n"
    (tmp_path / "evil.conf").write_text(evil, encoding="utf-8")
    for fmt in ("full", "concise"):
        run = lint("evil.conf", "--format", fmt, "--show-unsupported")
        run.assert_no_traceback()
        assert "\x1b" not in run.stdout and "\x07" not in run.stdout


@pytest.mark.slow
def test_50_mb_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """~50 MB of valid FRR lines: linted or refused with a clear line, within 60 s."""
    from importlib.util import find_spec

    block = "".join(
        f"ip prefix-list BIG seq {i} permit 10.{i // 256 % 256}.{i % 256}.0/24\n" for i in range(1, 5001)
    )
    head = "frr version 10.1\nfrr defaults traditional\nhostname big1\n"
    path = tmp_path / "big.conf"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(head)
        written = len(head)
        while written < 50 * 1024 * 1024:
            fh.write(block)
            written += len(block)
    monkeypatch.chdir(tmp_path)
    if find_spec("policylint.checks.registry") is None:
        request.getfixturevalue("fake_checks")
        lint: Lint = _inproc
    else:
        lint = _subprocess(tmp_path)
    start = time.monotonic()
    run = lint("big.conf", "--format", "concise", "--fail-on", "never")
    elapsed = time.monotonic() - start
    run.assert_no_traceback()
    assert elapsed < 60, f"took {elapsed:.1f} s"
    if run.code == 2:
        assert run.stderr.startswith("policylint: error: big.conf"), run.stderr
        assert len(run.stderr.splitlines()) == 1
    else:
        assert run.code == 0, run.stderr
        assert run.stdout.splitlines()[-1].startswith(("Found", "No findings"))
