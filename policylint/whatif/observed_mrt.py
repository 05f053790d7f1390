"""MRT route-collector files (RFC 6396): TABLE_DUMP_V2 RIBs and BGP4MP updates, decoded with ``mrtparse``.

A RIB entry or UPDATE announcement becomes one :class:`Route` per prefix (AS4_PATH merged into a
2-byte AS_PATH as RFC 6793 says); withdrawals (classic or MP_UNREACH) become withdrawals.  A record
mrtparse cannot decode stops the run with ``file: record N: message`` (exit code 2); record types
that carry no route (state changes, BGP OPEN/KEEPALIVE) are skipped.

Records are framed by their 12-byte common header (type, subtype, length), and those that cannot be
about a wanted prefix left out, by :mod:`policylint.whatif.observed_mrt_scan`; the rest are handed to
mrtparse one at a time, so that a BGP4MP record whose bytes after the timestamp repeat an earlier
record of the file (a monitor re-announcing the same route, a flap back to a path seen before) is
decoded once.

Given the wanted prefixes, BGP4MP messages are decoded latest first, and one that a later message
of the same peer session settles for every wanted prefix its bytes can carry (a path explored and
replaced, an announcement later withdrawn) is not decoded at all: it can never be held.  Such a
record is counted once per wanted prefix; its AS path (AS_SET or not) is not looked at.  So a day of
updates costs about one decode per monitor and prefix, however much the paths churned.
"""

from __future__ import annotations

import bz2
import gzip
import io
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

import mrtparse

from policylint.model import IPNetwork
from policylint.whatif.observed import (
    AS_SET,
    OTHER,
    Day,
    Decoded,
    ObservationError,
    Route,
    Wanted,
    collapse,
    parse_asn,
)
from policylint.whatif.observed_mrt_scan import (
    BGP4MP,
    BGP4MP_ET,
    ROUTE_SUBTYPES,
    TABLE_DUMP_V2,
    Needle,
    candidates,
    needles,
    peer_fields,
    scan,
)

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


@dataclass(slots=True)
class _Record:
    """One record's content (for BGP4MP, its bytes but the timestamp), shared by its repeats."""

    at: int
    end: int
    n: int  # the first record number carrying it
    key: bytes = b""  # BGP4MP: its bytes but the timestamp (the key of ``memo``)
    peer: bytes | None = None  # BGP4MP: the peer fields (ASNs, interface, addresses); None: unknown
    cands: tuple[tuple[int, bytes], ...] | None = None  # wanted prefixes it can carry; None: unknown
    got: list[Route | str] | None = None  # decoded; None: not (yet), or settled by later records
    looked: bool = False  # judged by the latest-first pass
    settled_by: list[Route] | None = None  # for each candidate, the later route of its peer that wins
    slotted: list[tuple[Route, int] | str] | None = None


def read(name: str, day: Day, wanted: Wanted | None = None, memo: Decoded | None = None) -> None:
    """Offer every announcement and withdrawal of ``name`` (about the ``wanted`` prefixes) to ``day``,
    in record order.

    Three passes: frame every record (decoding, in order, those that are not BGP4MP route messages);
    decode the BGP4MP route messages latest first (by time, then order), skipping one whose every
    wanted prefix a later record of the same peer settles, since it can never be held; offer the
    records to ``day`` in order, a skipped one counted once per wanted prefix it carries.

    ``memo`` holds BGP4MP messages decoded by earlier files of the same load, by their bytes but the
    timestamp: a day of 5-minute files repeats each monitor's announcement in file after file.
    """
    data = _data(name)
    recs, numbers, times, updates, skipped = _frame(name, data, wanted, needles(wanted))
    _decode_latest(name, data, recs, times, updates, wanted, {} if memo is None else memo)
    day.skipped_other += skipped
    _offer(name, day, recs, numbers, times)


