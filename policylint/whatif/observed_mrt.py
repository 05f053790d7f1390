"""MRT route-collector files (RFC 6396): TABLE_DUMP_V2 RIBs and BGP4MP updates, decoded with ``mrtparse``.

A RIB entry or UPDATE announcement becomes one :class:`Route` per prefix (AS4_PATH merged into a
2-byte AS_PATH as RFC 6793 says); withdrawals (classic or MP_UNREACH) become withdrawals.  A record
mrtparse cannot decode stops the run with ``file: record N: message`` (exit code 2); record types
that carry no route (state changes, BGP OPEN/KEEPALIVE) are skipped.

Records are framed here by their 12-byte common header (type, subtype, length) and handed to mrtparse
one at a time, so that a BGP4MP record whose bytes after the timestamp repeat an earlier record of the
file (a monitor re-announcing the same route, a flap back to a path seen before) is decoded once.
"""

from __future__ import annotations

import bz2
import gzip
import io
import ipaddress
import struct
from functools import lru_cache
from typing import Any

import mrtparse

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

_HEADER = struct.Struct("!IHHI")  # timestamp, type, subtype, length
_TABLE_DUMP_V2, _BGP4MP, _BGP4MP_ET = 13, 16, 17
_ROUTE_SUBTYPES = {  # the record kinds read for routes: RIB entries, BGP4MP(_ET) messages
    _TABLE_DUMP_V2: (2, 3, 4, 5),
    _BGP4MP: (1, 4, 6, 7),
    _BGP4MP_ET: (1, 4, 6, 7),
}

_AS_SEQUENCE, _AS_SET = 2, 1


def _key(d: dict[int, str]) -> int:
    return next(iter(d))


def _path(attrs: list[dict[str, Any]]) -> tuple[tuple[int, ...] | None, tuple[str, ...]]:
    """(AS path or None for AS_SET, communities) from decoded path attributes."""
    as_path: list[int] = []
    as4: list[int] | None = None
    has_set = False
    comms: list[str] = []
    for a in attrs:
        code = _key(a["type"])
        if code in (2, 17):
            hops: list[int] = []
            for seg in a["value"]:
                if _key(seg["type"]) != _AS_SEQUENCE:
                    has_set = True
                    continue
                hops.extend(parse_asn(str(v)) for v in seg["value"])
            if code == 2:
                as_path = hops
            else:
                as4 = hops
        elif code in (8, 32):
            comms.extend(str(c) for c in a["value"])
    if has_set:
        return None, tuple(comms)
    if as4 is not None and len(as4) <= len(as_path):
        as_path = as_path[: len(as_path) - len(as4)] + as4
    return collapse(as_path), tuple(comms)


@lru_cache(maxsize=1 << 16)
def _net(prefix: str, length: int) -> IPNetwork:
    return ipaddress.ip_network(f"{prefix}/{length}", strict=False)


def _data(name: str) -> bytes:
    try:
        with open(name, "rb") as f:
            data = f.read()
        if data.startswith(b"BZh"):
            return bz2.decompress(data)
        if data.startswith(b"\x1f\x8b"):
            return gzip.decompress(data)
        return data
    except OSError as exc:
        raise ObservationError(f"{name}: {exc.strerror or exc}") from None
    except (EOFError, ValueError) as exc:
        raise ObservationError(f"{name}: not readable as compressed data ({exc})") from None


def read(name: str, day: Day, wanted: Wanted | None = None) -> None:
    """Offer every announcement and withdrawal of ``name`` (about the ``wanted`` prefixes) to ``day``,
    in record order."""
    data = _data(name)
    needles = wanted.needles if wanted is not None else ()
    if any(not n for n, _, _ in needles):
        needles = ()  # a prefix shorter than /8: no byte to look for, every record is decoded
    peers: list[tuple[str, int]] = []  # the latest PEER_INDEX_TABLE, which RIB records refer to
    seen: dict[bytes, list[tuple[Route, int] | str]] = {}
    records, at, n, size = 0, 0, 0, len(data)
    while at < size:
        n += 1
        ts, mtype, _, length = _HEADER.unpack_from(data, at) if size - at >= 12 else (0, 0, 0, 0)
        end = at + 12 + length
        if needles and end <= size and _unwanted(data, at, end, mtype, needles):
            day.skipped_other += 1
            at = end
            continue
        if mtype in (_BGP4MP, _BGP4MP_ET) and end <= size:
            # the key is the record but its timestamp (and BGP4MP_ET's microseconds)
            key = data[at + 4 : end] if mtype == _BGP4MP else data[at + 4 : at + 12] + data[at + 16 : end]
            got = seen.get(key)
            if got is None:
                got = seen[key] = _slotted(_decode(data[at:end], f"{name}: record {n}", peers), day, wanted)
        else:
            got = _slotted(_decode(data[at:end], f"{name}: record {n}", peers), day, wanted)
        for r in got:
            if isinstance(r, tuple):
                records += 1
                day.add(r[1], ts, name, f"record {n}", r[0])
            elif r == OTHER:
                day.skipped_other += 1
            else:
                day.skipped_as_set += 1
        at = end
    day.records += records


