"""FRR configurations for the what-if lab (tests/frrlab.py): the sites' and the ASes' bgpd configs.

Router ids are ``10.0.0.0 + ASN*256 + n`` so that they increase with the ASN (sites of the origin
AS get ``n`` = 1 + their index in hostname order): with ``bgp bestpath compare-routerid``, FRR breaks
ties like the model (lowest neighbor ASN, then the lowest site).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

ORIGIN = 64500
LOCAL_ROLE = {"provider": "customer", "peer": "peer", "customer": "provider"}  # neighbor's role -> ours


def router_id(asn: int, sub: int = 0) -> str:
    return str(ipaddress.IPv4Address((10 << 24) + (asn << 8) + sub))


@dataclass(frozen=True, slots=True)
class SiteLink:
    neighbor: int  # the neighbor AS
    role: str  # the neighbor's role toward the site: "provider", "peer" or "customer"


@dataclass(frozen=True, slots=True)
class Site:
    name: str  # hostname; sites sort by name, and router ids follow that order
    links: tuple[SiteLink, ...]


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """What one site runs in one scenario."""

    prefixes: tuple[str, ...] = ("10.99.0.0/23",)
    sets: dict[int, tuple[str, ...]] = field(default_factory=dict)  # neighbor AS -> route-map set lines
    up: bool = True


def parse_topology(text: str) -> list[tuple[int, int, int]]:
    out = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            a, b, r = (int(v) for v in line.split("|")[:3])
            out.append((a, b, r))
    return out


def site_config(site: Site, index: int, cfg: SiteConfig, addrs: dict[int, str]) -> str:
    """The site's frr.conf (``addrs``: neighbor AS -> the neighbor's address on the site's link).

    Policies come before ``router bgp``: bgpd evaluates a ``network ... route-map`` when it reads
    it, and a route-map defined later only takes effect after the route-map delay timer."""
    lines = [
        "frr version 8.4",
        "frr defaults traditional",
        f"hostname {site.name}",
        "!",
        "ip prefix-list ANYCAST seq 5 permit 10.99.0.0/22 le 24",
        "route-map SITE-TAG permit 10",
        f" set large-community {ORIGIN}:0:{index + 1}",
        "route-map NOTHING deny 10",
    ]
    for link in site.links:
        lines += [f"route-map TO-AS{link.neighbor} permit 10", " match ip address prefix-list ANYCAST"]
        lines += [f" {s}" for s in cfg.sets.get(link.neighbor, ())]
    lines += [
        "!",
        f"router bgp {ORIGIN}",
        f" bgp router-id {router_id(ORIGIN, index + 1)}",
        " no bgp network import-check",
        " bgp bestpath compare-routerid",
        " timers bgp 3 9",
    ]
    for link in site.links:
        ip = addrs[link.neighbor]
        lines += [
            f" neighbor {ip} remote-as {link.neighbor}",
            f" neighbor {ip} local-role {LOCAL_ROLE[link.role]}",
            f" neighbor {ip} advertisement-interval 0",
            f" neighbor {ip} timers connect 1",
        ]
    lines.append(" address-family ipv4 unicast")
    lines += [f"  network {p} route-map SITE-TAG" for p in cfg.prefixes]
    for link in site.links:
        ip = addrs[link.neighbor]
        lines += [
            f"  neighbor {ip} route-map NOTHING in",
            f"  neighbor {ip} route-map TO-AS{link.neighbor} out",
        ]
    lines += [" exit-address-family", "exit"]
    return "\n".join(lines) + "\n"


def as_config(asn: int, sessions: list[tuple[str, int, str]], prefer: dict[int, int] | None = None) -> str:
    """``sessions``: (neighbor address, neighbor AS, the neighbor's role: customer/peer/provider).

    ``prefer``: neighbor AS -> local-preference for routes from it, overriding the relationship's
    (a policy that breaks Gao-Rexford when it ranks a peer or provider above a customer).  Export
    stays valley-free by local-preference 300, so such a route only goes to customers."""
    prefer = prefer or {}
    lines = [
        "frr defaults traditional",
        f"hostname as{asn}",
        "ip prefix-list MAXLEN seq 5 permit 0.0.0.0/0 le 24",
    ]
    for tag, lp in (("CUST", 300), ("PEER", 200), ("PROV", 100)):
        lines += [f"route-map FROM-{tag} permit 10", " match ip address prefix-list MAXLEN"]
        lines += [f" set local-preference {lp}"]
    for nas, lp in sorted(prefer.items()):
        lines += [f"route-map FROM-AS{nas} permit 10", " match ip address prefix-list MAXLEN"]
        lines += [f" set local-preference {lp}"]
    lines += ["route-map TO-CUST permit 10"]
    for tag in ("PEER", "PROV"):
        lines += [f"route-map TO-{tag} permit 10", " match local-preference 300"]
    lines += [
        f"router bgp {asn}",
        f" bgp router-id {router_id(asn)}",
        " no bgp ebgp-requires-policy",
        " no bgp network import-check",
        " bgp bestpath compare-routerid",
        " timers bgp 3 9",
    ]
    for ip, nas, _ in sessions:
        lines += [
            f" neighbor {ip} remote-as {nas}",
            f" neighbor {ip} advertisement-interval 0",
            f" neighbor {ip} timers connect 1",
        ]
    lines.append(" address-family ipv4 unicast")
    for ip, nas, role in sessions:
        tag = {"customer": "CUST", "peer": "PEER", "provider": "PROV"}[role]
        inbound = f"AS{nas}" if nas in prefer else tag
        lines += [f"  neighbor {ip} route-map FROM-{inbound} in", f"  neighbor {ip} route-map TO-{tag} out"]
    lines += [" exit-address-family", "exit"]
    return "\n".join(lines) + "\n"
