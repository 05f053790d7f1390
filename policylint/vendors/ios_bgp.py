"""Cisco IOS assemble step, part 3: ``router bgp``, its address families and neighbors."""

from __future__ import annotations

from policylint.model import Afi, IPNetwork, Origination, RefKind, RpkiCache
from policylint.vendors.frr_state import AfBuilder, InstanceBuilder, NeighborBuilder, send_kinds
from policylint.vendors.ios_lists import asn, network, network_mask, to_int
from policylint.vendors.ios_routemap import RouteMapAssembler

_FILTERS = {
    "route-map": ("route_map", RefKind.ROUTE_MAP),
    "prefix-list": ("prefix_list", RefKind.PREFIX_LIST),
    "filter-list": ("filter_list", RefKind.AS_PATH_LIST),
}
# neighbor/AF options that are accepted and have no effect on what the model checks
_NB_NOOP = frozenset(
    {
        "update-source", "send-community", "remove-private-as", "next-hop-self", "shutdown",
        "timers", "version", "fall-over", "advertisement-interval",
        "route-reflector-client", "send-label", "additional-paths", "advertise",
        "disable-connected-check", "transport", "bfd", "log-neighbor-changes",
        "soft-reconfiguration", "ha-mode", "capability", "dmzlink-bw", "unsuppress-map",
        "next-hop-unchanged", "activate", "maximum-prefix",
    }
)  # fmt: skip
# `bgp ...` / router-level words that have no effect on what the model checks
_BGP_NOOP = frozenset(
    {
        "log-neighbor-changes", "deterministic-med", "always-compare-med", "graceful-restart",
        "additional-paths", "dampening", "fast-external-fallover", "update-delay", "cluster-id",
        "scan-time", "nexthop", "asnotation", "maxas-limit", "redistribute-internal",
        "consistency-checker", "recursion", "enforce-first-as", "confederation", "listen",
        "default", "bestpath", "client-to-client", "inject-map", "suppress-inactive",
    }
)  # fmt: skip
_ROUTER_NOOP = frozenset(
    {
        "timers",
        "maximum-paths",
        "synchronization",
        "auto-summary",
        "distance",
        "table-map",
        "exit-address-family",
        "default-information",
        "default-metric",
    }
)


