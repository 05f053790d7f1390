"""MRT route-collector files (RFC 6396): TABLE_DUMP_V2 RIBs and BGP4MP updates, read with ``mrtparse``.

A RIB entry or UPDATE announcement becomes one :class:`ObservedPath` per prefix (AS4_PATH merged into
a 2-byte AS_PATH as RFC 6793 says); withdrawals (classic or MP_UNREACH) become withdrawals.  A record
mrtparse cannot decode stops the run with ``file: record N: message`` (exit code 2); record types
that carry no route (state changes, BGP OPEN/KEEPALIVE) are skipped.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import mrtparse

from policylint.whatif.observed import ObservationError, ObservedPath, collapse, parse_asn

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


def _net(prefix: str, length: int) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(f"{prefix}/{length}", strict=False)


def read(name: str) -> tuple[list[ObservedPath], int]:
    out: list[ObservedPath] = []
    skipped = 0
    peers: list[tuple[str, int]] = []
    try:
        reader = mrtparse.Reader(name)
    except OSError as exc:
        raise ObservationError(f"{name}: {exc.strerror or exc}") from None
    n = 0
    while True:
        n += 1
        where = f"{name}: record {n}"
        try:
            entry = next(reader)
        except StopIteration:
            break
        except Exception as exc:  # mrtparse on corrupt data: KeyError, struct.error, EOFError, ...
            raise ObservationError(f"{where}: cannot decode ({type(exc).__name__}: {exc})") from None
        if entry.err:
            raise ObservationError(f"{where}: {entry.err_msg}")
        d = entry.data
        try:
            got, k = _entry(d, where, peers)
        except (KeyError, ValueError, IndexError, TypeError) as exc:
            raise ObservationError(f"{where}: cannot read this record ({exc})") from None
        out.extend(got)
        skipped += k
    return out, skipped


def _entry(d: dict[str, Any], where: str, peers: list[tuple[str, int]]) -> tuple[list[ObservedPath], int]:
    mtype, sub = _key(d["type"]), _key(d["subtype"])
    ts = _key(d["timestamp"])
    if mtype == 13 and sub == 1:  # PEER_INDEX_TABLE
        peers[:] = [(p["peer_ip"], parse_asn(str(p["peer_as"]))) for p in d["peer_entries"]]
        return [], 0
    if mtype == 13 and sub in (2, 3, 4, 5):  # RIB_IPV4/IPV6 UNICAST/MULTICAST
        net = _net(d["prefix"], d["length"])  # mrtparse stores the prefix length under "length"
        out, skipped = [], 0
        for e in d["rib_entries"]:
            ip, asn = peers[e["peer_index"]]
            path, comms = _path(e["path_attributes"])
            if path is None:
                skipped += 1
            elif path:
                out.append(ObservedPath(where, ts, asn, ip, net, path, comms))
        return out, skipped
    if mtype in (16, 17) and sub in (1, 4, 6, 7):  # BGP4MP_MESSAGE(_AS4)(_LOCAL)
        msg = d["bgp_message"]
        if _key(msg["type"]) != 2:  # not an UPDATE
            return [], 0
        ip, asn = d["peer_ip"], parse_asn(str(d["peer_as"]))
        return _update(msg, where, ts, ip, asn)
    return [], 0


def _update(msg: dict[str, Any], where: str, ts: int, ip: str, asn: int) -> tuple[list[ObservedPath], int]:
    out: list[ObservedPath] = []
    for w in msg.get("withdrawn_routes", []):
        out.append(ObservedPath(where, ts, asn, ip, _net(w["prefix"], w["length"]), ()))
    attrs = msg.get("path_attributes", [])
    nlri = list(msg.get("nlri", []))
    for a in attrs:
        code = _key(a["type"])
        if code == 14:
            nlri.extend(a["value"].get("nlri", []))
        elif code == 15:
            for w in a["value"].get("withdrawn_routes", []):
                out.append(ObservedPath(where, ts, asn, ip, _net(w["prefix"], w["length"]), ()))
    if not nlri:
        return out, 0
    path, comms = _path(attrs)
    if path is None:
        return out, len(nlri)
    for r in nlri:
        out.append(ObservedPath(where, ts, asn, ip, _net(r["prefix"], r["length"]), path, comms))
    return out, 0
