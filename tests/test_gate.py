"""The CI gate end to end with the real parser and checks: config file, selection,
severity overrides, fail-on / exit-zero, inventory roles, config --show."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import needs_registry
from test_cli import invoke

pytestmark = needs_registry

EDGE = """\
frr version 8.4
frr defaults traditional
hostname edge1
router bgp 64500
 neighbor 192.0.2.1 remote-as 64496
 neighbor 192.0.2.1 description TRANSIT-A
 address-family ipv4 unicast
  network 203.0.113.128/25
  neighbor 192.0.2.1 route-map TO-A out
 exit-address-family
exit
!
route-map TO-A permit 10
 set as-path prepend 64500 64500 64500 64500 64500 64500 64500
exit
!
"""
# edge.conf: PX101 line 8 (warning), LK102 + PX102 line 13, PP103 line 14 (limit 5, 7 prepends)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "edge.conf").write_text(EDGE, encoding="utf-8")
    yield tmp_path


def rules_of(*args: str) -> tuple[int, list[str]]:
    code, stdout, stderr = invoke("lint", *args, "--format", "json")
    assert "Traceback" not in stderr
    return code, sorted(f"{f['rule']}:{f['line']}" for f in json.loads(stdout)["findings"])


ALL = ["LK102:13", "PP103:14", "PX101:8", "PX102:13"]


@pytest.mark.usefixtures("repo")
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), ALL),
        (("--select", "PX101"), ["PX101:8"]),
        (("--select", "PX"), ["PX101:8", "PX102:13"]),
        (("--select", "leak,prepend"), ["LK102:13", "PP103:14"]),
        (("--select", "excessive-prepend"), ["PP103:14"]),
        (("--ignore", "PX1"), ["LK102:13", "PP103:14"]),
        (("--select", "PX101", "--extend-select", "LK"), ["LK102:13", "PX101:8"]),
        (("--select", "ALL", "--ignore", "leak", "--ignore", "PP103"), ["PX101:8", "PX102:13"]),
    ],
)
def test_selection(args: tuple[str, ...], expected: list[str]) -> None:
    assert rules_of("site", *args)[1] == expected


@pytest.mark.usefixtures("repo")
def test_unknown_selector_is_exit_2() -> None:
    code, stdout, stderr = invoke("lint", "site", "--select", "PX1O1")
    assert code == 2 and stdout == ""
    assert stderr == "policylint: error: command line: unknown rule selector 'PX1O1' (did you mean PX101?)\n"


@pytest.mark.usefixtures("repo")
def test_fail_on_and_exit_zero() -> None:
    assert invoke("lint", "site", "--select", "PX101")[0] == 1  # a warning fails by default
    assert invoke("lint", "site", "--select", "PX101", "--fail-on", "error")[0] == 0
    assert invoke("lint", "site", "--fail-on", "error")[0] == 1  # LK102 is an error
    assert invoke("lint", "site", "--exit-zero")[0] == 0
    assert invoke("lint", "site", "missing.conf", "--exit-zero")[0] == 2  # input errors still fail
    # the JSON report states the exit code the process really has
    code, stdout, _ = invoke("lint", "site", "--exit-zero", "--format", "json")
    assert code == 0 and json.loads(stdout)["summary"]["exit_code"] == 0
    code, stdout, _ = invoke("lint", "site", "--format", "json")
    assert code == 1 and json.loads(stdout)["summary"]["exit_code"] == 1


def test_config_file_applies(repo: Path) -> None:
    (repo / ".policylint.toml").write_text(
        """\
ignore = ["LK102"]
fail-on = "error"

[per-file-ignores]
"site/*.conf" = ["PX102"]

[severity]
PX101 = "error"

