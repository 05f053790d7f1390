"""Snapshots on the Batfish service: one per config set (``init_snapshot``), forks for withdrawals.

Every snapshot is checked with ``fileParseStatus`` right after it is made: a file Batfish could not
parse at all stops the run with Batfish's own ``parseWarning`` lines for that file, mapped back to
the original file and line.  Partly recognised files become notes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass

from policylint.batfish import answers
from policylint.batfish.client import Service
from policylint.batfish.errors import BatfishError
from policylint.batfish.snapshot import Snapshot, build, node_name
from policylint.model import Network

MAX_WARNINGS = 20  # per failing file, in the error


@dataclass(frozen=True, slots=True)
class Loaded:
    name: str  # the snapshot's name on the service
    snapshot: Snapshot
    notes: tuple[str, ...]


def _where(snap: Snapshot, w: answers.ParseWarning) -> str:
    f = snap.file_for(w.filename)
    if f is None or w.line is None:
        return w.filename if w.line is None else f"{w.filename}:{w.line}"
    line = w.line - f.line_offset
    return f"{f.source}:{line}" if line > 0 else f"{f.source} (line {w.line} of the snapshot file)"


def parse_check(service: Service, name: str, snap: Snapshot) -> tuple[str, ...]:
    """Raise when a file failed to parse (with its warnings); notes for partly recognised files."""
    statuses = answers.file_statuses(service.file_parse_status(name))
    failed = answers.failed_files(statuses)
    partial = [s for s in statuses if s.status in answers.PARSE_PARTIAL]
    if not failed:
        return tuple(
            f"Batfish recognised only part of {_source(snap, s.name)} ({s.file_format})" for s in partial
        )
    warnings = answers.parse_warnings(service.parse_warnings(name))
    details: list[str] = []
    for s in failed:
        details.append(f"{_source(snap, s.name)}: {s.status} (format {s.file_format})")
        mine = [w for w in warnings if w.filename == s.name or w.filename.endswith("/" + s.name)]
        for w in mine[:MAX_WARNINGS]:
            text = f" {w.text!r}" if w.text else ""
            comment = f": {w.comment}" if w.comment else ""
            details.append(f"  {_where(snap, w)}:{text}{comment}")
        if len(mine) > MAX_WARNINGS:
            details.append(f"  ... {len(mine) - MAX_WARNINGS} more parse warnings")
        if not mine:
            details.append("  (Batfish reported no parse warnings for this file)")
    raise BatfishError(f"Batfish could not parse {len(failed)} file(s) of the snapshot", details)


def _source(snap: Snapshot, name: str) -> str:
    f = snap.file_for(name)
    return f.source if f is not None else name


class Snapshots:
    """The snapshots of one run; :meth:`close` deletes them from the service."""

    def __init__(self, service: Service) -> None:
        self._service = service
        self._loaded: dict[int, tuple[Network, Loaded]] = {}
        self._forks: dict[tuple[str, frozenset[str]], str] = {}
        self._made: list[str] = []

    def of(self, network: Network) -> Loaded:
        hit = self._loaded.get(id(network))
        if hit is not None and hit[0] is network:
            return hit[1]
        with tempfile.TemporaryDirectory(prefix="policylint-batfish-") as tmp:
            snap = build(network, tmp)
            name = self._service.init_snapshot(tmp)
        self._made.append(name)
        loaded = Loaded(name, snap, parse_check(self._service, name, snap))
        self._loaded[id(network)] = (network, loaded)
        return loaded

    def without(self, loaded: Loaded, hostnames: Iterable[str]) -> str:
        """``loaded`` with the given devices deactivated (``fork_snapshot``); itself when none are in it."""
        modelled = {node_name(h) for f in loaded.snapshot.files for h in f.hostnames}
        nodes = frozenset(node_name(h) for h in hostnames) & modelled
        if not nodes:
            return loaded.name
        key = (loaded.name, nodes)
        name = self._forks.get(key)
        if name is None:
            name = self._service.fork_snapshot(loaded.name, sorted(nodes))
            self._made.append(name)
            self._forks[key] = name
        return name

    def close(self) -> None:
        for name in reversed(self._made):
            with suppress(BatfishError):  # best effort: the run's result does not depend on it
                self._service.delete_snapshot(name)
        self._made.clear()