def _frame(
    name: str, data: bytes, wanted: Wanted | None, needles: tuple[Needle, ...] | None
) -> tuple[list[_Record], list[int], list[int], list[int], int]:
    """The records to read (repeats share one), their numbers and timestamps, the positions of the
    BGP4MP route messages among them (decoded later), and how many route records were about other
    prefixes only."""
    found = scan(data, needles)
    peers: list[tuple[str, int]] = []  # the latest PEER_INDEX_TABLE, which RIB records refer to
    recs: list[_Record] = []
    updates: list[int] = []
    seen: dict[bytes, _Record] = {}
    size = len(data)
    rows = zip(found.numbers, found.starts, found.types, found.subtypes, found.ends, strict=True)
    for n, at, mtype, sub, end in rows:
        if mtype in (BGP4MP, BGP4MP_ET) and end <= size:
            # the key is the record but its timestamp (and BGP4MP_ET's microseconds)
            key = data[at + 4 : end] if mtype == BGP4MP else data[at + 4 : at + 12] + data[at + 16 : end]
            known = seen.get(key)
            if known is not None:
                rec = known
            else:
                rec = seen[key] = _Record(at, end, n, key)
                if sub in ROUTE_SUBTYPES[mtype]:
                    body = at + 12 if mtype == BGP4MP else at + 16
                    rec.peer = peer = peer_fields(data, body, end, sub)
                    if needles is not None:  # NLRI are in the BGP message, after the peer fields
                        rec.cands = candidates(data, body + len(peer or b""), end, needles)
                else:  # a state change, an ADD-PATH message, ...
                    rec.got = _decode(data[at:end], f"{name}: record {n}", peers, wanted)
            if rec.got is None and rec.cands != ():
                updates.append(len(recs))
        else:
            rec = _Record(at, end, n, got=_decode(data[at:end], f"{name}: record {n}", peers, wanted))
        recs.append(rec)
    return recs, found.numbers, found.times, updates, found.skipped


def _decode_latest(  # noqa: PLR0917
    name: str,
    data: bytes,
    recs: list[_Record],
    times: list[int],
    updates: list[int],
    wanted: Wanted | None,
    memo: Decoded,
) -> None:
    """Decode BGP4MP route messages latest first; leave undecoded one whose every candidate prefix
    its peer's later records settle (an announcement or withdrawal of that prefix is held instead)."""
    if not all(times[a] <= times[b] for a, b in pairwise(updates)):
        updates = sorted(updates, key=times.__getitem__)  # stable: equal times keep record order
    order: Iterable[int] = reversed(updates)
    settled: dict[tuple[bytes, int, bytes], Route] = {}
    for i in order:
        rec = recs[i]
        if rec.looked:
            continue
        rec.looked = True
        peer, cands = rec.peer, rec.cands
        if peer is not None and cands is not None and all((peer, *c) in settled for c in cands):
            rec.settled_by = [settled[(peer, *c)] for c in cands]
            continue
        got = memo.get(rec.key)
        if got is None:
            got = memo[rec.key] = _decode(data[rec.at : rec.end], f"{name}: record {rec.n}", [], wanted)
        rec.got = got
        if peer is not None:
            for r in got:
                if isinstance(r, Route):
                    settled.setdefault((peer, r.prefix.prefixlen, r.prefix.network_address.packed), r)


def _offer(name: str, day: Day, recs: list[_Record], numbers: list[int], times: list[int]) -> None:
    records = 0
    for rec, n, ts in zip(recs, numbers, times, strict=True):
        got = rec.slotted
        if got is None:
            if rec.got is not None:
                got = [(r, day.slot(r)) if isinstance(r, Route) else r for r in rec.got]
            elif rec.settled_by is not None:
                for route in rec.settled_by:  # its slots appear here first, as if it had been decoded
                    day.slot(route)
                got = [_SETTLED] * len(rec.settled_by)
            else:  # about no wanted prefix
                day.skipped_other += 1
                continue
            rec.slotted = got
        for r in got:
            if isinstance(r, tuple):
                records += 1
                day.add(r[1], ts, name, f"record {n}", r[0])
            elif r == _SETTLED:
                records += 1
            elif r == OTHER:
                day.skipped_other += 1
            else:
                day.skipped_as_set += 1
    day.records += records


_SETTLED = "settled"  # an announcement or withdrawal that a later record of its peer overrides


def _decode(rec: bytes, where: str, peers: list[tuple[str, int]], wanted: Wanted | None) -> list[Route | str]:
    """The routes of one record; those about unwanted prefixes (in a record decoded because it also
    holds a wanted one, or whose bytes happened to match) become OTHER."""
    got = _decoded(rec, where, peers)
    if wanted is None:
        return got
    return [OTHER if isinstance(r, Route) and not wanted(r.prefix) else r for r in got]


def _decoded(rec: bytes, where: str, peers: list[tuple[str, int]]) -> list[Route | str]:
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
    if mtype == TABLE_DUMP_V2 and sub == 1:  # PEER_INDEX_TABLE
        peers[:] = [(p["peer_ip"], parse_asn(str(p["peer_as"]))) for p in d["peer_entries"]]
        return []
    if mtype == TABLE_DUMP_V2 and sub in ROUTE_SUBTYPES[mtype]:  # RIB_IPV4/IPV6 UNICAST/MULTICAST
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
    if mtype in (BGP4MP, BGP4MP_ET) and sub in ROUTE_SUBTYPES[mtype]:  # BGP4MP_MESSAGE(_AS4)(_LOCAL)
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
