"""An MRT file's records by their bytes, before mrtparse sees any (issue 9): where each record
starts, its header, and which route records can be about a wanted prefix.

A raw collector file is mostly other prefixes.  Its records are framed with one Python step each
(the length in the 12-byte header); the headers are then read as arrays, and the wanted prefixes
are looked for in the whole file at once: every NLRI, withdrawn or RIB prefix inside a wanted
prefix is written as a length byte in range followed by the wanted prefix's leading bytes.  Only
records holding such bytes, and records that are not route records (the peer index table, state
changes, a cut record), are handed on.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

import numpy as np

from policylint.whatif.observed import Wanted
from policylint.whatif.topology import IntArray

TABLE_DUMP_V2, BGP4MP, BGP4MP_ET = 13, 16, 17
# the record kinds read for routes: RIB entries, BGP4MP(_ET) messages
ROUTE_SUBTYPES: dict[int, tuple[int, ...]] = {
    TABLE_DUMP_V2: (2, 3, 4, 5),
    BGP4MP: (1, 4, 6, 7),
    BGP4MP_ET: (1, 4, 6, 7),
}
_LENGTH = struct.Struct("!I")


@dataclass(frozen=True, slots=True)
class Needle:
    """How a prefix inside a wanted one looks on the wire: a length byte in ``shortest..longest``,
    then ``lead`` (the wanted prefix's whole leading bytes), then, when its length is not a multiple
    of eight, a byte whose top ``bits`` bits are ``top``."""

    lead: bytes
    shortest: int
    longest: int
    width: int  # address bytes: 4 or 16
    bits: int
    top: int

    @property
    def pattern(self) -> re.Pattern[bytes]:
        """The lead bytes, preceded by a length byte in range (searched for the lead first)."""
        lead = re.escape(self.lead)
        return re.compile(lead + rb"(?<=[\x%02x-\x%02x]" % (self.shortest, self.longest) + lead + rb")")


def needles(wanted: Wanted | None) -> tuple[Needle, ...] | None:
    """None when records cannot be judged by their bytes: no prefixes given, or one shorter than /8
    (no whole byte to look for)."""
    if wanted is None or any(q.prefixlen < 8 for q in wanted.prefixes):
        return None
    out = []
    for q in wanted.prefixes:
        packed, full, bits = q.network_address.packed, q.prefixlen // 8, q.prefixlen % 8
        top = packed[full] >> (8 - bits) if bits else 0
        out.append(Needle(packed[:full], q.prefixlen, q.max_prefixlen, len(packed), bits, top))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Scan:
    """The records to read, by number (1-based), with their header fields; and how many route
    records were left out as about other prefixes only."""

    numbers: list[int]
    starts: list[int]
    times: list[int]
    types: list[int]
    subtypes: list[int]
    ends: list[int]  # past the record; beyond the data when the record is cut short
    skipped: int


def scan(data: bytes, wanted: tuple[Needle, ...] | None) -> Scan:
    size = len(data)
    offsets: list[int] = []
    at, length = 0, _LENGTH.unpack_from
    while at < size:
        offsets.append(at)
        if size - at < 12:
            break
        at += 12 + length(data, at + 8)[0]
    offs = np.asarray(offsets, dtype=np.int64)
    whole = offs + 12 <= size
    head = offs[whole]
    b = np.frombuffer(data, dtype=np.uint8)

    def field(at: int, width: int) -> IntArray:
        """A big-endian header field of every whole header (0 for a cut one)."""
        out = np.zeros(offs.shape[0], np.int64)
        v = np.zeros(head.shape[0], np.int64)
        for k in range(width):
            v = v << 8 | b[head + at + k].astype(np.int64)
        out[whole] = v
        return out

    times, types, subtypes = field(0, 4), field(4, 2), field(6, 2)
    ends = np.where(whole, offs + 12 + field(8, 4), size + 1)
    route = ends <= size
    route &= ((types == TABLE_DUMP_V2) & np.isin(subtypes, ROUTE_SUBTYPES[TABLE_DUMP_V2])) | (
        ((types == BGP4MP) | (types == BGP4MP_ET)) & np.isin(subtypes, ROUTE_SUBTYPES[BGP4MP])
    )
    keep = ~route
    if wanted is None:
        keep[:] = True
    else:
        for nd in wanted:
            hits = np.asarray([m.start() for m in nd.pattern.finditer(data)], dtype=np.int64)
            if hits.size == 0:
                continue
            rec = np.searchsorted(offs, hits - 1, side="right") - 1
            inside = (hits - 1 >= offs[rec] + 12) & (hits + len(nd.lead) <= ends[rec])
            keep[rec[inside]] = True
    picked = np.flatnonzero(keep)
    return Scan(
        (picked + 1).tolist(), offs[picked].tolist(), times[picked].tolist(), types[picked].tolist(),
        subtypes[picked].tolist(), ends[picked].tolist(), int(route.sum() - (route & keep).sum()),
    )  # fmt: skip


def candidates(data: bytes, msg: int, end: int, needles: tuple[Needle, ...]) -> tuple[tuple[int, bytes], ...]:
    """Every (length, address) that a BGP message (from ``msg`` to ``end``) could carry as an NLRI or
    withdrawn prefix inside a wanted prefix: each place where a wanted prefix's leading bytes follow
    a length byte in range, read as such a prefix.  The prefixes it really carries are among them
    (the others are byte coincidences); empty: it carries none."""
    out: list[tuple[int, bytes]] = []
    for nd in needles:
        i = data.find(nd.lead, msg + 1, end)
        while i >= 0:
            length = data[i - 1]
            size = (length + 7) >> 3
            if nd.shortest <= length <= nd.longest and i + size <= end:
                addr = data[i : i + size]
                if length & 7:
                    addr = addr[:-1] + bytes([addr[-1] & (0xFF << (8 - (length & 7))) & 0xFF])
                if not nd.bits or addr[len(nd.lead)] >> (8 - nd.bits) == nd.top:
                    out.append((length, addr + bytes(nd.width - size)))
            i = data.find(nd.lead, i + 1, end)
    return tuple(dict.fromkeys(out)) if len(out) > 1 else tuple(out)


def peer_fields(data: bytes, body: int, end: int, sub: int) -> bytes | None:
    """A BGP4MP message's peer fields (peer and local ASN, interface, AFI, peer and local address):
    records with equal fields come from one monitor session.  None when the AFI is unknown."""
    aslen = 2 if sub in (1, 6) else 4
    afi_at = body + 2 * aslen + 2
    if afi_at + 2 > end:
        return None
    afi = data[afi_at] << 8 | data[afi_at + 1]
    iplen = 4 if afi == 1 else 16 if afi == 2 else 0
    stop = afi_at + 2 + 2 * iplen
    return data[body:stop] if iplen and stop <= end else None
