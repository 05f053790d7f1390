"""VRPs (validated ROA payloads) as plain integers, and the errors the loaders raise.

A VRP is kept as ``(version, network, length, max_length, asn)`` with the network as
an integer, never as an ``ipaddress`` object: the real snapshot has ~720,000 of them
and building objects for each one costs seconds.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network

from policylint.model import IPNetwork

MAX_LEN = {4: 32, 6: 128}


@dataclass(frozen=True, slots=True)
class Vrp:
    """One VRP: ``asn`` may originate ``prefix`` and its sub-prefixes up to ``max_length``."""

    version: int  # 4 or 6
    network: int  # the prefix's first address as an integer
    length: int
    max_length: int
    asn: int

    @property
    def prefix(self) -> IPNetwork:
        return network_of(self.version, self.network, self.length)

    def __str__(self) -> str:
        return f"{self.prefix} maxLength {self.max_length} AS{self.asn}"

    def covers(self, version: int, network: int, length: int) -> bool:
        if version != self.version or length < self.length:
            return False
        shift = MAX_LEN[version] - self.length
        return network >> shift == self.network >> shift


PACK_SHIFT = 40  # packed VRP: (network << 8 | length) << 40 | asn << 8 | max_length


def pack(network: int, length: int, max_length: int, asn: int) -> int:
    """One VRP of one address family as one integer; sorting these sorts by (network, length)."""
    return (network << 8 | length) << PACK_SHIFT | asn << 8 | max_length


def unpack(packed: int) -> tuple[int, int, int, int]:
    """(network, length, max_length, asn) of :func:`pack`'s integer."""
    key = packed >> PACK_SHIFT
    return key >> 8, key & 0xFF, packed & 0xFF, (packed >> 8) & 0xFFFFFFFF


def network_of(version: int, network: int, length: int) -> IPNetwork:
    if version == 4:
        return IPv4Network((network, length))
    return IPv6Network((network, length))


class RpkiDataError(Exception):
    """Malformed VRP data: ``where`` is ``path:line:col`` or ``path: $.roas[12].prefix``."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.detail = message


_INET = {4: socket.AF_INET, 6: socket.AF_INET6}


def parse_prefix(text: str) -> tuple[int, int, int]:
    """``"192.0.2.0/24"`` -> (4, network int, 24).  Raises ValueError with a reason.

    Host bits must be zero (RFC 6482 ROAs carry exact prefixes).
    """
    addr, sep, length_text = text.strip().partition("/")
    if not sep or not length_text.isdigit():
        raise ValueError(f"not a prefix (address/length): {text!r}")
    version = 6 if ":" in addr else 4
    try:
        packed = socket.inet_pton(_INET[version], addr)
    except OSError:
        raise ValueError(f"not an IPv{version} address: {addr!r}") from None
    length = int(length_text)
    bits = MAX_LEN[version]
    if length > bits:
        raise ValueError(f"prefix length {length} is longer than {bits}")
    network = int.from_bytes(packed, "big")
    if network & ((1 << (bits - length)) - 1):
        raise ValueError(f"{text} has host bits set")
    return version, network, length


def parse_asn(value: object) -> int:
    """An ASN as an integer or ``"AS64500"`` / ``"64500"``; raises ValueError."""
    if isinstance(value, bool):
        raise ValueError(f"not an AS number: {value!r}")
    if isinstance(value, int):
        asn = value
    elif isinstance(value, str):
        text = value.strip()
        if text[:2].upper() == "AS":
            text = text[2:]
        if not text.isdigit():
            raise ValueError(f"not an AS number: {value!r}")
        asn = int(text)
    else:
        raise ValueError(f"not an AS number: {value!r}")
    if not 0 <= asn < 2**32:
        raise ValueError(f"AS number out of range: {value!r}")
    return asn


def check_max_length(version: int, length: int, max_length: int) -> None:
    if not length <= max_length <= MAX_LEN[version]:
        raise ValueError(f"maxLength {max_length} is not between {length} and {MAX_LEN[version]}")


def split_network(prefix: IPNetwork | str) -> tuple[int, int, int]:
    """(version, network int, length) of an ``ipaddress`` network or prefix text."""
    if isinstance(prefix, str):
        prefix = ip_network(prefix, strict=False)
    return prefix.version, int(prefix.network_address), prefix.prefixlen
