"""``bgpdump -m`` and ``bgpreader`` pipe-separated text (one route per line).

bgpdump -m::

    TABLE_DUMP2|1756684800|B|192.0.2.1|64501|10.99.0.0/23|64501 3356 64500|IGP|192.0.2.1|0|0|64500:1|NAG||
    BGP4MP|1756684900|A|192.0.2.1|64501|10.99.0.0/23|64501 174 64500|IGP|...
    BGP4MP|1756685000|W|192.0.2.1|64501|10.99.0.0/23

bgpreader (libBGPStream 2)::

    U|A|1756684900.000000|ris|rrc00|||64501|192.0.2.1|10.99.0.0/23|192.0.2.1|64501 174 64500|64500|174:1||
    R|R|1756684800.000000|routeviews|route-views2|||64501|192.0.2.1|10.99.0.0/23|...|64501 3356 64500|...

Blank lines and lines starting with ``#`` are ignored; records that carry no route (bgpdump
``STATE``, bgpreader ``S`` / ``E`` / ``B``) are skipped.
"""

from __future__ import annotations

import bz2
import gzip
import ipaddress
from collections.abc import Iterator
from functools import lru_cache

from policylint.model import IPNetwork
from policylint.whatif.observed import ObservationError, ObservedPath, collapse, parse_asn

_BGPDUMP = ("TABLE_DUMP", "TABLE_DUMP2", "BGP4MP", "BGP4MP_ET")


def _lines(name: str) -> Iterator[str]:
    try:
        with open(name, "rb") as f:
            magic = f.read(3)
        opener = (
            bz2.open if magic.startswith(b"BZh") else gzip.open if magic.startswith(b"\x1f\x8b") else open
        )
        with opener(name, "rt", encoding="utf-8", errors="replace") as stream:
            yield from stream
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


def read(name: str) -> tuple[list[ObservedPath], int]:
    """(announcements and withdrawals, number of AS_SET paths skipped)."""
    out: list[ObservedPath] = []
    skipped = 0
    for n, raw in enumerate(_lines(name), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        f = line.split("|")
        where = f"{name}:{n}"
        try:
            rec = _bgpdump(f, where) if f[0] in _BGPDUMP else _bgpreader(f, where)
        except ValueError as exc:
            raise ObservationError(f"{where}: {exc}") from None
        if rec is None:
            continue
        if not isinstance(rec, ObservedPath):  # an AS_SET path
            skipped += 1
            continue
        out.append(rec)
    return out, skipped


@lru_cache(maxsize=1 << 16)  # a day of updates repeats a few prefixes and paths many times
def _net(prefix: str) -> IPNetwork:
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
    where: str, time: str, peer: str, asn: str, prefix: str, path: str | None, comms: str = ""
) -> ObservedPath | str:
    try:
        ts = int(time) if time.isdigit() else int(float(time))
    except ValueError:
        raise ValueError(f"bad timestamp {time!r}") from None
    net = _net(prefix)
    try:
        monitor = int(asn) if asn.isdigit() and len(asn) < 10 else parse_asn(asn)
    except ValueError:
        raise ValueError(f"bad peer ASN {asn!r}") from None
    hops: tuple[int, ...] = ()
    if path is not None:
        got = _path(path)
        if got is None:
            return "as_set"
        hops = got
    return ObservedPath(where, ts, monitor, peer, net, hops, _communities(comms) if comms else ())


def _communities(text: str) -> tuple[str, ...]:
    return tuple(t for t in text.split() if ":" in t)


def _bgpdump(f: list[str], where: str) -> ObservedPath | str | None:
    if len(f) < 3:
        raise ValueError("expected TYPE|TIME|KIND|... (bgpdump -m)")
    kind = f[2]
    if kind == "STATE":
        return None
    if kind in ("A", "B"):
        if len(f) < 7:
            raise ValueError(f"a bgpdump -m {kind} record needs at least 7 fields, found {len(f)}")
        return _record(where, f[1], f[3], f[4], f[5], f[6], f[11] if len(f) > 11 else "")
    if kind == "W":
        if len(f) < 6:
            raise ValueError(f"a bgpdump -m withdrawal needs 6 fields, found {len(f)}")
        return _record(where, f[1], f[3], f[4], f[5], None)
    raise ValueError(f"unknown bgpdump -m record kind {kind!r} (expected A, B, W or STATE)")


def _bgpreader(f: list[str], where: str) -> ObservedPath | str | None:
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
        return _record(where, f[2], f[8], f[7], f[9], None)
    return _record(where, f[2], f[8], f[7], f[9], f[11], f[13] if len(f) > 13 else "")
