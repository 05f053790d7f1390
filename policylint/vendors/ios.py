"""Cisco IOS / IOS-XE front end: block structure -> statements -> Device.

The configuration tree comes from :mod:`ios_blocks` (indentation, as IOS prints
it); each line is then read in its block (top level, ``router bgp``,
``address-family``, ``route-map``) by plain word matching, which keeps this path
fast and free of per-line parser calls.

IOS's meaning is decided here, once, in :func:`semantics`:

* No RFC 8212 default: an eBGP neighbor without an outbound policy is sent every
  best route, unless IOS-XE's opt-in ``bgp safe-ebgp-policy`` is configured.
* A neighbor ``route-map`` that does not exist denies every route.
* A route-map ``match`` on a list that does not exist is *ignored*, so the clause
  matches every route.  This is what IOS routers do (a lab report with the
  observed behaviour: https://ieoc.com/discussion/16348/route-map-with-ip-prefix-list-that-does-not-exist,
  "if you match in a route-map on a prefix-list or ACL which does not exist, it
  ignores the command").  Batfish models the same case as never matching (its
  ``RouteMapMatchIpPrefixListLine.toBooleanExpr`` drops undefined lists from the
  disjunction, leaving FALSE); we follow the router, which is also the reading
  under which a typo in an export route-map leaks everything, and the leak rule
  sees it through :class:`~policylint.model.VendorSemantics`.
* Implicit deny at the end of route-maps and prefix-lists.
* With an RPKI cache configured, IOS keeps RPKI-invalid routes out of best-path
  selection unless ``bgp bestpath prefix-validate allow-invalid`` (or ``disable``)
  is set (Cisco IOS XE BGP Configuration Guide, "BGP—Origin AS Validation").
"""

from __future__ import annotations

from policylint.model import (
    Afi,
    Device,
    RpkiConfig,
    UndefinedMatch,
    UndefinedPolicy,
    VendorSemantics,
)
from policylint.vendors import rib
from policylint.vendors.frr import _hostname, _neighbors, _policies
from policylint.vendors.ios_acl import AclAssembler
from policylint.vendors.ios_blocks import rows

# first words of top-level lines that are BGP policy related even when not modelled
_BGP_TOP = frozenset({"router", "route-map", "ip", "ipv6"})
_BGP_IP = frozenset({"prefix-list", "as-path", "community-list", "extcommunity-list", "bgp-community"})
# top-level blocks whose children are out of scope (interfaces, IGPs, lines, ...)
_NOOP_TOP = frozenset({("ip", "bgp-community")})


def semantics(asm: AclAssembler) -> VendorSemantics:
    requires = bool(asm.b.instances and asm.b.instances[0].requires_policy)
    return VendorSemantics(
        ebgp_requires_policy=requires,
        undefined_neighbor_policy=UndefinedPolicy.DENY_ALL,
        undefined_match_list=UndefinedMatch.ALWAYS_MATCHES,
        empty_prefix_list_permits=True,
        no_rfc8212_reason="IOS has no RFC 8212 default; IOS-XE's `bgp safe-ebgp-policy` is not set",
        network_needs_route=True,
        network_route_reason=(
            "IOS announces a `network` prefix only while exactly that prefix is in its routing table"
        ),
        rib_in_config=True,
        community_sending=(
            "IOS sends no communities to a neighbor without `neighbor X send-community` "
            "(`send-community both` for standard and extended)"
        ),
        notes=(
            "IOS has no RFC 8212 default: an eBGP neighbor without outbound policy is sent every route",
            "IOS denies all routes on a session whose route-map is undefined",
            "IOS ignores a route-map `match` on an undefined list, so the clause matches every route",
        ),
    )


