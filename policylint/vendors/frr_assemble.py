"""FRR assemble step, part 1: FRR's node logic and statement handlers.

FRR reads a config line in the current node (config, router bgp, address-family,
route-map, rpki); a command that is not valid there is retried in the parent
nodes and, when it succeeds, the parent becomes the current node.  Indentation
means nothing to FRR, so it means nothing here either, except to decide that an
unknown column-0 line after an out-of-scope block (interface, router ospf, ...)
belongs to the top level again.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from functools import lru_cache

from policylint.model import (
    Action,
    Afi,
    AsPathEntry,
    CommunityEntry,
    IPNetwork,
    MatchOther,
    Origination,
    ParseIssue,
    PrefixEntry,
    Ref,
    RefKind,
    RpkiCache,
    SetOther,
    Span,
    Unsupported,
)
from policylint.redact import redact_line
from policylint.vendors import rib
from policylint.vendors.frr_lex import Stmt
from policylint.vendors.frr_state import (
    DeviceBuilder,
    InstanceBuilder,
    ListBuilder,
    NeighborBuilder,
    TermBuilder,
)

CONFIG, BGP, AF, RMAP, RPKI, OTHER = "config", "router bgp", "address-family", "route-map", "rpki", "other"

_TOP = frozenset(
    {
        "frr_version", "frr_defaults", "hostname", "router_bgp", "route_map", "prefix_list",
        "prefix_list_description", "aspath_list", "community_list", "rpki", "noop_top",
    }
)  # fmt: skip
_BGP = frozenset(
    {
        "router_id", "ebgp_requires_policy", "no_default_ipv4", "bestpath", "address_family",
        "nb_remote_as", "nb_interface", "nb_member", "nb_group", "nb_description", "nb_local_role",
        "nb_password", "nb_multihop", "nb_ttl_security", "noop_bgp", "network_import_check",
    }
)  # fmt: skip
_AF = frozenset(
    {
        "nb_activate", "nb_route_map", "nb_prefix_list", "nb_filter_list", "nb_max_prefix",
        "nb_soft_reconfig", "nb_send_community", "noop_af", "network", "network_mask", "aggregate",
        "aggregate_mask", "redistribute",
    }
)  # fmt: skip
_RMAP = frozenset(
    {
        "match_prefix_list", "match_as_path", "match_community", "match_large_community", "match_rpki",
        "set_prepend", "set_prepend_last_as", "set_local_pref", "set_metric", "set_community_none",
        "set_community", "set_large_community_none", "set_large_community", "on_match_next",
        "on_match_goto", "continue", "call", "noop_rm",
    }
)  # fmt: skip
_RPKI = frozenset({"rpki_cache_legacy", "rpki_cache_tcp", "rpki_cache_ssh", "noop_rpki"})
_NAV = frozenset({"exit", "end", "exit_af", "exit_vrf"})

# which nodes accept which statements (an address-family also accepts the BGP-node ones
# FRR keeps there for the legacy ipv4-unicast form, and the router bgp node accepts AF ones)
_VALID: dict[str, frozenset[str]] = {
    CONFIG: _TOP,
    BGP: _BGP | _AF,
    AF: _AF,
    RMAP: _RMAP,
    RPKI: _RPKI,
    OTHER: frozenset(),
}
_PARENT = {CONFIG: CONFIG, BGP: CONFIG, AF: BGP, RMAP: CONFIG, RPKI: CONFIG, OTHER: CONFIG}

# column-0 words that only start top-level commands or out-of-scope blocks
_TOP_WORDS = frozenset(
    {
        "interface", "int", "router", "line", "key", "vrf", "ip", "ipv6", "hostname", "log", "password",
        "enable", "service", "debug", "access-list", "agentx", "segment-routing", "mpls", "bfd",
        "pbr-map", "nexthop-group", "affinity-map", "zebra", "table", "username", "banner", "end",
        "route-map", "bgp", "rpki", "frr", "evpn", "fpm", "no", "vnc", "srv6", "sharp",
    }
)  # fmt: skip
# first words of top-level lines that are BGP policy related even when not modelled
_BGP_TOP_HEADS = (
    ("bgp",), ("ip", "prefix-list"), ("ipv6", "prefix-list"), ("ip", "community-list"),
    ("ip", "extcommunity-list"), ("ip", "large-community-list"), ("ip", "as-path"), ("rpki",),
    ("route-map",), ("no", "bgp"),
)  # fmt: skip

_PREPEND_MAX_WORDS = 64
# the most common line of big configs (IRR-generated filters), read without the grammar by
# FrrAssembler.fast_prefix_list; anything else, or anything odd about it, takes the grammar path
PREFIX_LIST_LINE = re.compile(
    r"(ipv6|ip) prefix-list (\S+) seq (\d{1,9}) (permit|deny) ([0-9A-Fa-f.:]+/\d{1,3})"
    r"(?: ge (\d{1,3}))?(?: le (\d{1,3}))?"
)
_ANY4 = ipaddress.IPv4Network("0.0.0.0/0")
_ANY6 = ipaddress.IPv6Network("::/0")


_DOTTED = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,3})")


@lru_cache(maxsize=65536)
def _network(text: str) -> IPNetwork | None:
    """A prefix with host bits cleared (as FRR stores it); None when invalid."""
    m = _DOTTED.fullmatch(text)
    if m is not None:
        a, b, c, d, length = int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5])
        if a > 255 or b > 255 or c > 255 or d > 255 or length > 32:
            return None
        value = (a << 24) | (b << 16) | (c << 8) | d
        mask = (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
        return ipaddress.IPv4Network((value & mask, length))
    try:  # IPv6, and forms such as 192.0.2.0/255.255.255.0
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    if text is None or not text.isdigit():
        return None
    return int(text)


def _asn(text: str | None) -> int | None:
    """AS number, plain or asdot (1.10 = 65546); None when invalid."""
    if text is None:
        return None
    if text.isdigit():
        v = int(text)
        return v if v <= 0xFFFFFFFF else None
    hi, dot, lo = text.partition(".")
    if dot and hi.isdigit() and lo.isdigit() and int(hi) <= 0xFFFF and int(lo) <= 0xFFFF:
        return int(hi) * 65536 + int(lo)
    return None


class Assembler:
    """Feeds statements into a :class:`DeviceBuilder` following FRR's node logic."""

    def __init__(self, path: str) -> None:
        self.b = DeviceBuilder(path)
        self.node = CONFIG
        self.other_header = ""
        self.interface_routes = False  # inside an `interface` block of the default VRF
        self.instance: InstanceBuilder | None = None
        self.afi: Afi | None = Afi.IPV4
        self.af_label = ""
        self.term: TermBuilder | None = None
        self.unsupported: list[Unsupported] = []
        self.issues: list[ParseIssue] = []
        self.out_of_scope = 0
        self.modelled = 0
        self.last_line = 0
        self._handlers: dict[str, Callable[[Stmt], None]] = {}

    # ------------------------------------------------------------------ dispatch
    def feed(self, stmt: Stmt | None, words: list[str], raw: str, line: int, indent: int) -> None:
        self.last_line = line
        self._dispatch(stmt, words, raw, line, indent)
        self._extend_blocks(line)

    def _dispatch(self, stmt: Stmt | None, words: list[str], raw: str, line: int, indent: int) -> None:
        if stmt is None:
            self._unparsed(words, raw, line, indent)
            return
        kind = stmt.kind
        if kind in _NAV:
            self._nav(kind)
            return
        node = self.node
        while kind not in _VALID[node] and node != CONFIG:
            node = _PARENT[node]
        if kind not in _VALID[node]:
            self._unparsed(words, raw, line, indent)
            return
        if node != self.node:
            self._leave_to(node)
        if self.node == AF and self.afi is None and kind in _AF:
            self._unsupported(raw, line)  # a non-unicast address family: not modelled
            return
        self.modelled += 1
        handler = self._handlers.get(kind)
        if handler is None:
            handler = getattr(self, "_h_" + kind, None) or self._h_noop
            self._handlers[kind] = handler
        handler(stmt)

    def _extend_blocks(self, line: int) -> None:
        if self.term is not None and self.node == RMAP:
            self.term.end_line = line
        if self.instance is not None and self.node in (BGP, AF):
            self.instance.end_line = line
        if self.node == RPKI:
            self.b.rpki_end = line

    def _leave_to(self, node: str) -> None:
        if node in (CONFIG, BGP):
            self.afi = Afi.IPV4
        if node == CONFIG:
            self.instance = None
            self.term = None
        self.node = node

    def _nav(self, kind: str) -> None:
        if kind == "exit_af" and self.node == AF:
            self._leave_to(BGP)
        elif kind == "exit":
            self._leave_to(_PARENT[self.node])
        else:
            self._leave_to(CONFIG)

    def _unparsed(self, words: list[str], raw: str, line: int, indent: int) -> None:
        head = words[0]
        if self.node != CONFIG and indent == 0 and head in _TOP_WORDS:
            self._leave_to(CONFIG)
        if self.node == CONFIG:
            if tuple(words[:2]) in _BGP_TOP_HEADS or tuple(words[:1]) in _BGP_TOP_HEADS:
                self._unsupported(raw, line)
            elif self._rib_line(words, line, None):
                self.modelled += 1
            else:
                self.out_of_scope += 1
                if head in _TOP_WORDS and len(words) > 1 and head not in ("ip", "ipv6", "no", "log"):
                    self.node, self.other_header = OTHER, " ".join(words[:2])
                    # an interface outside any VRF: its addresses are connected routes
                    self.interface_routes = head == "interface" and "vrf" not in words
            return
        if self.node == OTHER:
            if self.interface_routes and self._rib_line(words, line, "interface"):
                self.modelled += 1
            else:
                self.out_of_scope += 1
            return
        if self.node == RMAP and self.term is not None and head in ("match", "set"):
            text = redact_line(raw.strip())
            span = self.b.span(line)
            if head == "match":
                self.term.matches.append(MatchOther(text, span))
            else:
                self.term.sets.append(SetOther(text, span))
        self._unsupported(raw, line)

    def _rib_line(self, words: list[str], line: int, block: str | None) -> bool:
        """A static route, an interface address or an IGP (policylint.vendors.rib): True if kept."""
        if block == "interface":
            if rib.in_vrf(words):
                self.interface_routes = False
                return False
            route = rib.interface_route(words, self.b.span(line))
        else:
            source = rib.route_source(words, line)
            if source is not None:
                self.b.rib_unknowns.append(source)
                return False  # the block itself stays out of scope
            route = rib.static_route(words, self.b.span(line)) if words[0] in ("ip", "ipv6") else None
        if route is None:
            return False
        self.b.local_routes.append(route)
        return True

    def _context(self) -> str:
        if self.node == AF:
            return f"address-family {self.af_label}"
        if self.node == RMAP and self.term is not None:
            return f"route-map {self.term.name} {self.term.action.value} {self.term.seq}"
        if self.node == CONFIG:
            return "top level"
        return self.node

    def _unsupported(self, raw: str, line: int) -> None:
        self.unsupported.append(Unsupported(redact_line(raw.strip()), self.b.span(line), self._context()))

    def _issue(self, stmt: Stmt, message: str) -> None:
        self.modelled -= 1
        self.issues.append(ParseIssue(message, self.b.span(stmt.line)))

    def _ref(self, kind: RefKind, name: str, usage: str, line: int) -> Ref:
        ref = Ref(kind, name, usage, self.b.span(line))
        self.b.refs.append(ref)
        return ref

    # ------------------------------------------------------------------ top level
    def _h_noop(self, stmt: Stmt) -> None:
        return None

    def _h_frr_version(self, stmt: Stmt) -> None:
        self.b.version = stmt.get("version")

    def _h_frr_defaults(self, stmt: Stmt) -> None:
        self.b.defaults = stmt.get("profile")

    def _h_hostname(self, stmt: Stmt) -> None:
        self.b.hostname = stmt.get("name")

    def _h_router_bgp(self, stmt: Stmt) -> None:
        text = stmt.get("asn")
        asn = _asn(text)
        if text is not None and asn is None:
            self._issue(stmt, f"`router bgp {text}`: not a valid AS number (1-4294967295 or asdot)")
        if asn is None and text is None and self.b.instances:
            asn = self.b.instances[0].asn
        vrf = stmt.get("name") if stmt.has("vrf") else None
        self.instance = InstanceBuilder(asn, vrf, stmt.line, stmt.line)
        self.b.instances.append(self.instance)
        self.node, self.afi = BGP, Afi.IPV4

    def _h_route_map(self, stmt: Stmt) -> None:
        name = stmt.get("name") or ""
        seq = _int(stmt.get("seq_num")) or 0
        action = Action.PERMIT if stmt.has("permit") else Action.DENY
        key = (name, seq)
        term = self.b.terms.get(key)
        if term is None:
            term = self.b.terms[key] = TermBuilder(name, seq, action, stmt.line, stmt.line)
        else:
            term.action = action
        self.term = term
        self.node = RMAP

    def _h_rpki(self, stmt: Stmt) -> None:
        if self.b.rpki_line is None:
            self.b.rpki_line = stmt.line
        self.b.rpki_end = stmt.line
        self.node = RPKI

    def _h_prefix_list(self, stmt: Stmt) -> None:
        afi = Afi.IPV6 if stmt.has("afi6") else Afi.IPV4
        name = stmt.get("name") or ""
        lb = self.b.prefix_lists.get((afi, name))
        if lb is None:
            lb = self.b.prefix_lists[(afi, name)] = ListBuilder(stmt.line)
        seq = _int(stmt.get("seq"))
        if seq is None:  # FRR numbers unsequenced entries in steps of 5
            seq = (lb.max_seq // 5 + 1) * 5
        target = None if stmt.has("any") else stmt.get("pl_target") or ""
        ge_le = (_int(stmt.get("ge")), _int(stmt.get("le")))
        entry = self._prefix_entry(afi, name, seq, stmt.has("permit"), target, ge_le, stmt.line)
        if isinstance(entry, str):
            self._issue(stmt, entry)
            return
        lb.prefix_entries.append(entry)
        lb.max_seq = max(lb.max_seq, seq)

    def _prefix_entry(  # noqa: PLR0917
        self,
        afi: Afi,
        name: str,
        seq: int,
        permit: bool,
        target: str | None,
        ge_le: tuple[int | None, int | None],
        line: int,
    ) -> PrefixEntry | str:
        """One prefix-list entry (``target`` None = ``any``), or the reason it is invalid."""
        action = Action.PERMIT if permit else Action.DENY
        span = Span(self.b.path, line, line)
        if target is None:
            whole = _ANY6 if afi is Afi.IPV6 else _ANY4
            return PrefixEntry(seq, action, whole, None, None, span, any=True)
        net = _network(target)
        if net is None:
            return f"prefix-list {name}: `{target}` is not a valid prefix; the entry is ignored"
        if (net.version == 6) != (afi is Afi.IPV6):
            return f"prefix-list {name}: {target} does not belong in an {afi.value} prefix-list"
        ge, le = ge_le
        plen, maxlen = net.prefixlen, net.max_prefixlen
        if (
            (ge is not None and not plen < ge <= maxlen)
            or (le is not None and not plen <= le <= maxlen)
            or (ge is not None and le is not None and ge > le)
        ):
            return f"prefix-list {name}: invalid range for {target} (need len < ge <= le <= {maxlen})"
        return PrefixEntry(seq, action, net, ge, le, span)

    def fast_prefix_list(self, m: re.Match[str], line: int) -> bool:
        """A plain ``ip prefix-list NAME seq N permit|deny PREFIX [ge N] [le N]`` line (``m`` from
        :data:`PREFIX_LIST_LINE`), without the grammar.

        The same effect as the grammar path (``prefix_list`` is valid only at the top level, so
        any open block is left).  An invalid entry changes nothing and returns False: the
        grammar path then reports it.
        """
        afi = Afi.IPV6 if m[1] == "ipv6" else Afi.IPV4
        ge, le = m[6], m[7]
        seq = int(m[3])
        entry = self._prefix_entry(
            afi,
            m[2],
            seq,
            m[4] == "permit",
            m[5],
            (None if ge is None else int(ge), None if le is None else int(le)),
            line,
        )
        if isinstance(entry, str):
            return False
        self.last_line = line
        if self.node != CONFIG:
            self._leave_to(CONFIG)
        key = (afi, m[2])
        lb = self.b.prefix_lists.get(key)
        if lb is None:
            lb = self.b.prefix_lists[key] = ListBuilder(line)
        lb.prefix_entries.append(entry)
        lb.max_seq = max(lb.max_seq, seq)
        self.modelled += 1
        return True

    def _h_prefix_list_description(self, stmt: Stmt) -> None:
        afi = Afi.IPV6 if stmt.has("afi6") else Afi.IPV4
        self.b.prefix_lists.setdefault((afi, stmt.get("name") or ""), ListBuilder(stmt.line))

    def _h_aspath_list(self, stmt: Stmt) -> None:
        name = stmt.get("name") or ""
        lb = self.b.aspath_lists.setdefault(name, ListBuilder(stmt.line))
        action = Action.PERMIT if stmt.has("permit") else Action.DENY
        lb.aspath_entries.append(AsPathEntry(action, stmt.get("regex") or "", self.b.span(stmt.line)))

    def _h_community_list(self, stmt: Stmt) -> None:
        name = stmt.get("name") or ""
        if stmt.has("ext_comm"):
            self.modelled -= 1
            self.unsupported.append(
                Unsupported(f"bgp extcommunity-list {name} ...", self.b.span(stmt.line), "top level")
            )
            return
        large = stmt.has("large_comm")
        number = _int(name)
        expanded = stmt.has("expanded") or (number is not None and 100 <= number <= 500 and not large)
        table = self.b.large_community_lists if large else self.b.community_lists
        lb = table.setdefault(name, ListBuilder(stmt.line))
        rest = stmt.get("REST") or ""
        values = (rest,) if expanded else tuple(rest.split())
        action = Action.PERMIT if stmt.has("permit") else Action.DENY
        lb.community_entries.append(CommunityEntry(action, values, expanded, self.b.span(stmt.line)))

    # ------------------------------------------------------------------ rpki
    def _cache(self, stmt: Stmt, transport: str) -> None:
        ints = stmt.values("INT")
        host = stmt.get("host") or stmt.get("IPV4") or stmt.get("name") or ""
        port = _int(ints[0]) if ints else None
        pref = _int(ints[-1]) if len(ints) > 1 else None
        self.b.caches.append(RpkiCache(host, port, transport, pref, self.b.span(stmt.line)))

    def _h_rpki_cache_legacy(self, stmt: Stmt) -> None:
        self._cache(stmt, "tcp")

    def _h_rpki_cache_tcp(self, stmt: Stmt) -> None:
        self._cache(stmt, "tcp")

    def _h_rpki_cache_ssh(self, stmt: Stmt) -> None:
        self._cache(stmt, "ssh")

    # ------------------------------------------------------------------ originations
    def _originate(self, stmt: Stmt, net: IPNetwork | None, via: str, text: str) -> None:
        if net is None:
            self._issue(stmt, f"`{via} {text}`: not a valid prefix")
            return
        if self.afi is not None and (net.version == 6) != (self.afi is Afi.IPV6):
            self._issue(stmt, f"`{via} {text}` in the {self.afi.value} address family: wrong family")
            return
        rm = stmt.get("name")
        ref = self._ref(RefKind.ROUTE_MAP, rm, f"{via} {text}", stmt.line) if rm else None
        summary = stmt.has("summary_only")
        self.b.originations.append(Origination(net, via, ref, self.b.span(stmt.line), summary))

    def _h_network(self, stmt: Stmt) -> None:
        text = stmt.get("net") or ""
        self._originate(stmt, _network(text), "network", text)

    def _h_network_mask(self, stmt: Stmt) -> None:
        text = f"{stmt.get('IPV4')}/{stmt.get('mask')}"
        self._originate(stmt, _network(text), "network", text)

    def _h_aggregate(self, stmt: Stmt) -> None:
        text = stmt.get("net") or ""
        self._originate(stmt, _network(text), "aggregate-address", text)

    def _h_aggregate_mask(self, stmt: Stmt) -> None:
        text = f"{stmt.get('IPV4')}/{stmt.get('mask')}"
        self._originate(stmt, _network(text), "aggregate-address", text)

    def _h_redistribute(self, stmt: Stmt) -> None:
        source = stmt.get("source") or "table"
        via = f"redistribute {source}"
        rm = stmt.get("name")
        ref = self._ref(RefKind.ROUTE_MAP, rm, via, stmt.line) if rm else None
        self.b.originations.append(Origination(None, via, ref, self.b.span(stmt.line)))

    # address-family and neighbor handlers live in frr_neighbors (mixed in by frr.py)
    def span(self, line: int) -> Span:
        return self.b.span(line)

    def neighbor(self, stmt: Stmt) -> NeighborBuilder:
        assert self.instance is not None
        idx = len(self.b.instances) - 1
        peer = stmt.get("peer") or ""
        key = (idx, peer)
        nb = self.b.neighbors.get(key)
        if nb is None:
            nb = self.b.neighbors[key] = NeighborBuilder(peer, idx, stmt.line, stmt.line)
        return nb
