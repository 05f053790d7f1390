"""JUnit XML: one test case per finding (failure, or error for an unreadable file),
one passing test case per file without findings.  PS003 is collapsed per file
unless ``--show-unsupported``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, TextIO

from policylint.findings import Reported
from policylint.report import ReportConfig, clean, split_unsupported

if TYPE_CHECKING:
    from policylint.engine import LintResult


def _case(suite: ET.Element, path: str, name: str, line: int) -> ET.Element:
    return ET.SubElement(
        suite, "testcase", classname=clean(path), name=name, file=clean(path), line=str(line)
    )


def document(result: LintResult, config: ReportConfig) -> ET.Element:
    shown, collapsed = split_unsupported(result.findings, config.show_unsupported)
    root = ET.Element("testsuites", name="policylint")
    suite = ET.SubElement(root, "testsuite", name="policylint")
    failures = errors = tests = 0
    with_findings = {r.file for r in shown} | set(collapsed)
    rows = sorted(
        [(r.sort_key, r) for r in shown] + [((c.file, c.line, "PS003", ""), c) for c in collapsed.values()],
        key=lambda kv: kv[0],
    )
    for _, item in rows:
        tests += 1
        if isinstance(item, Reported):
            r = item
            case = _case(suite, r.file, f"{r.rule} {r.name} line {r.line}", r.line)
            head = f"{clean(r.file)}:{r.line}: {r.rule} [{r.severity.value}] {r.name}"
            body = head + (f" on {clean(r.device)}" if r.device else "") + "\n" + clean(r.message)
            kind = "error" if r.rule == "PS001" else "failure"
            errors += kind == "error"
            failures += kind == "failure"
            el = ET.SubElement(case, kind, type=r.severity.value, message=clean(r.message))
        else:
            c = item
            case = _case(suite, c.file, f"PS003 not-modelled line {c.line}", c.line)
            body = f"{clean(c.file)}:{c.line}: PS003 [info] not-modelled\n{c.message}"
            failures += 1
            el = ET.SubElement(case, "failure", type="info", message=c.message)
        el.text = body
    for f in result.files:
        if f.path not in with_findings:
            tests += 1
            _case(suite, f.path, "policylint", 1)
    for el in (root, suite):
        el.set("tests", str(tests))
        el.set("failures", str(failures))
        el.set("errors", str(errors))
    suite.set("skipped", "0")
    return root


def render(result: LintResult, out: TextIO, config: ReportConfig) -> None:
    root = document(result, config)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode") + "\n")
