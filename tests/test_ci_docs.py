"""docs/ci.md and its example CI files: valid YAML, the lint commands they run work on
samples/, and the documented config file is accepted."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import needs_registry

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
GITHUB = DOCS / "examples" / "github-workflow.yml"
GITLAB = DOCS / "examples" / "gitlab-ci.yml"


def _yaml(path: Path) -> dict[Any, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_ci_md_embeds_the_example_files_verbatim() -> None:
    text = (DOCS / "ci.md").read_text(encoding="utf-8")
    for path in (GITHUB, GITLAB):
        assert f"```yaml\n{path.read_text(encoding='utf-8')}```" in text, path.name
    assert "docs/ci.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_github_workflow_shape() -> None:
    wf = _yaml(GITHUB)
    assert wf["permissions"]["security-events"] == "write"
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads the key `on` as True
    assert "pull_request" in on
    steps = wf["jobs"]["lint"]["steps"]
    lint = next(s for s in steps if "policylint lint" in s.get("run", ""))
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif"))
    assert upload["if"] == "always()"
    assert f"sarif={upload['with']['sarif_file']}" in lint["run"]
    whatif = wf["jobs"]["whatif"]
    assert whatif["if"] == "github.event_name == 'pull_request'"
    assert any("policylint whatif" in s.get("run", "") for s in whatif["steps"])


def test_gitlab_job_shape() -> None:
    job = _yaml(GITLAB)["policylint"]
    assert job["artifacts"]["when"] == "always"
    reports = job["artifacts"]["reports"]
    script = " ".join(job["script"])
    assert f"gitlab={reports['codequality']}" in script and f"junit={reports['junit']}" in script


def _shim(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has a `policylint` that runs this checkout."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "policylint"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m policylint "$@"\n', encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_"))}
    env.update(PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}", PYTHONPATH=str(REPO), NO_COLOR="1")
    return env


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A config repository: the samples as `configs/`."""
    work = tmp_path / "repo"
    shutil.copytree(REPO / "samples", work / "configs")
    return work


@pytest.mark.slow
@needs_registry
def test_github_lint_step_runs(checkout: Path, tmp_path: Path) -> None:
    from test_report_ci import validate_sarif

    wf = _yaml(GITHUB)
    env = {**_shim(tmp_path), **wf["env"], "GITHUB_ACTIONS": "true"}
    runs = [s["run"] for s in wf["jobs"]["lint"]["steps"] if "policylint lint" in s.get("run", "")]
    assert len(runs) == 1
    proc = _bash(runs[0], checkout, env)
    assert proc.returncode == 1, proc.stderr  # the samples hold deliberate mistakes
    assert "Traceback" not in proc.stderr
    assert re.search(r"^::error file=configs/\w+/frr\.conf,line=\d+", proc.stderr, re.M), proc.stderr
    sarif = json.loads((checkout / "policylint.sarif").read_text(encoding="utf-8"))
    validate_sarif(sarif)
    assert sarif["runs"][0]["results"]
    # with a committed baseline the same step passes, and a new mistake fails it again
    base = subprocess.run(
        ["policylint", "baseline", "create", "configs"], cwd=checkout, env=env, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    assert base.returncode == 0, base.stderr
    (checkout / ".policylint.toml").write_text('baseline = ".policylint-baseline.json"\n', encoding="utf-8")
    assert _bash(runs[0], checkout, env).returncode == 0
    conf = checkout / "configs" / "nyc" / "frr.conf"
    conf.write_text(
        conf.read_text(encoding="utf-8") + "router bgp 64500\n network 203.0.113.64/26\n", "utf-8"
    )
    again = _bash(runs[0], checkout, env)
    assert again.returncode == 1 and "203.0.113.64/26" in again.stdout


@needs_registry
def test_gitlab_script_runs(checkout: Path, tmp_path: Path) -> None:
    job = _yaml(GITLAB)["policylint"]
    env = {**_shim(tmp_path), **job["variables"]}
    lines = [line for line in job["script"] if "policylint lint" in line]
    assert lines
    proc = _bash("\n".join(lines), checkout, env)
    assert proc.returncode == 1, proc.stderr
    quality = json.loads((checkout / job["artifacts"]["reports"]["codequality"]).read_text(encoding="utf-8"))
    assert quality and len({q["fingerprint"] for q in quality}) == len(quality)
    assert all(q["location"]["path"].startswith("configs/") for q in quality)
    junit = ET.parse(checkout / job["artifacts"]["reports"]["junit"]).getroot()
    assert junit.tag == "testsuites" and int(junit.get("failures", "0")) == len(quality)


@needs_registry
def test_documented_config_file_is_valid(tmp_path: Path) -> None:
    from policylint.config import load

    text = (DOCS / "ci.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(# \.policylint\.toml\n.*?)```", text, re.S)
    assert block is not None
    path = tmp_path / ".policylint.toml"
    path.write_text(block.group(1), encoding="utf-8")
    config = load(str(path))
    assert config.options.max_prepends == 3
    assert config.inventory.site("ams1") == "ams"
    assert config.inventory.role("ams1", "198.51.100.129") is not None
    assert config.baseline == str(tmp_path / ".policylint-baseline.json")
