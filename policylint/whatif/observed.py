"""Observed AS paths toward the service: what route collectors (RIS, RouteViews, the operator's own
monitors) saw, read from MRT files or from ``bgpdump -m`` / ``bgpreader`` text (issue 9).

Every input file is recognised by content: MRT (plain, gzip or bzip2) is read with the ``mrtparse``
package (:mod:`policylint.whatif.observed_mrt`); anything else must be pipe-separated text
(:mod:`policylint.whatif.observed_text`).  A line or record that cannot be read stops the run with
``file:line`` (or ``file: record N``) and exit code 2.  Paths with an AS_SET, and records of other
kinds (state changes, peer tables, other address families' withdrawals), are skipped; AS_SET paths
are counted in a warning because they carry no usable order.

:func:`current` turns a day of updates into the routes each monitor held at the end: per
(monitor, peer address, prefix) the latest announcement wins and a later withdrawal removes it.
"""

from __future__ import annotations

import bz2
import gzip
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from policylint.model import IPNetwork

MAX_ASN = 2**32 - 1


class ObservationError(Exception):
    """A file of observations that cannot be read: ``path:line: message`` (exit code 2)."""


@dataclass(frozen=True, slots=True)
class ObservedPath:
    where: str  # "file:line" or "file: record N"
    time: int  # seconds since the epoch, as the collector stamped it
    monitor: int  # the collector's peer AS
    peer: str  # the collector's peer address
    prefix: IPNetwork
    path: tuple[int, ...]  # nearest the monitor first, origin last; prepends collapsed; () = withdrawal
    communities: tuple[str, ...] = ()  # "a:b" and large "a:b:c"

    @property
    def withdrawn(self) -> bool:
        return not self.path


@dataclass(frozen=True, slots=True)
class Observations:
    paths: tuple[ObservedPath, ...]
    skipped_as_set: int = 0
    files: tuple[str, ...] = ()


def collapse(path: Iterable[int]) -> tuple[int, ...]:
    """Prepends removed: consecutive repeats of one ASN count once."""
    out: list[int] = []
    for a in path:
        if not out or out[-1] != a:
            out.append(a)
    return tuple(out)


def parse_asn(token: str) -> int:
    """``64500`` or asdot ``1.10``; ValueError when it is neither or out of range."""
    if "." in token:
        hi, _, lo = token.partition(".")
        value = int(hi) * 65536 + int(lo)
        if not (0 <= int(hi) <= 65535 and 0 <= int(lo) <= 65535):
            raise ValueError(token)
    else:
        value = int(token)
    if not 0 <= value <= MAX_ASN or not token.replace(".", "").isdigit():
        raise ValueError(token)
    return value


def is_mrt(path: str) -> bool:
    """MRT is binary: a 12-byte header whose type is one of the MRT types we read (11-17, 48, 49)."""
    head = _head(path, 12)
    if len(head) < 12:
        return False
    mtype = int.from_bytes(head[4:6], "big")
    return mtype in (11, 12, 13, 16, 17, 32, 33, 48, 49)


def _head(path: str, n: int) -> bytes:
    try:
        with open(path, "rb") as f:
            raw = f.read(3)
        if raw.startswith(b"BZh"):
            with bz2.open(path, "rb") as z:
                return z.read(n)
        if raw.startswith(b"\x1f\x8b"):
            with gzip.open(path, "rb") as z:
                return z.read(n)
        with open(path, "rb") as f:
            return f.read(n)
    except OSError as exc:
        raise ObservationError(f"{path}: {exc.strerror or exc}") from None
    except (EOFError, ValueError, gzip.BadGzipFile) as exc:
        raise ObservationError(f"{path}: not readable as compressed data ({exc})") from None


def load_observed(files: Sequence[str]) -> Observations:
    """Every announcement and withdrawal in ``files``, in file order."""
    from policylint.whatif import observed_mrt, observed_text

    paths: list[ObservedPath] = []
    skipped = 0
    for name in files:
        reader = observed_mrt.read if is_mrt(name) else observed_text.read
        got, n = reader(name)
        paths.extend(got)
        skipped += n
    return Observations(tuple(paths), skipped, tuple(files))


def current(paths: Iterable[ObservedPath]) -> list[ObservedPath]:
    """The routes held at the end: the latest record per (monitor, peer, prefix); withdrawals remove."""
    latest: dict[tuple[int, str, IPNetwork], ObservedPath] = {}
    for p in sorted(paths, key=attrgetter("time")):  # stable: file order breaks equal times
        latest[p.monitor, p.peer, p.prefix] = p
    return [p for p in latest.values() if p.path]
