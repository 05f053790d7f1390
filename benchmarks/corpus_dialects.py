"""Robustness report on ../shared/corpus/cisco/** and ../shared/corpus/exabgp/**, per dialect.

    python benchmarks/corpus_dialects.py [--corpus DIR] [--top N]

For each dialect (the corpus folder for Cisco files, the ExaBGP version prefix of the file
name for ExaBGP files): files, how policylint treated them (parsed as which vendor, noted as
an unsupported dialect, refused), statements modelled vs unsupported vs out of scope, and the
most common unsupported BGP-related statements. Exit 1 on a tool error or an internal
parser error (a traceback that would have reached the user).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import sys
from pathlib import Path

from policylint.engine import lint_paths
from policylint.vendors import FileResult

_NUMERIC = re.compile(r"[0-9]")


def _shape(text: str) -> str:
    """The first words of a statement with names and numbers folded, for grouping."""
    words = text.split()[:4]
    out = []
    for i, w in enumerate(words):
        if _NUMERIC.search(w) or (i == 1 and words[0] in ("neighbor", "route-map", "route", "process")):
            out.append("X")
        else:
            out.append(w)
    return " ".join(out[:3])


def _dialect(res: FileResult, root: Path) -> str:
    rel = Path(res.path).relative_to(root)
    if rel.parts[0] == "cisco":
        return f"cisco/{rel.parts[1]}"
    return f"exabgp/{rel.name.split('__')[0]}"


def main() -> int:
    shared = Path(os.environ.get("POLICYLINT_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=shared / "corpus")
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()
    dirs = [args.corpus / "cisco", args.corpus / "exabgp"]
    if not all(d.is_dir() for d in dirs):
        print(f"skipped: {dirs} not found")
        return 0
    result = lint_paths([str(d) for d in dirs], jobs=1)  # one process: the report reads every Device
    groups: dict[str, list[FileResult]] = collections.defaultdict(list)
    for res in result.files:
        groups[_dialect(res, args.corpus)].append(res)
    internal = [f for f in result.files if f.error and "internal parser error" in f.error.message]
    print(f"files: {len(result.files)}  lines: {result.lines}  tool errors: {len(result.tool_errors)}  "
          f"internal parser errors (tracebacks): {len(internal)}\n")  # fmt: skip
    head = f"{'dialect':16} {'files':>5} {'parsed as':28} {'noted':>5} {'refused':>7} "
    print(head + f"{'modelled':>8} {'unsupported':>11} {'out of scope':>12}")
    tops: dict[str, collections.Counter[str]] = {}
    for name in sorted(groups):
        files = groups[name]
        devices = [d for f in files for d in f.devices]
        parsed = collections.Counter(f.vendor for f in files if f.devices)
        how = ", ".join(f"{v} {n}" for v, n in sorted(parsed.items(), key=lambda kv: str(kv[0]))) or "-"
        noted = sum(1 for f in files if f.note and not f.devices)
        refused = sum(1 for f in files if f.error)
        modelled = sum(d.modelled_lines for d in devices)
        unsupported = sum(len(d.unsupported) for d in devices)
        oos = sum(d.out_of_scope_lines for d in devices)
        counts = f"{modelled:>8} {unsupported:>11} {oos:>12}"
        print(f"{name:16} {len(files):>5} {how:28} {noted:>5} {refused:>7} {counts}")
        tops[name] = collections.Counter(_shape(u.text) for d in devices for u in d.unsupported)
    for family in ("cisco", "exabgp"):
        merged: collections.Counter[str] = collections.Counter()
        for name, counter in tops.items():
            if name.startswith(family):
                merged.update(counter)
        print(f"\nmost common unsupported BGP-related statements, {family} (top {args.top}):")
        for shape, n in merged.most_common(args.top):
            print(f"  {n:5d}  {shape}")
    return 1 if result.tool_errors or internal else 0


if __name__ == "__main__":
    sys.exit(main())
