"""The real pre-commit, running this checkout's hook on a temporary git repository.

``pre-commit try-repo`` clones this checkout (with uncommitted changes), builds a
hook virtualenv and pip-installs policylint into it.  The build needs hatchling
and the runtime dependencies; they are fetched once into a wheelhouse and the
hook's pip is pointed at it (``PIP_FIND_LINKS`` + ``PIP_NO_INDEX``), so the run
itself needs no index.  When no index is reachable to fill the wheelhouse the
test skips and says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent

FAULTY = """\
frr version 8.4
frr defaults traditional
hostname edge1
router bgp 64500
 neighbor 192.0.2.1 remote-as 64496
 address-family ipv4 unicast
  network 203.0.113.128/25
 exit-address-family
exit
!
"""
FIXED = FAULTY.replace("203.0.113.128/25", "203.0.113.0/24")


def _run(
    args: list[str], cwd: Path, env: dict[str, str], timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _wheelhouse(path: Path, env: dict[str, str]) -> None:
    """hatchling + policylint's runtime dependencies as wheels, or skip when no index answers."""
    proc = _run([sys.executable, "-m", "pip", "wheel", "-q", "-w", str(path), str(REPO)], path.parent, env)
    if proc.returncode == 0:
        proc = _run(
            [sys.executable, "-m", "pip", "download", "-q", "-d", str(path), "hatchling"], path.parent, env
        )
    if proc.returncode != 0:
        pytest.skip(f"no package index to fill the hook wheelhouse: {proc.stderr.strip()[-300:]}")
    for wheel in path.glob("policylint-*.whl"):
        wheel.unlink()  # the hook must install this checkout, not a prebuilt copy


def test_hooks_file_is_valid() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"policylint", "policylint-whatif"}
    assert by_id["policylint-whatif"]["pass_filenames"] is False
    assert by_id["policylint-whatif"]["entry"] == "policylint whatif"
    import re

    pattern = re.compile(by_id["policylint"]["files"])
    for name in ("frr.conf", "site/ams/bgpd.conf", "r1.cfg", "edge.conf", "exabgp.conf", "core.ios"):
        assert pattern.search(name), name
    for name in ("README.md", "pyproject.toml", "conf.py", "frr.conf.orig"):
        assert not pattern.search(name), name


@pytest.mark.slow
def test_pre_commit_blocks_then_passes(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PIP_", "PRE_COMMIT"))}
    env.update(
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.invalid", PRE_COMMIT_HOME=str(tmp_path / "cache"), NO_COLOR="1",
    )  # fmt: skip
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheelhouse(wheels, env)
    env.update(PIP_FIND_LINKS=str(wheels), PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    work = tmp_path / "configs"
    (work / "edge1").mkdir(parents=True)
    conf = work / "edge1" / "frr.conf"
    conf.write_text(FAULTY, encoding="utf-8")
    assert _run(["git", "init", "-q"], work, env).returncode == 0
    assert _run(["git", "add", "."], work, env).returncode == 0
    try_repo = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "policylint"]

    blocked = _run(try_repo, work, env)
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode == 1, out
    assert "edge1/frr.conf:7:1: PX101 [" in out, out
    assert "Traceback" not in out

    conf.write_text(FIXED, encoding="utf-8")
    assert _run(["git", "add", "."], work, env).returncode == 0
    passed = _run(try_repo, work, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
    assert _run(["git", "commit", "-q", "-m", "fixed"], work, env).returncode == 0
