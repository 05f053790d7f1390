"""Run the checks over everything linted and stamp their findings.

Work per file (parse, device-scope checks, gathering network facts) is independent, so a large
run spreads files over worker processes (``jobs``).  Workers send back only findings, facts and a
Device-free :class:`~policylint.vendors.FileResult` summary: pickling a parsed Device costs about
as much as parsing it.  Network-scope ``reduce`` steps then run once, in this process, over the
facts of every file.  Serial and parallel runs give identical results.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from policylint import policyspace
from policylint.cache import Cache
from policylint.catalogue import RuleDoc, load_catalogue
from policylint.checks.base import Check
from policylint.cpus import default_jobs
from policylint.findings import Finding, Reported
from policylint.inventory import apply_file as apply_inventory
from policylint.loader import Progress, discover, load_bytes, load_path, read_file
from policylint.model import Network, Span
from policylint.options import Options
from policylint.vendors import FileError, FileResult

__all__ = ["LintResult", "Options", "lint_files", "lint_paths"]

# parse-category rules the engine itself emits (file scope)
FILE_ERROR = "PS001"
MALFORMED = "PS002"
UNSUPPORTED = "PS003"
DIALECT = "PS004"

# below this much config text a worker pool costs more than it saves
_PARALLEL_MIN_BYTES = 512 * 1024


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


@dataclass(slots=True)
class _Outcome:
    """What linting one file yields before the network-scope reduce steps."""

    reported: list[Reported] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    facts: dict[str, list[object]] = field(default_factory=dict)

    def merge(self, other: _Outcome) -> None:
        self.reported.extend(other.reported)
        self.errors.extend(e for e in other.errors if e not in self.errors)
        for code, facts in other.facts.items():
            self.facts.setdefault(code, []).extend(facts)


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


def _lint_file(res: FileResult, options: Options, checks: Sequence[Check]) -> _Outcome:
    """File findings, device-scope findings and gathered facts of one file."""
    res = apply_inventory(options.inventory, res)  # neighbor roles from the config file
    catalogue = load_catalogue()
    out = _Outcome()
    for code, finding, device in _file_findings(res):
        doc = catalogue.get(code)
        if doc is None:
            out.errors.append(f"rule {code} has no rules/{code}.yaml entry")
            continue
        out.reported.append(_stamp(doc, finding, device))
    for check in checks:
        doc = catalogue.get(check.code)
        if doc is None:
            continue  # reported once, by _reduce
        try:
            for dev in res.devices:
                if check.device is not None:
                    out.reported.extend(_stamp(doc, f, dev.hostname) for f in check.device(dev, options))
                if check.gather is not None:
                    out.facts.setdefault(check.code, []).extend(check.gather(dev, options))
        except Exception as exc:  # a check bug is a tool error, never a traceback
            out.errors.append(_internal(check.code, doc, exc))
    policyspace.forget(res.devices)
    return out


def _internal(code: str, doc: RuleDoc, exc: Exception) -> str:
    return f"internal error in {code} ({doc.name}): {type(exc).__name__}: {exc}"


def _reduce(
    files: Sequence[FileResult], outcome: _Outcome, options: Options, checks: Sequence[Check]
) -> LintResult:
    """Run the network-scope steps over everything gathered and build the result."""
    catalogue = load_catalogue()
    reported, errors = outcome.reported, list(outcome.errors)
    network: Network | None = None
    for check in checks:
        doc = catalogue.get(check.code)
        if doc is None:
            errors.append(f"check {check.code} has no rules/{check.code}.yaml entry")
            continue
        try:
            if check.reduce is not None:
                facts = outcome.facts.get(check.code, [])
                reported.extend(_stamp(doc, f, None) for f in check.reduce(facts, options))
            if check.network is not None:
                if network is None:
                    network = Network(tuple(d for res in files for d in res.devices))
                reported.extend(_stamp(doc, f, None) for f in check.network(network, options))
        except Exception as exc:
            errors.append(_internal(check.code, doc, exc))
    unique = sorted(set(reported), key=lambda r: r.sort_key)
    return LintResult(tuple(files), tuple(unique), tuple(errors))


def _default_checks() -> Sequence[Check]:
    from policylint.checks.registry import CHECKS

    return CHECKS


def lint_files(
    files: Sequence[FileResult],
    options: Options,
    checks: Sequence[Check] | None = None,
) -> LintResult:
    """Lint already loaded files in this process."""
    checks = _default_checks() if checks is None else checks
    outcome = _Outcome()
    for res in files:
        outcome.merge(_lint_file(res, options, checks))
    return _reduce(files, outcome, options, checks)


@contextmanager
def _few_collections() -> Iterator[None]:
    """Run the cyclic GC less often while building models.

    Parsing allocates millions of small acyclic objects; with the default thresholds the
    collector keeps re-scanning them (measured: 20-25% of a large lint).  Restored afterwards.
    """
    saved = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def lint_paths(
    paths: Sequence[str],
    options: Options | None = None,
    progress: Progress | None = None,
    checks: Sequence[Check] | None = None,
    *,
    jobs: int | None = None,
    cache: Cache | None = None,
) -> LintResult:
    """Discover, parse and lint.

    ``jobs``: worker processes for large runs (default: one per CPU).  ``cache``: reuse
    per-file results of unchanged files (:mod:`policylint.cache`).  Either way the result's
    FileResults may come without their Devices (see :meth:`FileResult.summary`); pass
    ``jobs=1`` and no cache to keep them.
    """
    with _few_collections():
        return _lint_paths(paths, options or Options(), progress, checks, jobs, cache)


def _lint_paths(  # noqa: PLR0917
    paths: Sequence[str],
    opts: Options,
    progress: Progress | None,
    checks: Sequence[Check] | None,
    jobs: int | None,
    cache: Cache | None,
) -> LintResult:
    checks = _default_checks() if checks is None else checks
    found = discover(paths)
    jobs = default_jobs() if jobs is None else jobs
    if any(c.network for c in checks):
        jobs, cache = 1, None  # such a check needs every Device in this process
    done: dict[int, tuple[FileResult, _Outcome] | None] = {}
    probed: dict[int, tuple[bytes, str]] = {}  # misses: the bytes read and their key, for reuse
    if cache is not None:  # hits first, in this process: a warm run needs no workers
        for i, (path, explicit) in enumerate(found):
            hit = _from_cache(path, explicit, opts, cache)
            if isinstance(hit, _Miss):
                if hit.data is not None:
                    probed[i] = (hit.data, hit.key)
            else:
                done[i] = hit
        if progress is not None and done:
            progress(len(done), len(found))
    todo = [i for i in range(len(found)) if i not in done]
    batch = [found[i] for i in todo]
    pooled = None
    if jobs > 1 and len(batch) > 1 and _worth_parallel(batch):
        from policylint import parallel

        def work(part: Sequence[tuple[str, bool]]) -> Iterator[tuple[FileResult, _Outcome] | None]:
            return _worker(part, opts, checks, cache)

        def step(n: int, _total: int) -> None:
            if progress is not None:
                progress(len(done) + n, len(found))

        probed.clear()  # workers read their own files
        pooled = parallel.run(batch, work, jobs=jobs, progress=step)
    if pooled is not None:
        done.update(zip(todo, pooled, strict=True))
    else:
        for n, i in enumerate(todo, 1):
            path, explicit = found[i]
            done[i] = _lint_one(path, explicit, opts, checks, cache, probed.get(i))
            if progress is not None:
                progress(len(found) - len(todo) + n, len(found))
    files: list[FileResult] = []
    outcome = _Outcome()
    for i in range(len(found)):
        one = done[i]
        if one is not None:
            files.append(one[0])
            outcome.merge(one[1])
    return _reduce(files, outcome, opts, checks)


def _worth_parallel(found: Sequence[tuple[str, bool]]) -> bool:
    total = 0
    for path, _ in found:
        try:
            total += os.path.getsize(path)
        except OSError:
            continue
        if total >= _PARALLEL_MIN_BYTES:
            return True
    return False


def _worker(
    batch: Sequence[tuple[str, bool]], options: Options, checks: Sequence[Check], cache: Cache | None
) -> Iterator[tuple[FileResult, _Outcome] | None]:
    """Runs in a worker process: load and lint a batch, keep the Devices here (one item a path)."""
    for path, explicit in batch:
        one = _lint_one(path, explicit, options, checks, cache)
        yield None if one is None else (one[0].summary(), one[1])


_NOT_A_CONFIG = "not a config"  # cached for discovered files that are not router configs


@dataclass(frozen=True, slots=True)
class _Miss:
    """Not in the cache; the bytes read and their key when the file could be read."""

    data: bytes | None = None
    key: str = ""


def _from_cache(
    path: str, explicit: bool, options: Options, cache: Cache
) -> tuple[FileResult, _Outcome] | _Miss | None:
    """A cached (FileResult, _Outcome), None for a cached non-config, or a :class:`_Miss`."""
    if explicit and not os.path.exists(path):
        return _Miss()
    data = read_file(path, options)
    if isinstance(data, FileResult):
        return _Miss()
    key = cache.key(path, data)
    hit = cache.get(key)
    if hit == _NOT_A_CONFIG:
        return None
    if (
        isinstance(hit, tuple)
        and len(hit) == 2
        and isinstance(hit[0], FileResult)
        and isinstance(hit[1], _Outcome)
    ):
        return hit[0], hit[1]
    return _Miss(data, key)


def _lint_one(  # noqa: PLR0917
    path: str,
    explicit: bool,
    options: Options,
    checks: Sequence[Check],
    cache: Cache | None,
    probed: tuple[bytes, str] | None = None,
) -> tuple[FileResult, _Outcome] | None:
    """Load and lint one discovered path, through the cache when there is one.

    ``probed``: the file's bytes and cache key, when the cache probe already read them.
    """
    if explicit and not os.path.exists(path):
        res: FileResult | None = FileResult(path, None, (), 0, FileError("no such file or directory"))
    elif cache is None:
        res = load_path(path, explicit, options)
    else:
        data = read_file(path, options) if probed is None else probed[0]
        if isinstance(data, FileResult):
            res = data
        else:
            key = cache.key(path, data) if probed is None else probed[1]
            res = load_bytes(path, data, explicit)
            if res is None:
                cache.put(key, _NOT_A_CONFIG)
                return None
            outcome = _lint_file(res, options, checks)
            if res.error is None and not outcome.errors:  # never cache a tool failure
                cache.put(key, (res.summary(), outcome))
            return res, outcome
    if res is None:
        return None
    return res, _lint_file(res, options, checks)
