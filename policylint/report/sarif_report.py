"""SARIF 2.1.0 for GitHub code scanning.

Every enabled rule is listed in ``tool.driver.rules`` (id, name, short and full
description, help, default level); each finding is a result with its rule,
level, message and a physical location whose URI is relative to the working
directory (the repository root in CI, ``uriBaseId`` ``%SRCROOT%``).
Suppressed and baselined findings never reach a reporter, so they are left out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from policylint.catalogue import RuleDoc, load_catalogue
from policylint.report import ReportConfig, clean, exit_code, fingerprints, repo_relative

if TYPE_CHECKING:
    from policylint.engine import LintResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _rule(doc: RuleDoc) -> dict[str, Any]:
    help_md = f"{doc.summary}\n\n{doc.why}"
    if doc.example_bad:
        help_md += f"\n\nExample:\n\n```\n{doc.example_bad}\n```"
    if doc.example_good:
        help_md += f"\n\nUse instead:\n\n```\n{doc.example_good}\n```"
    if doc.references:
        help_md += "\n\nReferences:\n\n" + "\n".join(f"- {r}" for r in doc.references)
    return {
        "id": doc.code,
        "name": doc.name,
        "shortDescription": {"text": " ".join(doc.summary.split())},
        "fullDescription": {"text": " ".join(doc.why.split())},
        "help": {"text": f"{' '.join(doc.summary.split())} `policylint rule {doc.code}` explains it.",
                 "markdown": help_md},
        "defaultConfiguration": {"level": LEVEL[doc.severity.value]},
        "properties": {"tags": [doc.category], "category": doc.category},
    }  # fmt: skip


def _uri(path: str) -> dict[str, str]:
    rel = repo_relative(path)
    if rel.startswith("/"):
        return {"uri": "file://" + quote(rel)}
    return {"uri": quote(rel), "uriBaseId": "%SRCROOT%"}


def document(result: LintResult, config: ReportConfig) -> dict[str, Any]:
    catalogue = load_catalogue()
    codes = sorted(catalogue) if config.rules is None else sorted(c for c in config.rules if c in catalogue)
    used = {r.rule for r in result.findings} - set(codes)
    codes += sorted(c for c in used if c in catalogue)
    index = {code: i for i, code in enumerate(codes)}
    results: list[dict[str, Any]] = []
    for r, fp in zip(result.findings, fingerprints(result, result.findings), strict=True):
        text = clean(r.message) + (f" (on {clean(r.device)})" if r.device else "")
        res: dict[str, Any] = {
            "ruleId": r.rule,
            "level": LEVEL[r.severity.value],
            "message": {"text": text},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _uri(r.file),
                        "region": {"startLine": max(1, r.line), "endLine": max(1, r.line, r.end_line)},
                    }
                }
            ],
            "partialFingerprints": {"policylintFingerprint/v1": fp},
        }
        if r.rule in index:
            res["ruleIndex"] = index[r.rule]
        results.append(res)
    notifications = [{"level": "error", "message": {"text": clean(m)}} for m in result.tool_errors]
    notifications += [
        {"level": "error", "message": {"text": f"{clean(f.path)}: {clean(f.error.message)}"}}
        for f in result.files
        if f.error is not None
    ]
    invocation: dict[str, Any] = {"executionSuccessful": exit_code(result, "never") != 2}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    driver = {
        "name": "policylint",
        "version": config.version,
        "rules": [_rule(catalogue[c]) for c in codes],
    }
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "invocations": [invocation], "results": results}],
    }


def render(result: LintResult, out: TextIO, config: ReportConfig) -> None:
    out.write(json.dumps(document(result, config), indent=2, ensure_ascii=True) + "\n")
