"""The baseline: accept today's findings, fail only on new ones.

An entry is keyed by path + rule + logical object + a hash of the (redacted,
whitespace-normalised) line text, never by line number, so adding or removing
lines above a finding does not break it.  The logical object is the smallest
model object whose span covers the finding's line: ``route-map TO-NTT 10``,
``neighbor 192.0.2.1``, ``ip prefix-list X seq 5``, ``network 192.0.2.0/24``,
``router bgp 64500``.

A baseline that cannot be read, is not a policylint baseline, or comes from a
newer format is a :class:`BaselineError` (exit 2): it never silently passes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from policylint import __version__
from policylint.findings import Reported
from policylint.model import Afi, Device, Span
from policylint.redact import redact_line
from policylint.vendors import FileResult

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


def _objects(dev: Device) -> Iterable[tuple[Span, str]]:
    if dev.bgp_span is not None:
        yield dev.bgp_span, f"router bgp {dev.asn}" if dev.asn is not None else "router bgp"
    if dev.rpki is not None:
        yield dev.rpki.span, "rpki"
    for n in (*dev.neighbors, *dev.peer_groups):
        yield n.span, f"neighbor {n.address}"
    for o in dev.originations:
        yield o.span, f"{o.via} {o.prefix}" if o.prefix is not None else o.via
    for p in dev.policies.values():
        for t in p.terms:
            yield t.span, f"route-map {p.name} {t.seq}"
    for pl in dev.prefix_lists.values():
        family = "ipv6" if pl.afi is Afi.IPV6 else "ip"
        for e in pl.entries:
            yield e.span, f"{family} prefix-list {pl.name} seq {e.seq}"
    for al in dev.as_path_lists.values():
        for a in al.entries:
            yield a.span, f"bgp as-path access-list {al.name}"
    for cl in (*dev.community_lists.values(), *dev.large_community_lists.values()):
        for c in cl.entries:
            yield c.span, f"{'large-' if cl.large else ''}community-list {cl.name}"


def objects(devices: Sequence[Device]) -> list[tuple[int, int, str]]:
    """(first line, last line, label) of every keyed object, smallest first."""
    rows = [(s.line, s.end_line, label) for dev in devices for s, label in _objects(dev)]
    rows.sort(key=lambda r: r[1] - r[0])  # stable: ties keep model order
    return rows


def logical_object(
    devices: Sequence[Device], line: int, rows: list[tuple[int, int, str]] | None = None
) -> str:
    """The smallest modelled object covering ``line`` ('' when none does)."""
    for first, last, label in objects(devices) if rows is None else rows:
        if first <= line <= last:
            return label
    return ""


def line_hash(text: str) -> str:
    normal = " ".join(redact_line(text).split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


class Keyer:
    """Computes finding keys, reading each file's lines once."""

    def __init__(self, files: Sequence[FileResult], base_dir: str) -> None:
        self._devices = {f.path: f.devices for f in files}
        self._base = base_dir
        self._lines: dict[str, list[str]] = {}
        self._objects: dict[str, list[tuple[int, int, str]]] = {}

    def _text(self, path: str, line: int) -> str:
        lines = self._lines.get(path)
        if lines is None:
            try:
                with open(path, "rb") as fh:
                    lines = fh.read().decode("utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            self._lines[path] = lines
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def rel(self, path: str) -> str:
        try:
            rel = os.path.relpath(os.path.abspath(path), self._base)
        except ValueError:
            rel = os.path.abspath(path)
        return rel.replace(os.sep, "/")

    def key(self, r: Reported) -> Key:
        rows = self._objects.get(r.file)
        if rows is None:
            rows = self._objects[r.file] = objects(self._devices.get(r.file, ()))
        obj = logical_object((), r.line, rows)
        return Key(self.rel(r.file), r.rule, obj, line_hash(self._text(r.file, r.line)))


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
