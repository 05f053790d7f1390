"""Observed AS paths toward the service: what route collectors (RIS, RouteViews, the operator's own
monitors) saw, read from MRT files or from ``bgpdump -m`` / ``bgpreader`` text (issue 9).

Every input file is recognised by content: MRT (plain, gzip or bzip2) is read with the ``mrtparse``
package (:mod:`policylint.whatif.observed_mrt`); anything else must be pipe-separated text
(:mod:`policylint.whatif.observed_text`).  A line or record that cannot be read stops the run with
``file:line`` (or ``file: record N``) and exit code 2.  Paths with an AS_SET, and records of other
kinds (state changes, peer tables, other address families' withdrawals), are skipped; AS_SET paths
are counted in a warning because they carry no usable order.

Only the routes each monitor held at the end of the observation are used (:class:`Day`): per
(monitor, peer address, prefix) the latest record wins (file order breaks equal times) and a
withdrawal removes the route.  The readers reduce while they read: a record whose content (all but
its timestamp) was already seen in the same file is not decoded again, an MRT update that a later
one of its peer settles is not decoded at all, and only the held routes become
:class:`ObservedPath` objects.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

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
class Route:
    """What one record says, without its time and place: shared by every repeat of the record."""

    monitor: int
    peer: str
    prefix: IPNetwork
    path: tuple[int, ...]  # () = withdrawal
    communities: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[int, str, IPNetwork]:
        return self.monitor, self.peer, self.prefix

    def at(self, where: str, time: int) -> ObservedPath:
        return ObservedPath(where, time, self.monitor, self.peer, self.prefix, self.path, self.communities)


Decoded = dict[bytes, list[Route | str]]  # MRT BGP4MP messages decoded, by their bytes but the time

AS_SET = "as_set"  # a reader's marker for a record whose AS path has an AS_SET (skipped, counted)
OTHER = "other"  # a reader's marker for a record about a prefix that is not wanted (skipped, counted)


@dataclass(frozen=True, slots=True)
class Wanted:
    """The prefixes whose observations matter (the services'), and every prefix inside them (how
    they look on the wire: :mod:`policylint.whatif.observed_mrt_scan`)."""

    prefixes: tuple[IPNetwork, ...]

    def __call__(self, p: IPNetwork) -> bool:
        return any(p.version == q.version and p.subnet_of(q) for q in self.prefixes)  # type: ignore[arg-type]

    def v4(self, text: str) -> bool | None:
        """Whether an ``a.b.c.d/len`` prefix text is wanted, without building a network; None when
        the text is not a plain valid IPv4 prefix (the caller parses it properly)."""
        addr, _, plen = text.partition("/")
        octets = addr.split(".")
        if len(octets) != 4 or not plen.isdigit() or not all(o.isdigit() and len(o) <= 3 for o in octets):
            return None
        length = int(plen)
        a, b, c, d = (int(o) for o in octets)
        if length > 32 or max(a, b, c, d) > 255:
            return None
        value = a << 24 | b << 16 | c << 8 | d
        for q in self.prefixes:
            if q.version == 4 and length >= q.prefixlen:
                shift = 32 - q.prefixlen
                if value >> shift == int(q.network_address) >> shift:
                    return True
        return False

    @property
    def key(self) -> str:
        return ",".join(sorted(str(q) for q in self.prefixes))


class Day:
    """The routes held at the end: every record is offered in file order; the latest per key wins.

    A reader asks for a route's :meth:`slot` once per distinct record content and offers each record
    under that slot, so the per-record work is one integer-keyed lookup (hashing an IP network is slow).
    """

    def __init__(self) -> None:
        self._slots: dict[tuple[int, str, IPNetwork], int] = {}
        self.latest: dict[int, tuple[int, str, int | str, Route]] = {}
        self.records = 0
        self.skipped_as_set = 0
        self.skipped_other = 0  # records about prefixes outside the wanted ones

    def slot(self, route: Route) -> int:
        return self._slots.setdefault(route.key, len(self._slots))

    def add(self, slot: int, time: int, name: str, where: int | str, route: Route) -> None:
        """Offer one record (the readers count it): it is held if no later one for its slot is.
        ``where`` is a line number, or ``"record N"`` for MRT; ``file:line`` is built only if held."""
        cur = self.latest.get(slot)
        if cur is None or time >= cur[0]:
            self.latest[slot] = (time, name, where, route)

    def held(self) -> tuple[ObservedPath, ...]:
        return tuple(
            r.at(f"{name}:{w}" if isinstance(w, int) else f"{name}: {w}", t)
            for t, name, w, r in (self.latest[s] for s in sorted(self.latest))
            if r.path
        )

    def summary(self) -> FileDay:
        """One file's reading: its latest record per key (withdrawals too), in first-appearance order."""
        entries = tuple((t, w, r) for t, _, w, r in (self.latest[s] for s in sorted(self.latest)))
        return FileDay(entries, self.records, self.skipped_as_set, self.skipped_other)

    def merge(self, name: str, file: FileDay) -> None:
        """Add a later file's reading: the same as reading its records after those read so far."""
        self.records += file.records
        self.skipped_as_set += file.skipped_as_set
        self.skipped_other += file.skipped_other
        for time, where, route in file.entries:
            self.add(self.slot(route), time, name, where, route)


