"""One line per finding: ``path:line:col: CODE [severity] message``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from policylint.report import ReportConfig, clean, count_line, split_unsupported

if TYPE_CHECKING:
    from policylint.engine import LintResult


def lines(result: LintResult, config: ReportConfig) -> list[str]:
    shown, collapsed = split_unsupported(result.findings, config.show_unsupported)
    rows: list[tuple[tuple[str, int, str, str], str]] = []
    for r in shown:
        text = f"{clean(r.file)}:{r.line}:1: {r.rule} [{r.severity.value}] {clean(r.message)}"
        rows.append((r.sort_key, text))
    for c in collapsed.values():
        text = f"{clean(c.file)}:{c.line}:1: PS003 [info] {c.message}"
        rows.append(((c.file, c.line, "PS003", ""), text))
    rows.sort(key=lambda kv: kv[0])
    out = [text for _, text in rows]
    if not config.quiet:
        out.append(count_line(result.findings))
    return out


def render(result: LintResult, out: TextIO, config: ReportConfig) -> None:
    for line in lines(result, config):
        out.write(line + "\n")
