"""``bgpdump -m`` and ``bgpreader`` pipe-separated text (one route per line).

bgpdump -m::

    TABLE_DUMP2|1756684800|B|192.0.2.1|64501|10.99.0.0/23|64501 3356 64500|IGP|192.0.2.1|0|0|64500:1|NAG||
    BGP4MP|1756684900|A|192.0.2.1|64501|10.99.0.0/23|64501 174 64500|IGP|...
    BGP4MP|1756685000|W|192.0.2.1|64501|10.99.0.0/23

bgpreader (libBGPStream 2)::

    U|A|1756684900.000000|ris|rrc00|||64501|192.0.2.1|10.99.0.0/23|192.0.2.1|64501 174 64500|64500|174:1||
    R|R|1756684800.000000|routeviews|route-views2|||64501|192.0.2.1|10.99.0.0/23|...|64501 3356 64500|...

Blank lines and lines starting with ``#`` are ignored; records that carry no route (bgpdump
``STATE``, bgpreader ``S`` / ``E`` / ``B``) are skipped.  A line whose fields other than the
timestamp repeat an earlier line of the file reuses that line's reading (a day of updates repeats
itself a lot); its timestamp is still checked.
"""

from __future__ import annotations

import bz2
import gzip
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from policylint.model import IPNetwork
from policylint.whatif.observed import (
    AS_SET,
    OTHER,
    Day,
    ObservationError,
    Route,
    Wanted,
    collapse,
    parse_asn,
)

_BGPDUMP = ("TABLE_DUMP", "TABLE_DUMP2", "BGP4MP", "BGP4MP_ET")
_CHUNK = 1 << 23  # characters of lines read at a time


def _chunks(name: str) -> Iterator[list[str]]:
    """The file's lines (universal newlines, undecodable bytes replaced), a few megabytes at a time."""
    try:
        with open(name, "rb") as f:
            magic = f.read(3)
        opener = (
            bz2.open if magic.startswith(b"BZh") else gzip.open if magic.startswith(b"\x1f\x8b") else open
        )
        with opener(name, "rt", encoding="utf-8", errors="replace") as stream:
            while lines := stream.readlines(_CHUNK):
                yield lines
    except OSError as exc:
        raise ObservationError(f"{name}: {exc.strerror or exc}") from None
    except (EOFError, ValueError) as exc:
        raise ObservationError(f"{name}: not readable as compressed text ({exc})") from None


def as_path(text: str) -> tuple[int, ...] | None:
    """The AS path of ``64501 3356 64500``; None when it has an AS_SET (``{7,8}``)."""
    tokens = text.split()
    if any(t.startswith(("{", "[", "(")) for t in tokens):
        return None
    return collapse(parse_asn(t) for t in tokens)


Reading = tuple[Route, int] | str | None  # (route, its Day slot), AS_SET, OTHER, or None: no route


@dataclass(slots=True)
class Seen:
    """Readings of the lines seen so far, by everything but their timestamp, per format."""

    dump: dict[str, Reading] = field(default_factory=dict)  # bgpdump -m: the fields after the time
    elem: dict[tuple[str, ...], Reading] = field(default_factory=dict)  # bgpreader: all but the time
    keep: Keep | None = None  # the wanted prefixes (None: all)


class Keep:
    """Whether a prefix (its text) is wanted, remembered per text: a file of the wanted prefixes names
    few of them many times; a raw file names the others once or a few times each."""

    def __init__(self, wanted: Wanted) -> None:
        self.wanted = wanted
        self.known: dict[str, bool] = {}

    def __call__(self, text: str) -> bool:
        """Plain IPv4 text is judged without building a network; a bad prefix raises ValueError."""
        got = self.known.get(text)
        if got is None:
            fast = self.wanted.v4(text)
            got = self.known[text] = fast if fast is not None else self.wanted(prefix_network(text))
        return got


def read(name: str, day: Day, wanted: Wanted | None = None) -> None:
    """Offer every announcement and withdrawal of ``name`` (about the ``wanted`` prefixes) to ``day``,
    in line order."""
    seen = Seen(keep=Keep(wanted) if wanted is not None else None)
    first = 1
    for lines in _chunks(name):
        _read_lines(name, lines, first, day, seen)
        first += len(lines)


