"""Reporters: turn a :class:`~policylint.engine.LintResult` into output.

Each format lives in its own module and is imported only when chosen, so a
``--format json`` run never imports rich.  This module holds what they share:
the exit-code rule, counting, PS003 collapsing and text sanitising.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from policylint import __version__
from policylint.findings import Reported, Severity

if TYPE_CHECKING:
    from policylint.engine import LintResult

FORMATS: tuple[str, ...] = ("full", "concise", "json", "sarif", "github", "gitlab", "junit")
FAIL_ON: tuple[str, ...] = ("error", "warning", "info", "never")
SEVERITIES: tuple[Severity, ...] = (Severity.ERROR, Severity.WARNING, Severity.INFO)
UNSUPPORTED_CODE = "PS003"

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


@dataclass(frozen=True, slots=True)
class ReportConfig:
    """How to report, independent of the format."""

    fail_on: str = "warning"
    show_unsupported: bool = False  # list every PS003 finding in the human formats
    quiet: bool = False  # findings only: no summary or count lines
    version: str = field(default=__version__)
    rules: tuple[str, ...] | None = None  # enabled rule codes (SARIF lists them); None: the whole catalogue
    exit_zero: bool = False  # --exit-zero: findings never fail the run (input errors still do)


def run_exit_code(result: LintResult, config: ReportConfig) -> int:
    """The process's exit code: :func:`exit_code`, with ``--exit-zero`` applied."""
    code = exit_code(result, config.fail_on)
    return 0 if code == EXIT_FINDINGS and config.exit_zero else code


def fail_rank(fail_on: str) -> int | None:
    """The lowest severity rank that fails the run, or None for ``never``."""
    if fail_on == "never":
        return None
    if fail_on not in FAIL_ON:
        raise ValueError(f"unknown --fail-on level {fail_on!r}")
    return Severity(fail_on).rank


def exit_code(result: LintResult, fail_on: str) -> int:
    """0 clean, 1 findings at or above ``fail_on``, 2 input or tool error (wins over 1)."""
    if result.input_error:
        return EXIT_ERROR
    rank = fail_rank(fail_on)
    if rank is not None and any(r.severity.rank >= rank for r in result.findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def by_severity(findings: Iterable[Reported]) -> dict[str, int]:
    counts = {s.value: 0 for s in SEVERITIES}
    for r in findings:
        counts[r.severity.value] += 1
    return counts


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def count_line(findings: Sequence[Reported]) -> str:
    """``Found N findings (E errors, W warnings, I info).`` or ``No findings.``"""
    if not findings:
        return "No findings."
    c = by_severity(findings)
    return (
        f"Found {plural(len(findings), 'finding')} "
        f"({plural(c['error'], 'error')}, {plural(c['warning'], 'warning')}, {c['info']} info)."
    )


@dataclass(frozen=True, slots=True)
class Collapsed:
    """All PS003 findings of one file, folded into one line."""

    file: str
    line: int  # first not-modelled line
    count: int
    device: str | None

    @property
    def message(self) -> str:
        first = "" if self.count == 1 else f" (first at line {self.line})"
        return (
            f"{plural(self.count, 'line')} not modelled{first}; "
            f"{'its' if self.count == 1 else 'their'} effect on routing is not checked "
            "(--show-unsupported lists them)"
        )


def split_unsupported(
    findings: Sequence[Reported], show_unsupported: bool
) -> tuple[list[Reported], dict[str, Collapsed]]:
    """The findings to show one by one, and the collapsed PS003 count per file."""
    if show_unsupported:
        return list(findings), {}
    shown: list[Reported] = []
    collapsed: dict[str, Collapsed] = {}
    for r in findings:
        if r.rule != UNSUPPORTED_CODE:
            shown.append(r)
            continue
        prev = collapsed.get(r.file)
        if prev is None:
            collapsed[r.file] = Collapsed(r.file, r.line, 1, r.device)
        else:
            device = prev.device if prev.device == r.device else None
            collapsed[r.file] = Collapsed(r.file, min(prev.line, r.line), prev.count + 1, device)
    return shown, collapsed


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def clean(text: str) -> str:
    """Make text safe for a terminal: tabs become spaces, other control characters ``?``.

    Config text and file names can carry escape sequences; none reach the terminal.
    """
    text = text.replace("\t", "    ").replace("\r", "").replace("\n", " ")
    return _CONTROL.sub("?", text)


def error_lines(result: LintResult) -> list[str]:
    """One ``policylint: error: ...`` line per unreadable file and per tool error."""
    out: list[str] = []
    for f in result.files:
        if f.error is not None:
            where = clean(f.path) if f.error.line is None else f"{clean(f.path)}:{f.error.line}"
            out.append(f"policylint: error: {where}: {clean(f.error.message)}")
    out.extend(f"policylint: error: {clean(msg)}" for msg in result.tool_errors)
    return out


def render(result: LintResult, fmt: str, out: TextIO, config: ReportConfig) -> None:
    """Write the report in ``fmt`` to ``out``; imports only the chosen reporter."""
    if fmt == "json":
        from policylint.report import json_report

        json_report.render(result, out, config)
    elif fmt == "concise":
        from policylint.report import concise

        concise.render(result, out, config)
    elif fmt == "full":
        from policylint.report import human

        human.render(result, out, config)
    elif fmt in ("sarif", "github", "gitlab", "junit"):
        from importlib import import_module

        import_module(f"policylint.report.{fmt}_report").render(result, out, config)
    else:
        raise ValueError(f"unknown format {fmt!r}")


def repo_relative(path: str) -> str:
    """``path`` relative to the working directory (the repository root in CI), with ``/``."""
    import os

    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, os.getcwd())
    except ValueError:
        return absolute.replace(os.sep, "/")
    if rel.startswith(".."):
        return absolute.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def fingerprints(result: LintResult, findings: Sequence[Reported]) -> list[str]:
    """Stable, unique fingerprints: the baseline key (no line numbers) plus an occurrence index."""
    import hashlib
    import os

    from policylint.baseline import Keyer

    keyer = Keyer(os.getcwd())
    seen: dict[str, int] = {}
    out: list[str] = []
    for r in findings:
        k = keyer.key(r)
        base = "\x1f".join((k.path, k.rule, k.object, k.hash))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(hashlib.sha256(f"{base}\x1f{n}".encode()).hexdigest())
    return out
