"""Robustness report on ../shared/corpus/frr: files, lines modelled vs unsupported, top unsupported.

python benchmarks/corpus_report.py [--corpus DIR] [--top N]
"""

from __future__ import annotations

import argparse
import collections
import csv
import re
import sys
from pathlib import Path

from policylint.engine import lint_paths

_NUMERIC = re.compile(r"[0-9]")


def _shape(text: str) -> str:
    """The first words of a statement with names and numbers folded, for grouping."""
    words = text.split()[:4]
    out = []
    for i, w in enumerate(words):
        if _NUMERIC.search(w) or (i == 1 and words[0] in ("neighbor", "route-map")):
            out.append("X")
        else:
            out.append(w)
    return " ".join(out[:3])


def main() -> int:
    default = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, default=default)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    frr_dir = args.corpus / "frr"
    if not frr_dir.is_dir():
        print(f"skipped: {frr_dir} not found")
        return 0
    verdicts: dict[str, str] = {}
    with (args.corpus / "SOURCES.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            verdicts[Path(row["file"]).name] = row["frr_8.4_dryrun_ok"]
    result = lint_paths([str(frr_dir)], jobs=1)  # one process: the report reads every Device
    devices = [d for f in result.files for d in f.devices]
    modelled = sum(d.modelled_lines for d in devices)
    unsupported = sum(len(d.unsupported) for d in devices)
    out_of_scope = sum(d.out_of_scope_lines for d in devices)
    errors = [f for f in result.files if f.error is not None]
    issues = [(r.file, r.line, r.message) for r in result.findings if r.rule == "PS002"]
    accepted_issues = [i for i in issues if verdicts.get(Path(i[0]).name) == "yes"]
    print(f"files: {len(result.files)}  lines: {result.lines}  devices: {len(devices)}")
    print(f"file errors (exit 2): {len(errors)}  tool errors: {len(result.tool_errors)}")
    print(f"statements modelled: {modelled}  unsupported BGP-related (PS003): {unsupported}")
    print(f"non-BGP lines out of scope: {out_of_scope}")
    print(f"malformed statements (PS002): {len(issues)}, in files FRR 8.4 accepts: {len(accepted_issues)}")
    counts = collections.Counter(_shape(u.text) for d in devices for u in d.unsupported)
    print(f"\nmost common unsupported BGP-related statements (top {args.top}):")
    for shape, n in counts.most_common(args.top):
        print(f"  {n:5d}  {shape}")
    by_rule = collections.Counter(r.rule for r in result.findings)
    print("\nfindings by rule: " + ", ".join(f"{k} {v}" for k, v in sorted(by_rule.items())))
    return 1 if errors or result.tool_errors or accepted_issues else 0


if __name__ == "__main__":
    sys.exit(main())
