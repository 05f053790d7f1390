"""IOS and ExaBGP secrets never reach any output format (real checks, in process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from policylint.cli import app

SECRETS = ("0822455D0A16-do-not-print", "k3y-do-not-print", "md5-do-not-print", "t0ken-do-not-print")
IOS = """\
version 15.2
hostname edge1
key chain BGP
 key 1
  key-string k3y-do-not-print
router bgp 64500
 neighbor 198.51.100.1 remote-as 64496
 neighbor 198.51.100.1 description TRANSIT-A upstream
 neighbor 198.51.100.1 password 7 0822455D0A16-do-not-print
 address-family ipv4
  neighbor 198.51.100.1 activate
  neighbor 198.51.100.1 frobnicate password 0822455D0A16-do-not-print
"""
EXABGP = """\
process watch {
    run /usr/local/bin/check --secret t0ken-do-not-print;
}
neighbor 198.51.100.1 {
    local-as 64500;
    peer-as 64496;
    md5-password "md5-do-not-print";
    static {
        route 192.0.2.0/25 next-hop self as-path [ 64999 ];
    }
    api {
        processes [ watch ];
    }
}
"""


@pytest.mark.parametrize("fmt", ["full", "concise", "json"])
def test_secrets_never_printed(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "edge1.cfg").write_text(IOS, encoding="utf-8")
    (tmp_path / "exabgp.conf").write_text(EXABGP, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["lint", ".", "--format", fmt, "--show-unsupported", "--fail-on", "never"]
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "edge1.cfg" in result.stdout and "exabgp.conf" in result.stdout
    assert "PP106" in result.stdout and "LK101" in result.stdout  # both files were really linted
    for secret in SECRETS:
        assert secret not in result.stdout
        assert secret not in result.stderr
