"""Run the checks over everything linted and stamp their findings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from policylint.catalogue import RuleDoc, load_catalogue
from policylint.checks.base import Check
from policylint.findings import Finding, Reported
from policylint.inventory import apply_file as apply_inventory
from policylint.loader import Progress, load_paths
from policylint.model import Network, Span
from policylint.options import Options
from policylint.vendors import FileResult

__all__ = ["LintResult", "Options", "lint_files", "lint_paths"]

# parse-category rules the engine itself emits (file scope)
FILE_ERROR = "PS001"
MALFORMED = "PS002"
UNSUPPORTED = "PS003"
DIALECT = "PS004"


@dataclass(frozen=True, slots=True)
class LintResult:
    files: tuple[FileResult, ...]
    findings: tuple[Reported, ...]
    tool_errors: tuple[str, ...] = ()

    @property
    def input_error(self) -> bool:
        """True when a file could not be read or parsed at all, or the tool failed (exit 2)."""
        return bool(self.tool_errors) or any(f.error is not None for f in self.files)

    @property
    def lines(self) -> int:
        return sum(f.lines for f in self.files)


def _stamp(doc: RuleDoc, finding: Finding, device: str | None) -> Reported:
    span = finding.span
    return Reported(
        rule=doc.code,
        name=doc.name,
        category=doc.category,
        severity=doc.severity,
        file=span.path,
        line=span.line,
        end_line=span.end_line,
        device=finding.device or device,
        message=finding.message,
    )


def _file_findings(res: FileResult) -> Iterable[tuple[str, Finding, str | None]]:
    if res.error is not None:
        yield FILE_ERROR, Finding(Span.at(res.path, res.error.line or 1), res.error.message), None
    if res.note is not None and res.vendor is not None:
        yield DIALECT, Finding(Span.at(res.path, 1), f"{res.note}: the file was not linted"), None
    for dev in res.devices:
        for issue in dev.issues:
            yield MALFORMED, Finding(issue.span, issue.message), dev.hostname
        for uns in dev.unsupported:
            msg = f"not modelled in {uns.context}: `{uns.text}`; its effect on routing is not checked"
            yield UNSUPPORTED, Finding(uns.span, msg), dev.hostname


def lint_files(
    files: Sequence[FileResult],
    options: Options,
    checks: Sequence[Check] | None = None,
) -> LintResult:
    if checks is None:
        from policylint.checks.registry import CHECKS

        checks = CHECKS
    catalogue = load_catalogue()
    reported: list[Reported] = []
    tool_errors: list[str] = []
    files = [apply_inventory(options.inventory, res) for res in files]  # roles from the config file
    for res in files:
        for code, finding, device in _file_findings(res):
            doc = catalogue.get(code)
            if doc is None:
                tool_errors.append(f"rule {code} has no rules/{code}.yaml entry")
                continue
            reported.append(_stamp(doc, finding, device))
    devices = tuple(d for res in files for d in res.devices)
    network = Network(devices)
    for check in checks:
        doc = catalogue.get(check.code)
        if doc is None:
            tool_errors.append(f"check {check.code} has no rules/{check.code}.yaml entry")
            continue
        try:
            if check.device is not None:
                for dev in devices:
                    reported.extend(_stamp(doc, f, dev.hostname) for f in check.device(dev, options))
            if check.network is not None:
                reported.extend(_stamp(doc, f, None) for f in check.network(network, options))
        except Exception as exc:  # a check bug is a tool error, never a traceback
            tool_errors.append(f"internal error in {check.code} ({doc.name}): {type(exc).__name__}: {exc}")
    unique = sorted(set(reported), key=lambda r: r.sort_key)
    return LintResult(tuple(files), tuple(unique), tuple(tool_errors))


def lint_paths(
    paths: Sequence[str],
    options: Options | None = None,
    progress: Progress | None = None,
    checks: Sequence[Check] | None = None,
) -> LintResult:
    opts = options or Options()
    return lint_files(load_paths(paths, opts, progress), opts, checks)
