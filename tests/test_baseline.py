"""The baseline: keyed without line numbers, corrupt or newer files fail loudly (exit 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import needs_registry
from test_cli import REPO, invoke
from test_gate import EDGE

from policylint.baseline import line_hash, logical_object

pytestmark = needs_registry

NEW_MISTAKE = "  network 198.51.100.0/25\n"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "edge.conf").write_text(EDGE, encoding="utf-8")
    return tmp_path


def test_logical_objects() -> None:
    lines = EDGE.splitlines()
    assert logical_object(lines, 8) == "router bgp 64500 / address-family ipv4 unicast"
    assert logical_object(lines, 5) == "router bgp 64500"
    assert logical_object(lines, 14) == "route-map TO-A permit 10"
    assert logical_object(lines, 13) == "route-map TO-A permit 10"  # top level: the line itself
    assert logical_object(lines, 1) == "frr version 8.4"
    assert logical_object(lines, 99) == ""
    # comments and blank lines between do not matter; brace blocks nest by indentation too
    exa = [
        "neighbor 192.0.2.1 {",
        "",
        "    # note",
        "    static {",
        "        route 10.0.0.0/8 next-hop self;",
    ]
    assert logical_object(exa, 5) == "neighbor 192.0.2.1 / static"
    assert line_hash(" neighbor x password abc") == line_hash("neighbor x   password other")  # redacted
    assert line_hash(" network 10.0.0.0/8 ! policylint: ignore[PX101]") == line_hash("network 10.0.0.0/8")


def test_create_then_lint_then_new_mistake(site: Path) -> None:
    code, stdout, _ = invoke("baseline", "create", "site")
    assert code == 0 and stdout == "wrote .policylint-baseline.json: 4 findings in 4 entries\n"
    doc = json.loads((site / ".policylint-baseline.json").read_text(encoding="utf-8"))
    assert doc["policylint_baseline"] == 1
    assert {e["object"] for e in doc["entries"]} == {
        "router bgp 64500 / address-family ipv4 unicast",
        "route-map TO-A permit 10",
    }
    assert all("line" not in e for e in doc["entries"])
    code, stdout, stderr = invoke("lint", "site", "--baseline", ".policylint-baseline.json", "-f", "concise")
    assert (code, stdout) == (0, "No findings.\n")
    assert "4 known finding(s) hidden" in stderr
    # lines added above every finding: still clean
    conf = site / "site" / "edge.conf"
    conf.write_text(
        "! managed by ansible\n!\n" + EDGE.replace("exit\n!\n", "exit\n!\n!\n", 1), encoding="utf-8"
    )
    assert invoke("lint", "site", "--baseline", ".policylint-baseline.json")[0] == 0
    # a new mistake fails, and only it is reported
    text = conf.read_text(encoding="utf-8").replace(
        "  network 203.0.113.128/25\n", "  network 203.0.113.128/25\n" + NEW_MISTAKE
    )
    conf.write_text(text, encoding="utf-8")
    code, stdout, _ = invoke("lint", "site", "--baseline", ".policylint-baseline.json", "-f", "concise")
    assert code == 1
    assert stdout.splitlines()[0].startswith("site/edge.conf:11:1: PX101 ")
    assert "198.51.100.0/25" in stdout and "203.0.113.128/25` originates" not in stdout
    # without the baseline everything is back
    assert "203.0.113.128/25` originates" in invoke("lint", "site", "-f", "concise", "--no-baseline")[1]


def test_config_baseline_and_update(site: Path) -> None:
    (site / ".policylint.toml").write_text('baseline = "ci/baseline.json"\n', encoding="utf-8")
    (site / "ci").mkdir()
    assert invoke("baseline", "create", "site")[0] == 0
    assert (site / "ci" / "baseline.json").is_file()
    assert invoke("lint", "site")[0] == 0  # the configured baseline is used
    assert invoke("lint", "site", "--no-baseline")[0] == 1
    # fix PP103 (7 -> 3 prepends): the entry no longer matches; update prunes it, adds nothing new
    conf = site / "site" / "edge.conf"
    text = EDGE.replace("64500 64500 64500 64500 64500 64500 64500", "64500 64500 64500")
    conf.write_text(
        text.replace("exit-address-family", NEW_MISTAKE + " exit-address-family"), encoding="utf-8"
    )
    code, _, stderr = invoke("lint", "site", "-f", "concise")
    assert "1 entry no longer match" in stderr
    code, stdout, _ = invoke("baseline", "update", "site")
    assert code == 0
    assert "ci/baseline.json: kept 3, removed 1 fixed; 1 new finding(s) not added" in stdout
    entries = json.loads((site / "ci" / "baseline.json").read_text(encoding="utf-8"))["entries"]
    assert sorted(e["rule"] for e in entries) == ["LK102", "PX101", "PX102"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "b.json:1:2: corrupt baseline: Expecting property name"),
        ("[]", "b.json:1: not a policylint baseline"),
        ('{"entries": []}', "b.json:1: not a policylint baseline"),
        (
            '{"policylint_baseline": 2, "entries": []}',
            "b.json:1: baseline format 2 is newer than this policylint",
        ),
        ('{"policylint_baseline": "1", "entries": []}', "b.json:1: 'policylint_baseline' must be an integer"),
        ('{"policylint_baseline": 1}', "b.json:1: corrupt baseline: 'entries' must be a list"),
        (
            '{"policylint_baseline": 1, "entries": [\n'
            '  {"path": "a", "rule": "PX101", "object": "", "hash": "0", "count": 1},\n'
            '  {"path": "a", "rule": "PX101", "object": ""}\n]}',
            "b.json:3: corrupt baseline: entries[1].hash missing or not a string",
        ),
        (
            '{"policylint_baseline": 1, "entries": [{"path": "a", "rule": "PX101", "object": "", '
            '"hash": "0", '
            '"count": 0}]}',
            "b.json:1: corrupt baseline: entries[0].count must be a positive integer",
        ),
        ("", "b.json:1:1: corrupt baseline: Expecting value"),
    ],
)
def test_bad_baseline_is_exit_2(site: Path, text: str, message: str) -> None:
    (site / "b.json").write_text(text, encoding="utf-8")
    code, stdout, stderr = invoke("lint", "site", "--baseline", "b.json")
    assert code == 2 and stdout == ""
    assert stderr.startswith(f"policylint: error: {message}"), stderr
    assert invoke("baseline", "update", "site", "--baseline", "b.json")[0] == 2


def test_missing_baseline_is_exit_2(site: Path) -> None:
    code, _, stderr = invoke("lint", "site", "--baseline", "nope.json")
    assert code == 2 and "nope.json: cannot read baseline" in stderr


def test_samples_baseline_has_no_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "samples", tmp_path / "samples")
    monkeypatch.chdir(tmp_path)
    assert invoke("baseline", "create", "samples", "-b", "b.json")[0] == 0
    assert "s3cr3t-do-not-print" not in (tmp_path / "b.json").read_text(encoding="utf-8")
    assert invoke("lint", "samples", "--baseline", "b.json")[0] == 0
