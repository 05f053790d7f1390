"""Routes a configuration puts in the routing table itself, read the same way for FRR and IOS.

A BGP ``network`` statement only announces a prefix that is in the routing table (IOS always,
FRR with ``bgp network import-check``).  What anchors it in a configuration: a static route,
usually to a discard interface (IOS ``ip route 192.0.2.0 255.255.255.0 Null0``, FRR
``ip route 192.0.2.0/24 blackhole``), or the subnet of an interface address.  An IGP or a BGP
instance in a VRF makes the table unknowable from the file; :func:`route_source` names those.

Both syntaxes share one reading: a prefix is ``P/L`` or ``ADDRESS MASK``; routes in a VRF
(``ip route vrf X ...``, interfaces with ``vrf forwarding``) are not in the default table.
"""

from __future__ import annotations

import ipaddress
import re

from policylint.model import IPNetwork, LocalRoute, Span

# next hops that discard the packet: the route exists only to anchor an announcement
DISCARD_HOPS = frozenset({"null0", "null", "blackhole", "reject"})
# `router X` blocks of protocols that can put the anchored prefix in the table
IGPS = frozenset({"ospf", "ospf6", "ospfv3", "isis", "eigrp", "rip", "ripng", "babel", "openfabric", "odr"})


# A.B.C.D/L exactly as the ipaddress module accepts it (no leading zeros in an octet; ASCII digits)
_OCTET = "(0|[1-9][0-9]{0,2})"
_DOTTED = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}/([0-9]+)")


def _dotted(text: str) -> IPNetwork | None:
    """``A.B.C.D/L`` with host bits cleared, as ``ip_network(text, strict=False)`` and
    ``ip_interface(text).network`` give it, without their general parsing; None for other forms."""
    m = _DOTTED.fullmatch(text)
    if m is None:
        return None
    a, b, c, d, length = int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5])
    if a > 255 or b > 255 or c > 255 or d > 255 or length > 32:
        return None
    mask = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
    return ipaddress.IPv4Network((((a << 24) | (b << 16) | (c << 8) | d) & mask, length))


def _prefix(words: list[str], at: int, *, host: bool) -> tuple[IPNetwork | None, int]:
    """The prefix starting at ``words[at]`` (``P/L`` or ``ADDRESS MASK``) and the index after it.

    ``host``: the words are an interface address (host bits set), whose subnet is wanted.
    """
    if at >= len(words):
        return None, at
    text, after = words[at], at + 1
    if "/" not in text:
        if after >= len(words):
            return None, at
        text, after = f"{text}/{words[after]}", after + 1
    quick = _dotted(text)
    if quick is not None:
        return quick, after
    try:
        if ":" in text:  # never IPv4: ip_interface / ip_network would try (and fail) IPv4 first
            if host:
                return ipaddress.IPv6Interface(text).network, after
            return ipaddress.IPv6Network(text, strict=False), after
        if host:
            return ipaddress.ip_interface(text).network, after
        return ipaddress.ip_network(text, strict=False), after
    except ValueError:
        return None, at


def static_route(words: list[str], span: Span) -> LocalRoute | None:
    """``ip route PREFIX NEXT-HOP ...`` / ``ipv6 route ...`` in the default VRF; None otherwise."""
    if len(words) < 4 or words[1] != "route" or words[0] not in ("ip", "ipv6") or words[2] == "vrf":
        return None
    net, after = _prefix(words, 2, host=False)
    if net is None or after >= len(words) or (net.version == 6) != (words[0] == "ipv6"):
        return None
    kind = "discard" if words[after].lower() in DISCARD_HOPS else "static"
    return LocalRoute(net, kind, span)


def interface_route(words: list[str], span: Span) -> LocalRoute | None:
    """The connected subnet of an interface's ``ip address A M`` / ``ip[v6] address P/L``."""
    if len(words) < 3 or words[1] != "address" or words[0] not in ("ip", "ipv6"):
        return None
    if words[-1] in ("link-local", "dhcp", "autoconfig") or words[2] in ("dhcp", "negotiated", "autoconfig"):
        return None
    net, _ = _prefix(words, 2, host=True)
    if net is None or (net.version == 6) != (words[0] == "ipv6"):
        return None
    return LocalRoute(net, "connected", span)


def in_vrf(words: list[str]) -> bool:
    """An interface-block line that moves the interface into a VRF (IOS, IOS-XE, FRR)."""
    return (len(words) >= 3 and words[0] == "vrf" and words[1] == "forwarding") or (
        len(words) >= 4 and words[:3] == ["ip", "vrf", "forwarding"]
    )


def route_source(words: list[str], line: int) -> str | None:
    """A top-level line that starts an IGP (which may supply any route): its description."""
    if len(words) >= 2 and words[0] == "router" and words[1] in IGPS:
        return f"`router {words[1]}` (line {line})"
    if len(words) >= 3 and words[0] == "ipv6" and words[1] == "router" and words[2] in IGPS:
        return f"`ipv6 router {words[2]}` (line {line})"
    return None
