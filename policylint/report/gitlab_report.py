"""GitLab Code Quality JSON (the ``codequality`` report artifact).

Each finding: description, check_name, a fingerprint that is unique within the
report and stable when lines are added above it (the baseline key: path, rule,
logical object, hash of the line text, plus an occurrence index), severity and
a location with the repository-relative path and lines.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from policylint.report import ReportConfig, fingerprints, repo_relative

if TYPE_CHECKING:
    from policylint.engine import LintResult

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def document(result: LintResult) -> list[dict[str, Any]]:
    return [
        {
            "description": f"{r.rule} {r.message}" + (f" (on {r.device})" if r.device else ""),
            "check_name": r.rule,
            "fingerprint": fp,
            "severity": SEVERITY[r.severity.value],
            "categories": ["Bug Risk"] if r.category != "parse" else ["Compatibility"],
            "location": {"path": repo_relative(r.file), "lines": {"begin": r.line, "end": r.end_line}},
        }
        for r, fp in zip(result.findings, fingerprints(result, result.findings), strict=True)
    ]


def render(result: LintResult, out: TextIO, config: ReportConfig) -> None:
    out.write(json.dumps(document(result), indent=2, ensure_ascii=True) + "\n")
