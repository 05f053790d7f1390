"""FRR's own parser as a syntax oracle for everything we claim is valid FRR.

``vtysh --dryrun --inputfile FILE`` exits 0 iff every line of FILE parses in FRR.
Checked here: every FRR config under ``samples/`` and every FRR snippet of the rule
catalogue (``rules/*.yaml``) that does not declare ``vendor_valid: false``.
Skips cleanly when FRR (vtysh) is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from policylint.catalogue import load_catalogue

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
VTYSH_TIMEOUT_S = 60
# files of a multi-file rule case that are data, not router configs
_NOT_CONFIG_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".csv", ".txt", ".toml", ".md"})


def _vtysh() -> str:
    path = shutil.which("vtysh")
    if path is None:
        pytest.skip("vtysh (Debian package frr) is not installed")
    return path


def _dryrun(path: Path) -> None:
    try:
        proc = subprocess.run(
            [_vtysh(), "--dryrun", "--inputfile", str(path)],
            capture_output=True,
            text=True,
            timeout=VTYSH_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"vtysh --dryrun timed out after {VTYSH_TIMEOUT_S}s on {path}")
    if proc.returncode != 0:
        numbered = "\n".join(
            f"{n:4d}  {line}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        )
        pytest.fail(
            f"vtysh --dryrun --inputfile {path} exited {proc.returncode}\n"
            f"--- vtysh output ---\n{proc.stdout}{proc.stderr}\n--- file ---\n{numbered}",
            pytrace=False,
        )


def _sample_files() -> list[Path]:
    return sorted(SAMPLES.rglob("frr.conf")) if SAMPLES.is_dir() else []


@pytest.mark.parametrize("path", _sample_files(), ids=lambda p: str(p.relative_to(SAMPLES)))
def test_sample_parses_in_frr(path: Path) -> None:
    _dryrun(path)


def test_samples_exist() -> None:
    assert _sample_files(), f"no FRR sample configs under {SAMPLES}"


def _rule_case_params() -> list[object]:
    """One param per FRR snippet file of the catalogue (collected lazily and robustly)."""
    try:
        catalogue = load_catalogue()
    except Exception as exc:  # a broken catalogue is reported by the test, not at collection
        return [pytest.param(None, None, id=f"catalogue-load-error:{type(exc).__name__}")]
    params: list[object] = []
    for code, doc in catalogue.items():
        for index, case in enumerate(doc.cases):
            if case.vendor != "frr" or not case.vendor_valid:
                continue
            for name, text in case.files.items():
                if Path(name).suffix.lower() in _NOT_CONFIG_SUFFIXES:
                    continue
                label = f"{code}[{index}]{'-' + case.name if case.name else ''}:{name}"
                params.append(pytest.param(name, text, id=label))
    if not params:
        params.append(pytest.param(None, "", id="no-frr-rule-cases-yet"))
    return params


@pytest.mark.parametrize(("name", "text"), _rule_case_params())
def test_rule_case_parses_in_frr(name: str | None, text: str | None, tmp_path: Path) -> None:
    if name is None and text is None:
        load_catalogue.cache_clear()
        load_catalogue()  # re-raise the loading error with its traceback
        pytest.fail("the rule catalogue failed to load during collection but loads now")
    if name is None:
        pytest.skip("rules/ holds no FRR rule cases yet")
    assert text is not None
    path = tmp_path / Path(name).name
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    _dryrun(path)
