"""Small MRT files built byte by byte from the RFC 6396 layout (tests only).

TABLE_DUMP_V2 (a PEER_INDEX_TABLE and RIB_IPV4_UNICAST / RIB_IPV6_UNICAST records) and
BGP4MP_MESSAGE_AS4 UPDATEs, with ORIGIN, AS_PATH (4-byte ASNs), NEXT_HOP, COMMUNITIES and, for
IPv6 updates, MP_REACH_NLRI / MP_UNREACH_NLRI attributes.  Debian's ``bgpdump`` reads
them in tests/test_whatif_observed.py, which checks that it sees what we meant to write.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

TABLE_DUMP_V2, PEER_INDEX_TABLE, RIB_IPV4_UNICAST, RIB_IPV6_UNICAST = 13, 1, 2, 4
BGP4MP, BGP4MP_MESSAGE_AS4 = 16, 4
AS_SET, AS_SEQUENCE = 1, 2


@dataclass(frozen=True, slots=True)
class Route:
    peer_ip: str
    peer_as: int
    prefix: str
    path: tuple[int, ...]
    communities: tuple[tuple[int, int], ...] = ()
    as_set: tuple[int, ...] = ()  # appended as an AS_SET segment when not empty


def _header(ts: int, mtype: int, subtype: int, body: bytes) -> bytes:
    return struct.pack("!IHHI", ts, mtype, subtype, len(body)) + body


def _attr(flags: int, code: int, value: bytes) -> bytes:
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def attributes(r: Route) -> bytes:
    segs = struct.pack("!BB", AS_SEQUENCE, len(r.path)) + b"".join(struct.pack("!I", a) for a in r.path)
    if r.as_set:
        segs += struct.pack("!BB", AS_SET, len(r.as_set)) + b"".join(struct.pack("!I", a) for a in r.as_set)
    out = _attr(0x40, 1, b"\x00") + _attr(0x40, 2, segs)
    out += _attr(0x40, 3, ipaddress.IPv4Address(r.peer_ip).packed)
    if r.communities:
        out += _attr(0xC0, 8, b"".join(struct.pack("!HH", a, b) for a, b in r.communities))
    return out


def _nlri(prefix: str) -> bytes:
    net = ipaddress.ip_network(prefix)
    n = (net.prefixlen + 7) // 8
    return bytes([net.prefixlen]) + net.network_address.packed[:n]


def rib_dump(routes: list[Route], ts: int = 1756684800) -> bytes:
    """A TABLE_DUMP_V2 RIB: the peer index table, then one RIB record per prefix."""
    peers = sorted({(r.peer_ip, r.peer_as) for r in routes})
    body = ipaddress.IPv4Address("192.0.2.254").packed + struct.pack("!H", 0) + struct.pack("!H", len(peers))
    for ip, asn in peers:
        body += bytes([0x02]) + ipaddress.IPv4Address(ip).packed + ipaddress.IPv4Address(ip).packed
        body += struct.pack("!I", asn)
    out = _header(ts, TABLE_DUMP_V2, PEER_INDEX_TABLE, body)
    by_prefix: dict[str, list[Route]] = {}
    for r in routes:
        by_prefix.setdefault(r.prefix, []).append(r)
    for seq, (prefix, rs) in enumerate(by_prefix.items()):
        rec = struct.pack("!I", seq) + _nlri(prefix) + struct.pack("!H", len(rs))
        for r in rs:
            attrs = attributes(r)
            rec += struct.pack("!HIH", peers.index((r.peer_ip, r.peer_as)), ts, len(attrs)) + attrs
        v6 = ipaddress.ip_network(prefix).version == 6
        out += _header(ts, TABLE_DUMP_V2, RIB_IPV6_UNICAST if v6 else RIB_IPV4_UNICAST, rec)
    return out


def update(
    r: Route, ts: int, withdraw: bool = False, local_as: int = 65535, also: tuple[str, ...] = ()
) -> bytes:
    """One BGP4MP_MESSAGE_AS4 record carrying an UPDATE that announces or withdraws ``r.prefix``
    (IPv6 in MP_REACH_NLRI / MP_UNREACH_NLRI, RFC 4760), and the prefixes ``also`` with it."""
    v6 = ipaddress.ip_network(r.prefix).version == 6
    nlri = _nlri(r.prefix) + b"".join(_nlri(p) for p in also)
    if withdraw and v6:
        attrs = _attr(0x80, 15, struct.pack("!HB", 2, 1) + nlri)
        msg = struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs
    elif withdraw:
        msg = struct.pack("!H", len(nlri)) + nlri + struct.pack("!H", 0)
    elif v6:
        nh = ipaddress.IPv6Address("2001:db8::1").packed
        attrs = attributes(r) + _attr(0x80, 14, struct.pack("!HBB", 2, 1, 16) + nh + b"\x00" + nlri)
        msg = struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs
    else:
        attrs = attributes(r)
        msg = struct.pack("!H", 0) + struct.pack("!H", len(attrs)) + attrs + nlri
    bgp = b"\xff" * 16 + struct.pack("!HB", 19 + len(msg), 2) + msg
    body = struct.pack("!IIHH", r.peer_as, local_as, 0, 1)
    body += ipaddress.IPv4Address(r.peer_ip).packed + ipaddress.IPv4Address("192.0.2.254").packed + bgp
    return _header(ts, BGP4MP, BGP4MP_MESSAGE_AS4, body)
