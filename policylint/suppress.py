"""Inline suppressions written as comments in the router config.

Directives (``!`` or ``#`` starts the comment; the selectors are those of
``--select``: codes, prefixes, categories, names)::

    ! policylint: ignore[PX101,LK102] -- reason      own line: the next statement or block
    neighbor ... # policylint: ignore[LK101]         trailing: this line only
    ! policylint: disable[PP] -- reason              ... until enable[PP] or the end of the file
    ! policylint: enable[PP]
    ! policylint: file-ignore[PS003] -- reason       the whole file

"The next statement or block" is worked out from the text, without knowing the
vendor or needing the parsed model: the next line that is not blank or a
comment, plus every following line indented deeper than it (or up to its
closing brace when it opens one).
Suppressions that match nothing, and unknown selectors, become PS005 findings;
an unknown selector is also an input error (exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from policylint.catalogue import RuleDoc
from policylint.findings import Reported
from policylint.selection import SelectorError, resolve, split_list
from policylint.vendors import FileResult

CODE = "PS005"
DIRECTIVE = re.compile(
    r"(?:^|\s)[!#]\s*policylint:\s*(?P<kind>ignore|disable|enable|file-ignore)\s*"
    r"\[(?P<sel>[^\]]*)\](?:\s*--\s*(?P<reason>.*))?",
    re.IGNORECASE,
)
_NEVER = frozenset({"PS001", CODE})  # unreadable files carry no comments; PS005 only via file-ignore


@dataclass(frozen=True, slots=True)
class Suppression:
    kind: str  # ignore | disable | enable | file-ignore
    text: str  # the directive as written, for messages
    line: int
    start: int  # covered lines, inclusive; start > end covers nothing
    end: int
    codes: frozenset[str]
    unknown: tuple[str, ...]
    closes: bool = False  # an enable that ends at least one disable


@dataclass(frozen=True, slots=True)
class FileSuppressions:
    path: str
    items: tuple[Suppression, ...]

    def covering(self, r: Reported) -> Suppression | None:
        for s in self.items:
            if s.kind != "enable" and r.rule in s.codes and s.start <= r.line <= s.end:
                if r.rule == CODE and s.kind != "file-ignore":
                    continue
                return s
        return None


@dataclass(frozen=True, slots=True)
class Outcome:
    kept: tuple[Reported, ...]
    suppressed: int
    problems: tuple[tuple[str, int, str, bool], ...] = field(default=())
    # (path, line, message, is_error) for PS005


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _is_code(line: str) -> bool:
    s = line.strip()
    return bool(s) and s[0] not in "!#"


def _statement_only(line: str) -> str:
    m = DIRECTIVE.search(line)
    return line[: m.start()] if m else line


def block_after(lines: Sequence[str], line: int) -> tuple[int, int]:
    """The (first, last) line of the statement or block after 1-based ``line``."""
    n = len(lines)
    first = line + 1
    while first <= n and not _is_code(lines[first - 1]):
        first += 1
    if first > n:
        return (first, first - 1)
    head = _statement_only(lines[first - 1])
    last = first
    depth = head.count("{") - head.count("}")
    if depth > 0:
        while last < n and depth > 0:
            last += 1
            text = _statement_only(lines[last - 1])
            depth += text.count("{") - text.count("}")
    else:
        base = _indent(lines[first - 1])
        probe = first + 1
        while probe <= n:
            text = lines[probe - 1]
            if _is_code(text):
                if _indent(text) <= base:
                    break
                last = probe
            probe += 1
    return (first, last)


def parse(lines: Sequence[str], catalogue: Mapping[str, RuleDoc]) -> list[Suppression]:
    out: list[Suppression] = []
    open_disables: list[int] = []  # indexes into ``out`` of disables not yet enabled
    for no, text in enumerate(lines, 1):
        if "policylint" not in text:
            continue
        m = DIRECTIVE.search(text)
        if m is None:
            continue
        kind = m.group("kind").lower()
        codes: set[str] = set()
        unknown: list[str] = []
        for sel in split_list([m.group("sel")]):
            try:
                codes |= resolve(sel, catalogue)
            except SelectorError:
                unknown.append(sel)
        start, end, closes = no, no, False
        if kind == "ignore" and not text[: m.start()].strip():  # own line: the next statement/block
            start, end = block_after(lines, no)
        elif kind == "file-ignore":
            start, end = 1, len(lines)
        elif kind == "disable":
            start, end = no + 1, len(lines)
        elif kind == "enable":  # closes the open disables it names
            for i in [i for i in open_disables if out[i].codes & codes]:
                out[i] = replace(out[i], end=no - 1)
                open_disables.remove(i)
                closes = True
        if kind == "disable":
            open_disables.append(len(out))
        shown = text[m.start() :].strip()
        out.append(Suppression(kind, shown, no, start, end, frozenset(codes), tuple(unknown), closes))
    return out


def read_lines(path: str) -> list[str] | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    if b"policylint" not in data:
        return []
    return data.decode("utf-8", errors="replace").splitlines()


def collect(files: Sequence[FileResult], catalogue: Mapping[str, RuleDoc]) -> dict[str, FileSuppressions]:
    out: dict[str, FileSuppressions] = {}
    for res in files:
        if res.error is not None or res.vendor is None:
            continue
        lines = read_lines(res.path)
        if not lines:
            continue
        items = parse(lines, catalogue)
        if items:
            out[res.path] = FileSuppressions(res.path, tuple(items))
    return out


def apply(
    findings: Sequence[Reported], sups: Mapping[str, FileSuppressions], enabled: frozenset[str]
) -> Outcome:
    """Drop suppressed findings; report unknown selectors and unused suppressions."""
    kept: list[Reported] = []
    used: set[tuple[str, int]] = set()
    for r in findings:
        fs = sups.get(r.file)
        hit = None if fs is None or r.rule in _NEVER - {CODE} else fs.covering(r)
        if hit is None:
            kept.append(r)
        else:
            used.add((r.file, hit.line))
    suppressed = len(findings) - len(kept)
    problems: list[tuple[str, int, str, bool]] = []
    for fs in sups.values():
        for s in fs.items:
            for sel in s.unknown:
                msg = f"unknown rule selector {sel!r} in `{s.text}`: nothing is suppressed for it"
                problems.append((fs.path, s.line, msg, True))
            if (fs.path, s.line) in used or s.closes or s.unknown or not s.codes or not s.codes <= enabled:
                continue
            what = "closes no open disable" if s.kind == "enable" else "matches no finding"
            problems.append(
                (fs.path, s.line, f"`{s.text}` {what}: remove it so it cannot hide a future mistake", False)
            )  # fmt: skip
    return Outcome(tuple(kept), suppressed, tuple(problems))