@dataclass(frozen=True, slots=True)
class FileDay:
    """What one file says at its end (cached by content, :mod:`policylint.whatif.observed_cache`)."""

    entries: tuple[tuple[int, int | str, Route], ...]  # (time, line or "record N", route)
    records: int
    skipped_as_set: int
    skipped_other: int = 0


@dataclass(frozen=True, slots=True)
class Observations:
    held: tuple[ObservedPath, ...]  # the routes held at the end, in the order their keys first appeared
    records: int = 0  # announcements and withdrawals read (AS_SET paths and non-route records excluded)
    skipped_as_set: int = 0
    files: tuple[str, ...] = ()
    skipped_other: int = 0  # records about prefixes outside the wanted ones (not decoded)


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


def expand(given: Sequence[str]) -> tuple[str, ...]:
    """``--observed-paths`` arguments as files: a file as is; a directory as its files, by name
    (hidden ones and subdirectories left out); a glob pattern (quoted, for a day of collector files)
    as the files it matches, by name.  ObservationError when a pattern or directory yields nothing."""
    out: list[str] = []
    for g in given:
        if os.path.isdir(g):
            names = sorted(n for n in os.listdir(g) if not n.startswith("."))
            got = [f for f in (os.path.join(g, n) for n in names) if os.path.isfile(f)]
            if not got:
                raise ObservationError(f"{g}: a directory without observation files")
            out += got
        elif not os.path.exists(g) and any(c in g for c in "*?["):
            got = sorted(f for f in glob.glob(g) if os.path.isfile(f))
            if not got:
                raise ObservationError(f"{g}: no file matches this pattern")
            out += got
        else:
            out.append(g)  # a missing file is reported by the reader
    return tuple(out)


def load_observed(
    files: Sequence[str], prefixes: Iterable[IPNetwork] | None = None, jobs: int | None = None
) -> Observations:
    """The routes held at the end of every announcement and withdrawal in ``files``, read in order;
    with ``prefixes``, only records about them or prefixes inside them (others are counted).

    A file read before (same bytes, same prefixes, same reader code) comes from the cache of file
    readings.  Several files not in the cache (a day of collector files) are read in ``jobs``
    worker processes (default: one per CPU); the first bad file, in the order given, is reported.
    """
    from policylint.whatif import observed_cache

    wanted = Wanted(tuple(prefixes)) if prefixes is not None else None
    kinds = [(name, is_mrt(name)) for name in files]
    keys = [observed_cache.key(name, mrt, wanted.key if wanted is not None else None) for name, mrt in kinds]
    cached = [observed_cache.get(key) if key is not None else None for key in keys]
    fresh = _read_all([k for k, c in zip(kinds, cached, strict=True) if c is None], wanted, jobs)
    day = Day()
    for (name, _), key, hit in zip(kinds, keys, cached, strict=True):
        file = hit
        if file is None:
            got = next(fresh)
            if isinstance(got, ObservationError):
                raise got
            file = got
            if key is not None:
                observed_cache.put(key, file)
        day.merge(name, file)
    return Observations(day.held(), day.records, day.skipped_as_set, tuple(files), day.skipped_other)


def _read_all(
    todo: Sequence[tuple[str, bool]], wanted: Wanted | None, jobs: int | None
) -> Iterator[FileDay | ObservationError]:
    """Each file's reading or its error, in order: in worker processes when there are several files
    and CPUs, else one by one (lazily, so nothing after a bad file is read)."""
    from policylint.cpus import default_jobs

    jobs = default_jobs() if jobs is None else jobs
    if len(todo) > 1 and jobs > 1:
        from policylint import parallel

        def work(batch: Sequence[tuple[str, bool]]) -> Iterator[FileDay | ObservationError]:
            return _readings(batch, wanted)

        # a few runs of consecutive files per worker: a day's files repeat each other's records
        chunk = -(-len(todo) // (2 * jobs))
        got = parallel.run(todo, work, jobs=jobs, progress=None, chunk=chunk)
        if got is not None:  # None: no fork, or the pool broke; read here instead
            return iter(got)
    return _readings(todo, wanted)


def _readings(
    todo: Sequence[tuple[str, bool]], wanted: Wanted | None
) -> Iterator[FileDay | ObservationError]:
    memo: Decoded = {}
    for name, mrt in todo:
        try:
            yield read_file(name, mrt, wanted, memo)
        except ObservationError as exc:
            yield exc
            return


def read_file(name: str, mrt: bool, wanted: Wanted | None = None, memo: Decoded | None = None) -> FileDay:
    """One file's reading, without the cache (``memo``: what earlier files of the load decoded)."""
    day = Day()
    if mrt:  # mrtparse is imported only for MRT input
        from policylint.whatif import observed_mrt

        observed_mrt.read(name, day, wanted, memo)
    else:
        from policylint.whatif import observed_text

        observed_text.read(name, day, wanted)
    return day.summary()
