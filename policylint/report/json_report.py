"""The JSON report: the public, versioned contract (``schema_version`` 1).

Shape (keys in this order; additions only within a schema version)::

    {"schema_version": 1,
     "tool": {"name": "policylint", "version": "..."},
     "files": [{"path", "vendor", "devices": [hostname], "lines", "unsupported", "error", "note"}],
     "findings": [{"rule", "name", "category", "severity", "file", "line", "end_line",
                   "device", "message"}],
     "summary": {"files", "lines", "devices", "findings",
                 "by_severity": {"error", "warning", "info"}, "by_category": {category: N},
                 "exit_code"},
     "errors": [tool error message]}

JSON always carries every finding (PS003 included), whatever the human formats collapse.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from policylint.catalogue import CATEGORIES
from policylint.report import ReportConfig, by_severity, run_exit_code

if TYPE_CHECKING:
    from policylint.engine import LintResult

SCHEMA_VERSION = 1


def document(result: LintResult, config: ReportConfig) -> dict[str, Any]:
    files = [
        {
            "path": f.path,
            "vendor": f.vendor,
            "devices": list(f.hostnames),
            "lines": f.lines,
            "unsupported": f.unsupported,
            "error": None if f.error is None else f.error.message,
            "note": f.note,
        }
        for f in result.files
    ]
    findings = [
        {
            "rule": r.rule,
            "name": r.name,
            "category": r.category,
            "severity": r.severity.value,
            "file": r.file,
            "line": r.line,
            "end_line": r.end_line,
            "device": r.device,
            "message": r.message,
        }
        for r in result.findings
    ]
    by_category = dict.fromkeys(CATEGORIES, 0)
    for r in result.findings:
        by_category[r.category] = by_category.get(r.category, 0) + 1
    summary = {
        "files": len(result.files),
        "lines": result.lines,
        "devices": sum(len(f.hostnames) for f in result.files),
        "findings": len(result.findings),
        "by_severity": by_severity(result.findings),
        "by_category": by_category,
        "exit_code": run_exit_code(result, config),
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "policylint", "version": config.version},
        "files": files,
        "findings": findings,
        "summary": summary,
        "errors": list(result.tool_errors),
    }


def dumps(result: LintResult, config: ReportConfig) -> str:
    return json.dumps(document(result, config), indent=2, ensure_ascii=True) + "\n"


def render(result: LintResult, out: TextIO, config: ReportConfig) -> None:
    out.write(dumps(result, config))