def _read_lines(name: str, lines: list[str], first: int, day: Day, seen: Seen) -> None:
    """Any mix of formats, comments and blank lines: the repeat of an earlier line (but for its
    timestamp) costs a dictionary lookup."""
    dump, elem = seen.dump, seen.elem
    records = 0
    for n, raw in enumerate(lines, first):
        line = raw.strip()
        if not line or line[0] == "#":
            continue
        f = line.split("|", 2)
        try:
            if len(f) == 3 and f[0] in _BGPDUMP:
                ts = f[1]
                rec = dump.get(f[2], _UNSEEN)
                if rec is _UNSEEN:
                    rec = dump[f[2]] = _reading(line.split("|"), day, seen.keep)
            else:  # bgpreader: the timestamp is the third field
                g = line.split("|", 3)
                ts, key = (g[2], (g[0], g[1], g[3])) if len(g) == 4 else ("0", (line,))
                rec = elem.get(key, _UNSEEN)
                if rec is _UNSEEN:
                    rec = elem[key] = _reading(line.split("|"), day, seen.keep)
            if rec is None:
                continue
            if rec == OTHER:
                day.skipped_other += 1
                continue
            time = int(ts) if ts.isdigit() else _time(ts)
        except ValueError as exc:
            raise ObservationError(f"{name}:{n}: {exc}") from None
        if isinstance(rec, tuple):
            records += 1
            day.add(rec[1], time, name, n, rec[0])
        else:
            day.skipped_as_set += 1
    day.records += records


_UNSEEN = "unseen"


def _reading(f: list[str], day: Day, keep: Keep | None) -> Reading:
    rec = _bgpdump(f, keep) if f[0] in _BGPDUMP else _bgpreader(f, keep)
    return (rec, day.slot(rec)) if isinstance(rec, Route) else rec


def _time(text: str) -> int:
    try:
        return int(float(text))
    except (ValueError, OverflowError):  # "x", "nan", "inf"
        raise ValueError(f"bad timestamp {text!r}") from None


@lru_cache(maxsize=1 << 16)  # a day of updates repeats a few prefixes and paths many times
def prefix_network(prefix: str) -> IPNetwork:
    """``10.0.0.0/8`` as a network (host bits allowed), remembered; ValueError names a bad prefix."""
    try:
        return ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        raise ValueError(f"bad prefix {prefix!r}") from None


@lru_cache(maxsize=1 << 16)
def _path(text: str) -> tuple[int, ...] | None:
    try:
        got = as_path(text)
    except ValueError as exc:
        raise ValueError(f"bad AS path {text!r}: {exc} is not an ASN") from None
    if got is not None and not got:
        raise ValueError("an announcement with an empty AS path")
    return got


def _record(  # noqa: PLR0917
    keep: Keep | None, peer: str, asn: str, prefix: str, path: str | None, comms: str = ""
) -> Route | str:
    if keep is not None and not keep(prefix):
        return OTHER  # the rest of the record is not read
    net = prefix_network(prefix)
    try:
        monitor = int(asn) if asn.isdigit() and len(asn) < 10 else parse_asn(asn)
    except ValueError:
        raise ValueError(f"bad peer ASN {asn!r}") from None
    hops: tuple[int, ...] = ()
    if path is not None:
        got = _path(path)
        if got is None:
            return AS_SET
        hops = got
    return Route(monitor, peer, net, hops, _communities(comms) if comms else ())


def _communities(text: str) -> tuple[str, ...]:
    return tuple(t for t in text.split() if ":" in t)


def _bgpdump(f: list[str], keep: Keep | None) -> Route | str | None:
    if len(f) < 3:
        raise ValueError("expected TYPE|TIME|KIND|... (bgpdump -m)")
    kind = f[2]
    if kind == "STATE":
        return None
    if kind in ("A", "B"):
        if len(f) < 7:
            raise ValueError(f"a bgpdump -m {kind} record needs at least 7 fields, found {len(f)}")
        return _record(keep, f[3], f[4], f[5], f[6], f[11] if len(f) > 11 else "")
    if kind == "W":
        if len(f) < 6:
            raise ValueError(f"a bgpdump -m withdrawal needs 6 fields, found {len(f)}")
        return _record(keep, f[3], f[4], f[5], None)
    raise ValueError(f"unknown bgpdump -m record kind {kind!r} (expected A, B, W or STATE)")


def _bgpreader(f: list[str], keep: Keep | None) -> Route | str | None:
    if len(f) < 2 or f[0] not in ("U", "R", "B", "E", "S"):
        raise ValueError(
            f"not a route record: expected bgpdump -m (TABLE_DUMP2|... or BGP4MP|...) or bgpreader "
            f"(U|A|... or R|R|...), found {f[0][:20]!r}"
        )
    kind = f[1]
    if f[0] in ("B", "E") or kind == "S":
        return None
    if kind not in ("A", "R", "W"):
        raise ValueError(f"unknown bgpreader element type {kind!r} (expected R, A, W or S)")
    need = 10 if kind == "W" else 12
    if len(f) < need:
        raise ValueError(f"a bgpreader {kind} element needs at least {need} fields, found {len(f)}")
    if kind == "W":
        return _record(keep, f[8], f[7], f[9], None)
    return _record(keep, f[8], f[7], f[9], f[11], f[13] if len(f) > 13 else "")