class IosAssembler(AclAssembler):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.block = ""  # kind of the current top-level block: bgp, route-map, other
        self.bgp_line_no = 0
        self.af_line_no = 0
        self.interface_routes = False  # inside an interface of the default VRF

    def top(self, text: str, words: list[str], line: int) -> bool | None:
        """A top-level line: True modelled, False unsupported, None out of scope."""
        head = words[0]
        second = words[1] if len(words) > 1 else ""
        self.context = "top level"
        self.block = "other"
        self.term = None
        self.acl_name = ""
        if head == "router" and second == "bgp":
            self.block, self.bgp_line_no = "bgp", line
            return self.router_bgp(words, line)
        if head == "route-map":
            self.block = "route-map"
            return self.route_map(words, line)
        if head == "interface":
            self.block, self.interface_routes = "interface", True
            return None
        if head in ("ip", "ipv6") and second == "route":
            route = rib.static_route(words, self.b.span(line))
            if route is None:
                return None  # a VRF route, or one this reading does not know
            self.b.local_routes.append(route)
            return True
        if head in ("router", "ipv6") and (source := rib.route_source(words, line)) is not None:
            self.b.rib_unknowns.append(source)
            return None
        if head == "hostname" and len(words) == 2:
            self.b.hostname = second
            return True
        if head in ("ip", "ipv6") and second == "prefix-list":
            return self.prefix_list(words, line, Afi.IPV6 if head == "ipv6" else Afi.IPV4)
        if head == "ip" and second == "as-path":
            return self.as_path_list(text, words, line)
        if head == "ip" and second == "community-list":
            return self.community_list(text, words, line)
        if (head, second) in _NOOP_TOP:
            return True
        if head == "access-list":
            return self.access_list(words, line)
        if head == "ip" and second == "access-list":
            self.block = "acl"
            return self.named_acl(words, line)
        if head in _BGP_TOP and (head == "route-map" or second in _BGP_IP or second == "bgp"):
            return False
        return None

    def nested(self, text: str, words: list[str], line: int, parent: int) -> bool | None:
        if self.block == "bgp":
            if parent == self.bgp_line_no:
                self.afi, self.context, self.af_line_no = Afi.IPV4, "router bgp", 0
                if words[0] == "address-family":
                    self.af_line_no = line
                    return self.address_family(words, line)
                if words[0] == "no" and len(words) > 1 and words[1] == "neighbor":
                    return self.no_neighbor_activate(words, line)
                return self.bgp_line(text, words, line, in_af=False)
            if parent == self.af_line_no:
                if words[0] == "no" and len(words) > 1 and words[1] == "neighbor":
                    return self.no_neighbor_activate(words, line)
                return self.bgp_line(text, words, line, in_af=True)
            return False
        if self.block == "route-map":
            return self.route_map_line(text, words, line)
        if self.block == "acl":
            return self.acl_line(words, line)
        if self.block == "interface" and self.interface_routes:
            if rib.in_vrf(words):
                self.interface_routes = False
                return None
            route = rib.interface_route(words, self.b.span(line))
            if route is not None:
                self.b.local_routes.append(route)
                return True
        return None


def parse(path: str, text: str) -> tuple[Device, ...]:
    """Parse one IOS/IOS-XE configuration into one Device.  Never raises on bad lines."""
    asm = IosAssembler(path)
    top, nested = asm.top, asm.nested
    for number, _, line_text, parent, banner in rows(text):
        if banner:
            asm.out_of_scope += 1
            continue
        words = line_text.split()
        verdict = top(line_text, words, number) if parent == 0 else nested(line_text, words, number, parent)
        if verdict is None:
            asm.out_of_scope += 1
        elif verdict:
            asm.modelled += 1
        else:
            asm.unsupported_line(line_text, number)
    asm.resolve_acls()
    return (_device(asm),)


def _device(asm: IosAssembler) -> Device:
    b = asm.b
    neighbors, groups = _neighbors(b, default_send=frozenset())  # IOS sends communities only when asked
    rpki = None
    if b.caches:
        line = b.rpki_line or b.caches[0].span.line
        rpki = RpkiConfig(
            tuple(b.caches),
            b.span(line, b.rpki_end or line),
            invalid_allowed=asm.rpki_allow_invalid,
            invalid_excluded=not (asm.rpki_allow_invalid or asm.rpki_disabled),
        )
    default = b.instances[0] if b.instances else None
    lists = b.lists()
    return Device(
        hostname=_hostname(b),
        vendor="ios",
        source=b.path,
        asn=default.asn if default else None,
        router_id=b.router_id,
        neighbors=neighbors,
        peer_groups=groups,
        policies=_policies(b),
        prefix_lists=lists.prefix_lists,
        as_path_lists=lists.as_path_lists,
        community_lists=lists.community_lists,
        large_community_lists={},
        originations=tuple(b.originations),
        rpki=rpki,
        semantics=semantics(asm),
        refs=tuple(b.refs),
        unsupported=tuple(asm.unsupported),
        issues=tuple(asm.issues),
        bgp_span=b.span(default.line, default.end_line) if default else None,
        modelled_lines=asm.modelled,
        out_of_scope_lines=asm.out_of_scope,
        local_routes=tuple(b.local_routes),
        rib_unknowns=tuple(b.rib_unknowns),
    )