def _unwanted(
    data: bytes, at: int, end: int, mtype: int, needles: tuple[tuple[bytes, int, int], ...]
) -> bool:
    """A route record (RIB entry or BGP4MP message) where no wanted prefix's leading bytes follow a
    length byte in its range, as every NLRI or RIB prefix inside a wanted prefix is written; other
    record kinds (the PEER_INDEX_TABLE, state changes) are always decoded."""
    if mtype not in _ROUTE_SUBTYPES or _HEADER.unpack_from(data, at)[2] not in _ROUTE_SUBTYPES[mtype]:
        return False
    for needle, shortest, longest in needles:
        i = data.find(needle, at + 13, end)
        while i >= 0:
            if shortest <= data[i - 1] <= longest:
                return False
            i = data.find(needle, i + 1, end)
    return True


def _slotted(got: list[Route | str], day: Day, wanted: Wanted | None) -> list[tuple[Route, int] | str]:
    """Routes with their day slot; routes about unwanted prefixes (in a record decoded because it
    also holds a wanted one, or whose bytes happened to match) become OTHER."""
    return [
        ((r, day.slot(r)) if wanted is None or wanted(r.prefix) else OTHER) if isinstance(r, Route) else r
        for r in got
    ]


def _decode(rec: bytes, where: str, peers: list[tuple[str, int]]) -> list[Route | str]:
    try:
        entry = next(mrtparse.Reader(io.BytesIO(rec)))
    except Exception as exc:  # mrtparse on corrupt data: KeyError, struct.error, EOFError, ...
        raise ObservationError(f"{where}: cannot decode ({type(exc).__name__}: {exc})") from None
    if entry.err:
        raise ObservationError(f"{where}: {entry.err_msg}")
    try:
        return _entry(entry.data, peers)
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        raise ObservationError(f"{where}: cannot read this record ({exc})") from None


def _entry(d: dict[str, Any], peers: list[tuple[str, int]]) -> list[Route | str]:
    mtype, sub = _key(d["type"]), _key(d["subtype"])
    if mtype == _TABLE_DUMP_V2 and sub == 1:  # PEER_INDEX_TABLE
        peers[:] = [(p["peer_ip"], parse_asn(str(p["peer_as"]))) for p in d["peer_entries"]]
        return []
    if mtype == _TABLE_DUMP_V2 and sub in _ROUTE_SUBTYPES[mtype]:  # RIB_IPV4/IPV6 UNICAST/MULTICAST
        net = _net(d["prefix"], d["length"])  # mrtparse stores the prefix length under "length"
        out: list[Route | str] = []
        for e in d["rib_entries"]:
            ip, asn = peers[e["peer_index"]]
            path, comms = _path(e["path_attributes"])
            if path is None:
                out.append(AS_SET)
            elif path:
                out.append(Route(asn, ip, net, path, comms))
        return out
    if mtype in (_BGP4MP, _BGP4MP_ET) and sub in _ROUTE_SUBTYPES[mtype]:  # BGP4MP_MESSAGE(_AS4)(_LOCAL)
        msg = d["bgp_message"]
        if _key(msg["type"]) != 2:  # not an UPDATE
            return []
        return _update(msg, d["peer_ip"], parse_asn(str(d["peer_as"])))
    return []


def _update(msg: dict[str, Any], ip: str, asn: int) -> list[Route | str]:
    out: list[Route | str] = []
    for w in msg.get("withdrawn_routes", []):
        out.append(Route(asn, ip, _net(w["prefix"], w["length"]), ()))
    attrs = msg.get("path_attributes", [])
    nlri = list(msg.get("nlri", []))
    for a in attrs:
        code = _key(a["type"])
        if code == 14:
            nlri.extend(a["value"].get("nlri", []))
        elif code == 15:
            for w in a["value"].get("withdrawn_routes", []):
                out.append(Route(asn, ip, _net(w["prefix"], w["length"]), ()))
    if not nlri:
        return out
    path, comms = _path(attrs)
    if path is None:
        return out + [AS_SET] * len(nlri)
    out.extend(Route(asn, ip, _net(r["prefix"], r["length"]), path, comms) for r in nlri)
    return out