[options]
max-prepends = 7
""",
        encoding="utf-8",
    )
    code, found = rules_of("site")
    assert found == ["PX101:8"]  # PP103 quiet at 7, LK102 ignored, PX102 ignored for site/*.conf
    assert code == 1  # PX101 raised to error, fail-on error
    doc = json.loads(invoke("lint", "site", "-f", "json")[1])
    assert doc["findings"][0]["severity"] == "error"
    # the command line still wins, and --isolated forgets the file
    assert rules_of("site", "--max-prepends", "5")[1] == ["PP103:14", "PX101:8"]
    assert rules_of("site", "--isolated")[1] == ALL
    # a config found by walking up from the linted path, whatever the cwd
    assert rules_of(str(repo / "site" / "edge.conf"))[1] == ["PX101:8"]


def test_config_precedence(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.policylint]\nselect = ["PP"]\n', encoding="utf-8")
    assert rules_of("site")[1] == ["PP103:14"]
    (repo / "policylint.toml").write_text('select = ["PX101"]\n', encoding="utf-8")
    assert rules_of("site")[1] == ["PX101:8"]
    (repo / ".policylint.toml").write_text('select = ["LK"]\n', encoding="utf-8")
    assert rules_of("site")[1] == ["LK102:13"]
    (repo / "other.toml").write_text('select = ["PX102"]\n', encoding="utf-8")
    assert rules_of("site", "--config", "other.toml")[1] == ["PX102:13"]
    # a nearer directory wins over a farther one
    (repo / "site" / "policylint.toml").write_text('select = ["PX"]\n', encoding="utf-8")
    assert rules_of("site")[1] == ["PX101:8", "PX102:13"]


def test_pyproject_without_table_is_skipped(repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert rules_of("site")[1] == ALL


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('select = ["PX"]\n\n[options]\nmax-prepend = 3\n', "x.toml:4: unknown option 'max-prepend'"),
        ('select = ["PX"]\nslect = ["PX"]\n', "x.toml:2: unknown key 'slect'"),
        ('select = ["PX", "XX999"]\n', "x.toml:1: unknown rule selector 'XX999'"),
        ("[severity]\nPX101 = 'fatal'\n", "x.toml:2: severity of 'PX101' must be error, warning or info"),
        ("fail-on = 'sometimes'\n", "x.toml:1: fail-on must be one of error, warning, info, never"),
        ("[options]\nmax-prepends = -1\n", "x.toml:2: option 'max-prepends' must be an integer from 0"),
        ("select = [\n", "x.toml: invalid TOML:"),
        (
            '[inventory.devices.edge1]\nsite = "ams"\nneighbors = { "192.0.2.1" = "boss" }\n',
            "x.toml:3: role must be one of customer, provider",
        ),
        ('[inventory.devices.edge1]\nsight = "ams"\n', "x.toml:2: unknown key 'sight' for a device"),
        ('[per-file-ignores]\n"*.conf" = ["NOPE"]\n', "x.toml:2: unknown rule selector 'NOPE'"),
    ],
)
def test_bad_config_is_exit_2_with_line(repo: Path, text: str, message: str) -> None:
    (repo / "x.toml").write_text(text, encoding="utf-8")
    code, stdout, stderr = invoke("lint", "site", "--config", "x.toml")
    assert code == 2 and stdout == ""
    assert stderr.startswith(f"policylint: error: {message}"), stderr
    assert len(stderr.splitlines()) == 1


def test_pyproject_unknown_key_line(repo: Path) -> None:
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.policylint]\nselect = ["PX"]\nfial-on = "error"\n', encoding="utf-8"
    )
    code, _, stderr = invoke("lint", "site")
    assert code == 2
    assert stderr.startswith(f"policylint: error: {repo / 'pyproject.toml'}:6: unknown key 'fial-on'")


def test_inventory_roles(repo: Path) -> None:
    conf = repo / "site" / "edge.conf"
    conf.write_text(EDGE.replace(" neighbor 192.0.2.1 description TRANSIT-A\n", ""), encoding="utf-8")
    assert "LK102:13" not in rules_of("site")[1]  # unknown role: no leak is assumed
    (repo / ".policylint.toml").write_text(
        '[inventory.devices.edge1]\nsite = "ams"\nneighbors = { "192.0.2.1" = "provider" }\n',
        encoding="utf-8",
    )
    _, stdout, _ = invoke("lint", "site", "-f", "json")
    lk = [f for f in json.loads(stdout)["findings"] if f["rule"] == "LK102"]
    assert len(lk) == 1 and "inventory" in lk[0]["message"]
    # the description never overrides the inventory; an address-wide entry works too
    conf.write_text(EDGE.replace("TRANSIT-A", "CUSTOMER-A"), encoding="utf-8")
    (repo / ".policylint.toml").write_text(
        '[inventory.neighbors]\n"192.0.2.1" = "provider"\n', encoding="utf-8"
    )
    assert "LK102:13" in rules_of("site")[1]


def test_config_show(repo: Path) -> None:
    (repo / ".policylint.toml").write_text(
        'ignore = ["LK"]\n[options]\nmax-prepends = 3\n[inventory.devices.edge1]\nsite = "ams"\n'
        'neighbors = { "192.0.2.1" = "provider" }\n',
        encoding="utf-8",
    )
    code, stdout, _ = invoke("config", "--show", "site")
    assert code == 0
    assert f"# config file: {repo / '.policylint.toml'}" in stdout
    for part in (
        'ignore = ["LK"]',
        'fail-on = "warning"',
        "max-prepends = 3  # PP103",
        '[inventory.devices."edge1"]',
        'site = "ams"',
        'neighbors."192.0.2.1" = "provider"',
    ):
        assert part in stdout, part
    assert "LK102" not in stdout.split("# enabled rules")[1].splitlines()[0]
    assert invoke("config", "--show", "--isolated")[1].startswith("# config file: none (built-in defaults)")
    assert invoke("config")[0] == 2


@pytest.mark.usefixtures("repo")
def test_report_option_writes_several(repo: Path) -> None:
    code, stdout, _ = invoke(
        "lint", "site", "-f", "concise", "--report", "sarif=out.sarif", "--report", "junit=out.xml",
        "--report", "gitlab=cq.json",
    )  # fmt: skip
    assert code == 1 and "PX101" in stdout
    assert json.loads((repo / "out.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert (repo / "out.xml").read_text(encoding="utf-8").startswith("<?xml")
    assert len(json.loads((repo / "cq.json").read_text(encoding="utf-8"))) == 4
    assert invoke("lint", "site", "--report", "xml=out.xml")[0] == 2
    assert invoke("lint", "site", "--report", "sarif")[0] == 2


def test_github_annotations_auto(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, stdout, stderr = invoke("lint", "site", "-f", "concise")
    assert code == 1
    assert "::warning file=site/edge.conf,line=8,endLine=8,title=PX101 " in stderr
    assert "::" not in stdout
    assert "::" not in invoke("lint", "site", "-f", "concise", "--no-github-annotations")[2]
    code, stdout, stderr = invoke("lint", "site", "-f", "github")
    assert stdout.count("::") >= 8 and "::" not in stderr  # not twice