class BgpAssembler(RouteMapAssembler):
    instance: InstanceBuilder | None = None
    afi: Afi | None = Afi.IPV4
    rpki_allow_invalid = False
    rpki_disabled = False
    safe_ebgp = False

    # ------------------------------------------------------------------ router bgp
    def router_bgp(self, words: list[str], line: int) -> bool:
        if len(words) != 3:
            return False
        number = asn(words[2])
        if number is None:
            self.issue(line, f"`router bgp {words[2]}`: not a valid AS number")
        self.instance = InstanceBuilder(number, None, line, line)
        self.b.instances.append(self.instance)
        self.afi = Afi.IPV4
        self.context = "router bgp"
        return True

    def address_family(self, words: list[str], line: int) -> bool:
        """``address-family ipv4|ipv6 [unicast]``; multicast, VRF and VPN families are not modelled."""
        fam = words[1] if len(words) > 1 else ""
        safi = words[2] if len(words) > 2 else "unicast"
        if fam in ("ipv4", "ipv6") and safi == "unicast" and len(words) <= 3:
            self.afi = Afi.IPV4 if fam == "ipv4" else Afi.IPV6
        else:
            self.afi = None
        self.context = f"address-family {' '.join(words[1:])}"
        return self.afi is not None

    def bgp_line(self, text: str, words: list[str], line: int, in_af: bool) -> bool:
        """One line under ``router bgp`` (``in_af``: inside an address-family block)."""
        inst = self.instance
        if inst is None:
            return False
        inst.end_line = max(inst.end_line, line)
        head = words[0]
        if head == "neighbor" and len(words) >= 3:
            return self._neighbor(text, words, line, in_af)
        if head in ("network", "aggregate-address", "redistribute"):
            if self.afi is None:
                return False
            return self._originate(words, line)
        if head == "no" and len(words) > 1 and words[1] in _ROUTER_NOOP:
            return True
        if in_af:
            return head in _ROUTER_NOOP or (head == "bgp" and len(words) > 1 and words[1] in _BGP_NOOP)
        if head == "bgp" and len(words) >= 2:
            return self._bgp(words, line, inst)
        if head == "no" and words[1:4] == ["bgp", "default", "ipv4-unicast"]:
            inst.default_ipv4 = False
            return True
        if head == "no" and len(words) > 1 and (words[1] in _ROUTER_NOOP or words[1:2] == ["bgp"]):
            return len(words) == 2 or words[2] in _BGP_NOOP or words[1] in _ROUTER_NOOP
        return head in _ROUTER_NOOP

    def _bgp(self, words: list[str], line: int, inst: InstanceBuilder) -> bool:
        sub = words[1]
        if sub == "router-id" and len(words) == 3:
            self.b.router_id = words[2]
            return True
        if sub == "safe-ebgp-policy":  # IOS-XE 17.x: RFC 8212 behaviour, opt-in
            inst.requires_policy = True
            return True
        if sub == "rpki" and len(words) >= 5 and words[2] == "server" and words[3] == "tcp":
            port = to_int(words[words.index("port") + 1]) if "port" in words[:-1] else None
            self.b.caches.append(RpkiCache(words[4], port, "tcp", None, self.span(line)))
            if self.b.rpki_line is None:
                self.b.rpki_line = line
            self.b.rpki_end = line
            return True
        if sub == "bestpath" and len(words) == 4 and words[2] == "prefix-validate":
            if words[3] == "allow-invalid":
                self.rpki_allow_invalid = True
                return True
            if words[3] == "disable":
                self.rpki_disabled = True
                return True
            return False
        return sub in _BGP_NOOP

    # ------------------------------------------------------------------ neighbors
    def _nb(self, address: str, line: int) -> NeighborBuilder:
        key = (len(self.b.instances) - 1, address)
        nb = self.b.neighbors.get(key)
        if nb is None:
            nb = self.b.neighbors[key] = NeighborBuilder(address, key[0], line, line)
        return nb

    def _af(self, nb: NeighborBuilder, line: int) -> AfBuilder | None:
        if self.afi is None:
            return None
        af = nb.af(self.afi)
        if af.line is None:
            af.line = line
        return af

    def _neighbor(self, text: str, words: list[str], line: int, in_af: bool) -> bool:
        address, opt, args = words[1], words[2], words[3:]
        if self.afi is None:
            return False  # a neighbor line in a family the model does not cover
        if opt == "remote-as" and len(args) == 1:
            if asn(args[0]) is None:
                self.issue(line, f"`neighbor {address} remote-as {args[0]}`: not an AS number")
                return True
            self._nb(address, line).remote = args[0]
            return True
        if opt == "peer-group":
            nb = self._nb(address, line)
            if not args:
                nb.is_group = True
            else:
                nb.group = args[0]
                self.ref(RefKind.PEER_GROUP, args[0], f"neighbor {address} peer-group", line)
            return True
        if opt == "description":
            self._nb(address, line).description = text.split(None, 3)[3] if args else ""
            return True
        if opt == "password":
            self._nb(address, line).has_password = True  # the secret itself is never kept
            return True
        if opt == "ebgp-multihop":
            self._nb(address, line).multihop = to_int(args[0]) if args else 255
            return True
        if opt == "ttl-security" and len(args) == 2 and args[0] == "hops":
            self._nb(address, line).ttl_security = to_int(args[1])
            return True
        return self._neighbor_af(address, opt, args, line)

    def _neighbor_af(self, address: str, opt: str, args: list[str], line: int) -> bool:
        nb = self._nb(address, line)
        if opt == "activate" and not args:
            af = self._af(nb, line)
            if af is not None:
                af.activated = True
            return True
        if opt in _FILTERS and len(args) == 2 and args[1] in ("in", "out"):
            af = self._af(nb, line)
            if af is None:
                return False
            slot, kind = _FILTERS[opt]
            ref = self.ref(kind, args[0], f"neighbor {address} {opt} {args[1]}", line)
            (af.exports if args[1] == "out" else af.imports)[slot] = ref
            return True
        if opt == "distribute-list" and len(args) == 2 and args[1] in ("in", "out"):
            af = self._af(nb, line)
            return af is not None and self.distribute_list(af, address, args[0], args[1], line)
        if opt == "maximum-prefix" and args:
            af = self._af(nb, line)
            if af is not None:
                af.max_prefix = to_int(args[0])
            return True
        if opt == "send-community" and len(args) <= 1:
            af = self._af(nb, line)
            if af is not None:
                for sent_kind in send_kinds(args[0] if args else None):
                    af.send_community[sent_kind] = True
            return True
        if opt == "soft-reconfiguration":
            af = self._af(nb, line)
            if af is not None:
                af.soft_reconfiguration = True
            return True
        return opt in _NB_NOOP

    def distribute_list(self, af: AfBuilder, address: str, name: str, direction: str, line: int) -> bool:
        """``neighbor X distribute-list ACL in|out`` (access-lists are modelled by a subclass)."""
        return False

    def no_neighbor_activate(self, words: list[str], line: int) -> bool:
        """``no neighbor X activate``: the family is off for that neighbor."""
        if self.instance is None or len(words) != 4 or words[3] != "activate" or self.afi is None:
            return False
        af = self._af(self._nb(words[2], line), line)
        if af is not None:
            af.activated = False
        return True

    # ------------------------------------------------------------------ originations
    def _originate(self, words: list[str], line: int) -> bool:
        head, n = words[0], len(words)
        if head == "redistribute":
            via = f"redistribute {words[1]}" if n > 1 else "redistribute"
            rm = words[words.index("route-map") + 1] if "route-map" in words[:-1] else None
            ref = self.ref(RefKind.ROUTE_MAP, rm, via, line) if rm else None
            self.b.originations.append(Origination(None, via, ref, self.span(line)))
            return True
        if n < 2:
            return False
        net: IPNetwork | None
        if n >= 4 and words[2] == "mask" and head == "network":
            text, net, rest = f"{words[1]} mask {words[3]}", network_mask(words[1], words[3]), words[4:]
        elif head == "aggregate-address" and n >= 3 and "." in words[2]:
            text, net, rest = f"{words[1]} {words[2]}", network_mask(words[1], words[2]), words[3:]
        elif "/" in words[1]:
            text, net, rest = words[1], network(words[1]), words[2:]
        elif head == "network" and words[1].count(".") == 3:  # classful network: IOS uses the class mask
            first = to_int(words[1].split(".")[0]) or 0
            bits = 8 if first < 128 else 16 if first < 192 else 24
            text, net, rest = words[1], network(f"{words[1]}/{bits}"), words[2:]
        else:
            return False
        if net is None:
            self.issue(line, f"`{head} {text}`: not a valid prefix")
            return True
        if self.afi is not None and (net.version == 6) != (self.afi is Afi.IPV6):
            self.issue(line, f"`{head} {text}` in the {self.afi.value} address family: wrong family")
            return True
        rm = rest[rest.index("route-map") + 1] if "route-map" in rest[:-1] else None
        ref = self.ref(RefKind.ROUTE_MAP, rm, f"{head} {text}", line) if rm else None
        summary = "summary-only" in rest
        self.b.originations.append(Origination(net, head, ref, self.span(line), summary))
        return True
