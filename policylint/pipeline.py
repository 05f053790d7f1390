"""One lint run as the CLI sees it: config, load, lint, then the CI-gate steps.

``engine.lint_files`` produces the findings; this module applies, in order:
rule selection, ``per-file-ignores``, inline suppressions (and PS005 for bad
ones), severity overrides, and the baseline.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from policylint.catalogue import RuleDoc, load_catalogue
from policylint.checks.base import Check
from policylint.config import Config
from policylint.findings import Reported, Severity
from policylint.loader import Progress
from policylint.options import Options
from policylint.selection import Selection, resolve

if TYPE_CHECKING:
    from policylint.engine import LintResult


@dataclass(frozen=True, slots=True)
class Settings:
    config: Config = field(default_factory=Config)
    select: tuple[str, ...] | None = None  # command line: replaces the config's select
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None
    baseline: str | None = None  # command line; else the config's
    no_baseline: bool = False
    max_prepends: int | None = None

    @property
    def options(self) -> Options:
        opts = self.config.options
        return opts if self.max_prepends is None else replace(opts, max_prepends=self.max_prepends)

    @property
    def effective_fail_on(self) -> str:
        return self.fail_on or self.config.fail_on or "warning"

    @property
    def baseline_path(self) -> str | None:
        return None if self.no_baseline else self.baseline or self.config.baseline

    def selection(self, catalogue: Mapping[str, RuleDoc]) -> Selection:
        c = self.config
        return Selection.build(
            catalogue,
            self.select if self.select is not None else c.select,
            (*c.extend_select, *self.extend_select),
            (*c.ignore, *self.ignore),
        )


@dataclass(frozen=True, slots=True)
class Run:
    result: LintResult
    enabled: frozenset[str]
    fail_on: str
    suppressed: int = 0
    baselined: int = 0
    fixed: int = 0  # baseline entries that no longer match a finding


def _per_file(config: Config, catalogue: Mapping[str, RuleDoc]) -> list[tuple[str, frozenset[str]]]:
    out: list[tuple[str, frozenset[str]]] = []
    for glob, selectors in config.per_file_ignores:
        codes: set[str] = set()
        for s in selectors:
            codes |= resolve(s, catalogue)
        out.append((glob, frozenset(codes)))
    return out


def _file_ignored(path: str, root: str, rules: list[tuple[str, frozenset[str]]]) -> frozenset[str]:
    rel = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
    given = path.replace(os.sep, "/")
    base = os.path.basename(path)
    codes: set[str] = set()
    for glob, sel in rules:
        plain = "/" not in glob and fnmatch.fnmatchcase(base, glob)
        if plain or fnmatch.fnmatchcase(rel, glob) or fnmatch.fnmatchcase(given, glob):
            codes |= sel
    return frozenset(codes)


def _severities(config: Config, catalogue: Mapping[str, RuleDoc]) -> dict[str, Severity]:
    out: dict[str, Severity] = {}
    for sel, sev in config.severity:
        for code in resolve(sel, catalogue):
            out[code] = sev
    return out


def postprocess(
    result: LintResult, settings: Settings, catalogue: Mapping[str, RuleDoc], enabled: frozenset[str]
) -> Run:
    """Selection, per-file-ignores, suppressions, severity overrides and baseline."""
    from policylint import suppress

    config = settings.config
    pfi = _per_file(config, catalogue)
    ignored: dict[str, frozenset[str]] = {}

    def allowed(r: Reported) -> bool:
        if r.rule not in enabled:
            return False
        if pfi:
            if r.file not in ignored:
                ignored[r.file] = _file_ignored(r.file, config.root, pfi)
            return r.rule not in ignored[r.file]
        return True

    findings = [r for r in result.findings if allowed(r)]
    sups = suppress.collect(result.files, catalogue)
    outcome = suppress.apply(findings, sups, enabled)
    kept = list(outcome.kept)
    tool_errors = list(result.tool_errors)
    doc = catalogue.get(suppress.CODE)
    for path, line, message, is_error in outcome.problems:
        if is_error:
            tool_errors.append(f"{path}:{line}: {message}")
        if doc is None:
            continue
        r = Reported(doc.code, doc.name, doc.category, doc.severity, path, line, line, None, message)
        fs = sups.get(path)
        if allowed(r) and (fs is None or fs.covering(r) is None):
            kept.append(r)
    overrides = _severities(config, catalogue)
    if overrides:
        kept = [replace(r, severity=overrides[r.rule]) if r.rule in overrides else r for r in kept]
    kept.sort(key=lambda r: r.sort_key)
    baselined = fixed = 0
    base_path = settings.baseline_path
    if base_path is not None:
        from policylint import baseline

        counts, _ = baseline.load(base_path)
        keyer = baseline.Keyer(os.path.dirname(os.path.abspath(base_path)))
        filtered = baseline.apply(kept, counts, keyer)
        kept, baselined, fixed = list(filtered.kept), filtered.baselined, filtered.fixed
    new = replace(result, findings=tuple(kept), tool_errors=tuple(tool_errors))
    return Run(new, enabled, settings.effective_fail_on, outcome.suppressed, baselined, fixed)


LintFn = Callable[[Sequence[str], Options, "Progress | None", Sequence[Check]], "LintResult"]


def _lint_paths(
    paths: Sequence[str], options: Options, progress: Progress | None, checks: Sequence[Check]
) -> LintResult:
    from policylint.engine import lint_paths

    return lint_paths(paths, options, progress, checks)


def run(
    paths: Sequence[str], settings: Settings, progress: Progress | None = None, lint: LintFn | None = None
) -> Run:
    """Lint ``paths`` with ``lint`` (default: :func:`policylint.engine.lint_paths`) and post-process.

    Only the enabled rules' checks run.  Nothing here needs the Devices after linting, so
    a ``lint`` that drops them (worker processes, a result cache) works the same.
    """
    from policylint.checks.registry import CHECKS

    catalogue = load_catalogue()
    enabled = settings.selection(catalogue).enabled
    if settings.baseline_path is not None:  # a broken baseline fails before the (long) lint
        from policylint import baseline

        baseline.load(settings.baseline_path)
    checks = [c for c in CHECKS if c.code in enabled]
    result = (lint or _lint_paths)(paths, settings.options, progress, checks)
    return postprocess(result, settings, catalogue, enabled)
