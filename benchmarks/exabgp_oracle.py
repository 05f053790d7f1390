"""ExaBGP oracle: does ``exabgp validate`` (ExaBGP 5.x, PyPI) agree with policylint on which files are valid?

    python benchmarks/exabgp_oracle.py [--corpus DIR] [FILE_OR_DIR ...]

Default inputs: ``../shared/corpus/exabgp`` (or ``$POLICYLINT_SHARED/corpus/exabgp``) and the ExaBGP
files under ``samples/``.  ``run`` lines are replaced by ``run /bin/cat`` in a temporary copy
(ExaBGP checks that the program exists; the scripts of the corpus are not here), nothing else
is changed.  policylint calls a file valid when it parses with no malformed statement (PS002)
other than blocks left open at the end (ExaBGP closes those too) and no undefined template;
3.x files are "unsupported".  Prints per-verdict counts and every disagreement.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from policylint.loader import load_text
from policylint.vendors import FileResult

REPO = Path(__file__).resolve().parents[1]
_RUN = re.compile(r"^(\s*)run\s[^;]*;", re.MULTILINE)


def shared_dir() -> Path:
    return Path(os.environ.get("POLICYLINT_SHARED", REPO.parent / "shared"))


def ours(res: FileResult | None) -> str:
    """valid | invalid | unsupported (3.x) | not-exabgp."""
    if res is None or res.vendor != "exabgp":
        return "not-exabgp"
    if res.note is not None:
        return "unsupported"
    if res.error is not None:
        return "invalid"
    for dev in res.devices:
        if any("not closed" not in i.message and "closes no block" not in i.message for i in dev.issues):
            return "invalid"
        templates = {g.address for g in dev.peer_groups}
        if any(r.name not in templates for r in dev.refs):
            return "invalid"
    return "valid"


def exabgp_verdict(exabgp: str, text: str, workdir: Path) -> tuple[str, str]:
    """(valid|invalid, first error line) from ``exabgp validate`` on a sanitized copy."""
    path = workdir / "check.conf"
    path.write_text(_RUN.sub(r"\1run /bin/cat;", text), encoding="utf-8")
    try:
        proc = subprocess.run(
            [exabgp, "validate", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            check=False,
            cwd=workdir,
        )
    except subprocess.TimeoutExpired:
        return "invalid", "timeout"
    out = (proc.stdout + proc.stderr).strip().splitlines()
    useful = [ln.replace("configuration", "").strip() for ln in out if re.search(r"line \d+:|invalid", ln)]
    detail = " | ".join(dict.fromkeys(useful))[:160]
    return ("valid" if proc.returncode == 0 else "invalid"), detail


def files_of(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in ("", ".conf", ".cfg")))
        elif p.is_file():
            out.append(p)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    args = ap.parse_args()
    exabgp = shutil.which("exabgp")
    if exabgp is None:
        print("exabgp is not installed (pip install exabgp)", file=sys.stderr)
        return 2
    paths = args.paths or [shared_dir() / "corpus" / "exabgp", REPO / "samples"]
    counts: dict[tuple[str, str], int] = {}
    disagreements: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in files_of(paths):
            text = f.read_text(encoding="utf-8", errors="replace")
            mine = ours(load_text(str(f), text))
            if mine == "not-exabgp":
                continue
            theirs, detail = exabgp_verdict(exabgp, text, Path(tmp))
            counts[(mine, theirs)] = counts.get((mine, theirs), 0) + 1
            if (mine == "valid") != (theirs == "valid"):
                disagreements.append(f"{f.name}: policylint {mine}, exabgp {theirs} {detail}")
    print(f"{'policylint':>12} {'exabgp validate':>16} {'files':>6}")
    for (mine, theirs), n in sorted(counts.items()):
        print(f"{mine:>12} {theirs:>16} {n:>6}")
    print(f"\n{len(disagreements)} disagreement(s):")
    for line in disagreements:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
