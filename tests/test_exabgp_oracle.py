"""ExaBGP's own parser as a syntax oracle: ``exabgp validate FILE`` (ExaBGP 5.x, PyPI).

Every ExaBGP snippet of the rule catalogue and every ExaBGP sample must validate, except
the cases that declare ``vendor_valid: false``, which ExaBGP must refuse.  ``run`` lines
point at ``/bin/cat`` in the checked copy (ExaBGP requires the program to exist).
The whole-corpus comparison is ``benchmarks/exabgp_oracle.py``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from policylint.catalogue import load_catalogue

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
_RUN = re.compile(r"^(\s*)run\s[^;]*;", re.MULTILINE)


def _validate(text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("exabgp")
    if exe is None:
        pytest.skip("exabgp is not installed (pip install exabgp)")
    path = tmp_path / "check.conf"
    path.write_text(_RUN.sub(r"\1run /bin/cat;", text), encoding="utf-8")
    return subprocess.run(
        [exe, "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
        cwd=tmp_path,
    )


def _params() -> list[object]:
    out: list[object] = []
    for code, doc in load_catalogue().items():
        for i, case in enumerate(doc.cases):
            if case.vendor != "exabgp":
                continue
            for name, text in case.files.items():
                out.append(pytest.param(text, case.vendor_valid, id=f"{code}[{i}]:{name}"))
    for path in sorted((REPO / "samples").rglob("exabgp.conf")):
        out.append(pytest.param(path.read_text(encoding="utf-8"), True, id=str(path.relative_to(REPO))))
    return out


@pytest.mark.parametrize(("text", "valid"), _params())
def test_exabgp_agrees(text: str, valid: bool, tmp_path: Path) -> None:
    proc = _validate(text, tmp_path)
    detail = (proc.stdout + proc.stderr)[-2000:]
    if valid:
        assert proc.returncode == 0, detail
    else:
        assert proc.returncode != 0, "ExaBGP accepts a case marked vendor_valid: false\n" + detail
