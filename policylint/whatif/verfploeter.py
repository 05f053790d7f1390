"""Verfploeter-style catchment results -> measured catchment CSV (``asn,site,weight``).

Verfploeter pings one address per /24 from the anycast prefix; the site that receives the reply
(``client_id``) is that block's catchment.  Input: CSV with a header naming a ``client_id`` column
and an address column (``src``, ``ip``, ``address``, ``target`` or ``reply_src``: the address that
replied).  Addresses map to their origin AS by longest match in a prefix-to-AS file (CAIDA
RouteViews pfx2as: ``prefix<TAB>length<TAB>asn``, MOAS ``a_b`` and AS sets ``a,b`` take the first).
``--client SITE=ID`` maps a client id to a site name (default: the id is the site name).  The weight
is the number of replying addresses of that AS caught by that site.
"""

from __future__ import annotations

import csv
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from policylint.whatif.observed import ObservationError, parse_asn

ADDRESS_COLUMNS = ("src", "ip", "address", "target", "reply_src")


@dataclass(frozen=True, slots=True)
class Pfx2As:
    tables: dict[int, dict[int, dict[int, int]]]  # version -> prefix length -> network int -> asn

    def lookup(self, addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int | None:
        by_len = self.tables.get(addr.version, {})
        bits = 32 if addr.version == 4 else 128
        value = int(addr)
        for length in sorted(by_len, reverse=True):
            net = value >> (bits - length) << (bits - length) if length else 0
            asn = by_len[length].get(net)
            if asn is not None:
                return asn
        return None


def load_pfx2as(path: str) -> Pfx2As:
    tables: dict[int, dict[int, dict[int, int]]] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, raw in enumerate(f, 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                parts = line.split()
                if len(parts) != 3:
                    raise ObservationError(f"{path}:{n}: expected PREFIX LENGTH ASN (CAIDA pfx2as)")
                try:
                    net = ipaddress.ip_network(f"{parts[0]}/{parts[1]}", strict=False)
                    asn = parse_asn(parts[2].replace("_", ",").split(",")[0])
                except ValueError:
                    raise ObservationError(f"{path}:{n}: cannot read {line!r} as PREFIX LENGTH ASN") from None
                tables.setdefault(net.version, {}).setdefault(net.prefixlen, {})[int(net.network_address)] = (
                    asn
                )
    except OSError as exc:
        raise ObservationError(f"{path}: {exc.strerror or exc}") from None
    return Pfx2As(tables)


@dataclass(frozen=True, slots=True)
class Converted:
    rows: list[tuple[int, str, int]]  # (asn, site, replies), sorted
    replies: int
    unmapped: int  # replies whose address no prefix covers


def convert(path: str, pfx2as: Pfx2As, clients: dict[str, str]) -> Converted:
    counts: dict[tuple[int, str], int] = {}
    total = unmapped = 0
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            reader = csv.reader(f)
            header: list[str] | None = None
            for n, row in enumerate(reader, 1):
                cells = [c.strip() for c in row]
                if not any(cells) or cells[0].startswith("#"):
                    continue
                if header is None:
                    header = [c.lower() for c in cells]
                    if "client_id" not in header:
                        raise ObservationError(f"{path}:{n}: the header has no client_id column")
                    addr_col = next((c for c in ADDRESS_COLUMNS if c in header), None)
                    if addr_col is None:
                        raise ObservationError(
                            f"{path}:{n}: the header has no address column ({', '.join(ADDRESS_COLUMNS)})"
                        )
                    ia, ic = header.index(addr_col), header.index("client_id")
                    continue
                if len(cells) <= max(ia, ic):
                    raise ObservationError(f"{path}:{n}: expected {len(header)} fields, found {len(cells)}")
                try:
                    addr = ipaddress.ip_address(cells[ia])
                except ValueError:
                    raise ObservationError(f"{path}:{n}: {cells[ia]!r} is not an IP address") from None
                cid = cells[ic]
                if not cid:
                    raise ObservationError(f"{path}:{n}: empty client_id")
                total += 1
                asn = pfx2as.lookup(addr)
                if asn is None:
                    unmapped += 1
                    continue
                key = (asn, clients.get(cid, cid))
                counts[key] = counts.get(key, 0) + 1
    except OSError as exc:
        raise ObservationError(f"{path}: {exc.strerror or exc}") from None
    if header is None:
        raise ObservationError(f"{path}: empty (expected a header with client_id and an address column)")
    return Converted(sorted((a, s, c) for (a, s), c in counts.items()), total, unmapped)


def parse_clients(specs: Sequence[str]) -> dict[str, str]:
    """``ID=SITE`` pairs (``--client``)."""
    out = {}
    for spec in specs:
        cid, sep, site = spec.partition("=")
        if not sep or not cid.strip() or not site.strip():
            raise ObservationError(f"--client {spec!r}: expected ID=SITE")
        out[cid.strip()] = site.strip()
    return out


def write_csv(conv: Converted, out: TextIO) -> None:
    out.write("asn,site,weight\n")
    for asn, site, count in conv.rows:
        out.write(f"{asn},{site},{count}\n")


def summary(conv: Converted) -> str:
    ases = len({a for a, _, _ in conv.rows})
    return (
        f"{conv.replies:,} replies: {ases:,} ASes, {len(conv.rows):,} AS-site rows; "
        f"{conv.unmapped:,} replies from addresses no prefix in the pfx2as file covers"
    )
