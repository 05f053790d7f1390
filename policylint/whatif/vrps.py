"""A minimal VRP reader for ``whatif --vrps``: rpki-client JSON (plain, .bz2 or .gz) only.

Route-origin validation follows RFC 6811: a route is *valid* when a covering VRP has its origin and
a max length at least the prefix length, *invalid* when covering VRPs exist but none matches, and
*not found* otherwise.  The full RPKI module (other formats, RTR) is policylint.rpki's job; this
class satisfies :class:`policylint.whatif.propagate.OriginValidator` so either can be used.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass

from policylint.model import IPNetwork, RpkiState
from policylint.whatif.topology import TopologyError, decode, read_raw

Key = tuple[int, int, int]  # (ip version, network address as int, prefix length)


@dataclass(frozen=True, slots=True)
class VrpIndex:
    by_prefix: dict[Key, tuple[tuple[int, int], ...]]  # -> ((asn, max length), ...)
    count: int

    def state(self, prefix: IPNetwork, origin: int) -> RpkiState:
        addr = int(prefix.network_address)
        bits = prefix.max_prefixlen
        covered = False
        for length in range(prefix.prefixlen, -1, -1):
            mask = ((1 << length) - 1) << (bits - length) if length else 0
            entries = self.by_prefix.get((prefix.version, addr & mask, length))
            if not entries:
                continue
            covered = True
            for asn, max_len in entries:
                if asn == origin and asn != 0 and prefix.prefixlen <= max_len:
                    return RpkiState.VALID
        return RpkiState.INVALID if covered else RpkiState.NOTFOUND


def load_vrps(path: str) -> VrpIndex:
    text = decode(path, read_raw(path))
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TopologyError(path, exc.lineno, f"not JSON: {exc.msg}") from None
    roas = doc.get("roas") if isinstance(doc, dict) else None
    if not isinstance(roas, list):
        raise TopologyError(path, None, "expected rpki-client JSON with a 'roas' list")
    table: dict[Key, set[tuple[int, int]]] = {}
    for n, roa in enumerate(roas):
        try:
            asn = roa["asn"]
            asn = int(asn[2:] if isinstance(asn, str) and asn.upper().startswith("AS") else asn)
            net = ipaddress.ip_network(roa["prefix"], strict=False)
            max_len = int(roa.get("maxLength", net.prefixlen))
        except (KeyError, TypeError, ValueError):
            raise TopologyError(path, None, f"roas[{n}]: expected asn, prefix and maxLength") from None
        key = (net.version, int(net.network_address), net.prefixlen)
        table.setdefault(key, set()).add((asn, max_len))
    return VrpIndex({k: tuple(sorted(v)) for k, v in table.items()}, len(roas))
