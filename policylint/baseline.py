"""The baseline: accept today's findings, fail only on new ones.

An entry is keyed by path + rule + logical object + a hash of the (redacted,
whitespace-normalised) line text, never by line number, so adding or removing
lines above a finding does not break it.  The logical object is the block the
finding's line sits in, outermost first (``route-map TO-NTT permit 10``,
``router bgp 64500 / address-family ipv4 unicast``), or the line itself at top
level.  It is read from the config text by indentation, not from the parsed
model, so keys are the same whether or not the engine kept the Devices (worker
processes, result cache) and for every vendor.

A baseline that cannot be read, is not a policylint baseline, or comes from a
newer format is a :class:`BaselineError` (exit 2): it never silently passes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from policylint import __version__
from policylint.findings import Reported
from policylint.redact import redact_line
from policylint.suppress import DIRECTIVE as _DIRECTIVE

FORMAT = 1
MARKER = "policylint_baseline"
DEFAULT_PATH = ".policylint-baseline.json"


class BaselineError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Key:
    path: str
    rule: str
    object: str
    hash: str


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _is_code(line: str) -> bool:
    s = line.strip()
    return bool(s) and s[0] not in "!#"


def normal(text: str) -> str:
    """A line as keyed: no inline suppression, secrets redacted, whitespace collapsed."""
    cut = _DIRECTIVE.search(text)
    if cut is not None:
        text = text[: cut.start()]
    return " ".join(redact_line(text).split()).removesuffix("{").strip()


def logical_object(lines: Sequence[str], line: int) -> str:
    """The blocks ``line`` sits in, outermost first (``router bgp 64500 / address-family ipv4
    unicast``), found by indentation; a top-level line is its own object
    (``route-map TO-NTT permit 10``)."""
    if not 0 < line <= len(lines):
        return ""
    indent = _indent(lines[line - 1])
    chain: list[str] = []
    probe = line - 1
    while indent > 0 and probe > 0:
        text = lines[probe - 1]
        if _is_code(text) and _indent(text) < indent:
            chain.append(normal(text))
            indent = _indent(text)
        probe -= 1
    if not chain:
        return normal(lines[line - 1])
    return " / ".join(reversed(chain))


def line_hash(text: str) -> str:
    return hashlib.sha256(normal(text).encode("utf-8")).hexdigest()[:16]


class Keyer:
    """Computes finding keys from the config text alone (no model needed), reading each file once.

    Paths are made relative to ``base_dir`` (the baseline file's directory).
    """

    def __init__(self, base_dir: str) -> None:
        self._base = base_dir
        self._lines: dict[str, list[str]] = {}

    def _file(self, path: str) -> list[str]:
        lines = self._lines.get(path)
        if lines is None:
            try:
                with open(path, "rb") as fh:
                    lines = fh.read().decode("utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            self._lines[path] = lines
        return lines

    def rel(self, path: str) -> str:
        try:
            rel = os.path.relpath(os.path.abspath(path), self._base)
        except ValueError:
            rel = os.path.abspath(path)
        return rel.replace(os.sep, "/")

    def key(self, r: Reported) -> Key:
        lines = self._file(r.file)
        text = lines[r.line - 1] if 0 < r.line <= len(lines) else ""
        return Key(self.rel(r.file), r.rule, logical_object(lines, r.line), line_hash(text))


# --------------------------------------------------------------------------- file format


def dumps(findings: Sequence[Reported], keyer: Keyer) -> str:
    counts: Counter[Key] = Counter()
    messages: dict[Key, str] = {}
    for r in findings:
        k = keyer.key(r)
        counts[k] += 1
        messages.setdefault(k, r.message)
    return dumps_counts(counts, messages)


def dumps_counts(counts: Counter[Key], messages: dict[Key, str]) -> str:
    rows = [
        json.dumps(
            {"path": k.path, "rule": k.rule, "object": k.object, "hash": k.hash, "count": n,
             "message": messages.get(k, "")},
            ensure_ascii=True,
        )
        for k, n in sorted(counts.items(), key=lambda kv: (kv[0].path, kv[0].rule, kv[0].object, kv[0].hash))
    ]  # fmt: skip
    head = f'{{"{MARKER}": {FORMAT}, "tool": {{"name": "policylint", "version": "{__version__}"}},\n'
    body = ",\n".join(f"  {row}" for row in rows)
    return head + (f' "entries": [\n{body}\n]}}\n' if rows else ' "entries": []}\n')


def _entry_lines(text: str) -> list[int]:
    """Line of each object directly inside the top-level object's arrays (error positions)."""
    out: list[int] = []
    depth, line, in_str, esc = 0, 1, False, False
    for ch in text:
        if ch == "\n":
            line += 1
        if in_str:
            esc, in_str = (False, in_str) if esc else (ch == "\\", ch != '"')
            continue
        if ch == '"':
            in_str = True
        elif ch in "{[":
            if ch == "{" and depth == 2:
                out.append(line)
            depth += 1
        elif ch in "}]":
            depth -= 1
    return out


def load(path: str) -> tuple[Counter[Key], dict[Key, str]]:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(
            f"{path}: cannot read baseline: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}:{exc.lineno}:{exc.colno}: corrupt baseline: {exc.msg}") from None
    if not isinstance(doc, dict) or MARKER not in doc:
        raise BaselineError(f"{path}:1: not a policylint baseline (no {MARKER!r} key)")
    version = doc[MARKER]
    if not isinstance(version, int) or isinstance(version, bool):
        raise BaselineError(f"{path}:1: {MARKER!r} must be an integer format number")
    if version > FORMAT:
        raise BaselineError(
            f"{path}:1: baseline format {version} is newer than this policylint ({__version__}) reads "
            f"(format {FORMAT}); upgrade policylint"
        )
    entries = doc.get("entries")
    if not isinstance(entries, list):
        raise BaselineError(f"{path}:1: corrupt baseline: 'entries' must be a list")
    lines = _entry_lines(text)
    counts: Counter[Key] = Counter()
    messages: dict[Key, str] = {}
    for i, e in enumerate(entries):
        where = f"{path}:{lines[i] if i < len(lines) else 1}"
        if not isinstance(e, dict):
            raise BaselineError(f"{where}: corrupt baseline: entries[{i}] is not an object")
        for field in ("path", "rule", "object", "hash"):
            if not isinstance(e.get(field), str):
                raise BaselineError(
                    f"{where}: corrupt baseline: entries[{i}].{field} missing or not a string"
                )
        count = e.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise BaselineError(f"{where}: corrupt baseline: entries[{i}].count must be a positive integer")
        k = Key(e["path"], e["rule"], e["object"], e["hash"])
        counts[k] += count
        messages.setdefault(k, str(e.get("message", "")))
    return counts, messages


@dataclass(frozen=True, slots=True)
class Filtered:
    kept: tuple[Reported, ...]
    baselined: int
    fixed: int  # baseline entries (with multiplicity) that matched nothing


def apply(findings: Sequence[Reported], counts: Counter[Key], keyer: Keyer) -> Filtered:
    left = Counter(counts)
    kept: list[Reported] = []
    for r in findings:
        k = keyer.key(r)
        if left[k] > 0:
            left[k] -= 1
        else:
            kept.append(r)
    baselined = len(findings) - len(kept)
    return Filtered(tuple(kept), baselined, sum(left.values()))
