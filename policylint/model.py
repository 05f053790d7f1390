"""The normalized, vendor-independent policy model.

Every object is a frozen, slotted dataclass and carries the :class:`Span` it came
from.  Vendor parsers (``policylint.vendors``) build it; checks, the evaluator and
the what-if engine only ever read it.  Vendor *meaning* (what an undefined name
does, whether eBGP needs a policy, ...) is resolved by the vendor's assemble step
into :class:`VendorSemantics`, so nothing downstream branches on the vendor name.

Secrets (neighbor passwords, keys) are never stored: the model keeps only the
fact that one is configured.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network

from policylint._frozen import fast_init_all

IPNetwork = IPv4Network | IPv6Network


@dataclass(frozen=True, slots=True)
class Span:
    """Where an object was written: 1-based, inclusive line numbers."""

    path: str
    line: int
    end_line: int

    @classmethod
    def at(cls, path: str, line: int) -> Span:
        return cls(path, line, line)

    def through(self, other: Span) -> Span:
        return Span(self.path, min(self.line, other.line), max(self.end_line, other.end_line))


class _Enum(enum.Enum):
    """An enum hashed by identity, in C.

    Members are singletons compared by identity, so ``object.__hash__`` agrees with ``==``.
    ``Enum.__hash__`` is a Python-level call (``hash(self._name_)``); the model's enums key
    many dicts (``(afi, name)`` in parsers, memo keys in policy analysis), where that call
    was ~4% of a lint.  Both hashes differ between processes, so nothing may (or did) rely
    on the iteration order of a set of members.
    """

    __hash__ = object.__hash__


class Action(_Enum):
    PERMIT = "permit"
    DENY = "deny"


class Afi(_Enum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"


class Role(_Enum):
    """The neighbor's role relative to us (not our own local-role)."""

    CUSTOMER = "customer"
    PROVIDER = "provider"
    PEER = "peer"
    ROUTE_SERVER = "route-server"
    RS_CLIENT = "rs-client"
    INTERNAL = "internal"


class RoleSource(_Enum):
    CONFIG = "config"
    INVENTORY = "inventory"
    DESCRIPTION = "description"
    SESSION = "session"  # iBGP by AS number


class RpkiState(_Enum):
    VALID = "valid"
    INVALID = "invalid"
    NOTFOUND = "notfound"


class RefKind(_Enum):
    ROUTE_MAP = "route-map"
    PREFIX_LIST = "prefix-list"
    AS_PATH_LIST = "as-path-list"
    COMMUNITY_LIST = "community-list"
    LARGE_COMMUNITY_LIST = "large-community-list"
    PEER_GROUP = "peer-group"


class UndefinedPolicy(_Enum):
    """What a neighbor-level reference to an undefined policy/list does."""

    DENY_ALL = "deny-all"
    PERMIT_ALL = "permit-all"


class UndefinedMatch(_Enum):
    """What a route-map ``match`` on an undefined list does."""

    NEVER_MATCHES = "never-matches"
    ALWAYS_MATCHES = "always-matches"


# --------------------------------------------------------------------------- lists


@dataclass(frozen=True, slots=True)
class PrefixEntry:
    seq: int
    action: Action
    prefix: IPNetwork
    ge: int | None
    le: int | None
    span: Span
    any: bool = False  # "permit any": matches every prefix of the list's family

    @property
    def low(self) -> int:
        """Shortest prefix length this entry matches."""
        if self.any:
            return 0
        return self.ge if self.ge is not None else self.prefix.prefixlen

    @property
    def high(self) -> int:
        """Longest prefix length this entry matches."""
        if self.any:
            return self.prefix.max_prefixlen
        if self.le is not None:
            return self.le
        if self.ge is not None:
            return self.prefix.max_prefixlen
        return self.prefix.prefixlen


@dataclass(frozen=True, slots=True)
class PrefixList:
    name: str
    afi: Afi
    entries: tuple[PrefixEntry, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class AsPathEntry:
    action: Action
    regex: str  # vendor regex text as written
    span: Span


@dataclass(frozen=True, slots=True)
class AsPathList:
    name: str
    entries: tuple[AsPathEntry, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class CommunityEntry:
    action: Action
    values: tuple[str, ...]  # standard: all must be present; expanded: one regex
    expanded: bool
    span: Span


@dataclass(frozen=True, slots=True)
class CommunityList:
    name: str
    large: bool
    entries: tuple[CommunityEntry, ...]
    span: Span


# --------------------------------------------------------------------------- policies


@dataclass(frozen=True, slots=True)
class MatchPrefixList:
    afi: Afi
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class MatchAsPath:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class MatchCommunity:
    name: str
    large: bool
    exact: bool
    span: Span


@dataclass(frozen=True, slots=True)
class MatchRpki:
    state: RpkiState
    span: Span


@dataclass(frozen=True, slots=True)
class MatchOther:
    """A match condition the model does not understand (e.g. ``match tag``)."""

    text: str
    span: Span


Match = MatchPrefixList | MatchAsPath | MatchCommunity | MatchRpki | MatchOther


@dataclass(frozen=True, slots=True)
class SetPrepend:
    asns: tuple[int, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class SetPrependLastAs:
    count: int
    span: Span


@dataclass(frozen=True, slots=True)
class SetLocalPref:
    value: int
    span: Span


@dataclass(frozen=True, slots=True)
class SetMetric:
    value: str  # "100", "+10", "-5", "igp", ...
    span: Span


@dataclass(frozen=True, slots=True)
class SetCommunity:
    """``set community`` / ``set large-community``; ``none`` clears them."""

    values: tuple[str, ...]  # "65000:1", "no-export", "no-advertise", ...
    additive: bool
    large: bool
    span: Span
    none: bool = False


@dataclass(frozen=True, slots=True)
class SetOther:
    text: str
    span: Span


SetAction = SetPrepend | SetPrependLastAs | SetLocalPref | SetMetric | SetCommunity | SetOther


class OnMatchKind(_Enum):
    NEXT = "next"
    GOTO = "goto"


@dataclass(frozen=True, slots=True)
class OnMatch:
    kind: OnMatchKind
    target: int | None  # seq for goto (Cisco "continue N" maps to goto)
    span: Span


@dataclass(frozen=True, slots=True)
class Term:
    seq: int
    action: Action
    matches: tuple[Match, ...]
    sets: tuple[SetAction, ...]
    on_match: OnMatch | None
    call: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Policy:
    """A route-map (FRR/IOS) or an equivalent policy object."""

    name: str
    terms: tuple[Term, ...]  # sorted by seq
    span: Span


# --------------------------------------------------------------------------- references


@dataclass(frozen=True, slots=True)
class Ref:
    """A use of a named object, kept with its use site (Batfish style)."""

    kind: RefKind
    name: str
    usage: str  # e.g. "neighbor 192.0.2.1 route-map out", "route-map X 10 match"
    span: Span


@dataclass(frozen=True, slots=True)
class Filters:
    """The filters applied in one direction of one session/address family.

    Each is the *name* as referenced; whether it exists is looked up on the
    :class:`Device`, and what a missing one means is in :class:`VendorSemantics`.
    """

    route_map: Ref | None = None
    prefix_list: Ref | None = None
    filter_list: Ref | None = None  # AS-path access list

    @property
    def empty(self) -> bool:
        return self.route_map is None and self.prefix_list is None and self.filter_list is None


# the kinds of community a session can carry (`neighbor X send-community standard|extended|large`)
COMMUNITY_KINDS = frozenset({"standard", "extended", "large"})


@dataclass(frozen=True, slots=True)
class NeighborAF:
    afi: Afi
    activated: bool
    imports: Filters
    exports: Filters
    max_prefix: int | None
    soft_reconfiguration: bool
    span: Span
    # community kinds this session sends, the vendor default already applied (IOS: none unless
    # `send-community`; FRR: all unless `no neighbor X send-community`)
    send_communities: frozenset[str] = COMMUNITY_KINDS


@dataclass(frozen=True, slots=True)
class Neighbor:
    address: str  # IP, interface name, or peer-group name for groups
    remote_as: int | None  # None: unknown / unresolved
    remote_as_kind: str  # "number", "internal", "external", "unset"
    local_as: int | None
    role: Role | None
    role_source: RoleSource | None
    description: str | None
    peer_group: str | None
    has_password: bool
    ebgp_multihop: int | None
    ttl_security: int | None
    afs: tuple[NeighborAF, ...]
    span: Span

    @property
    def is_ebgp(self) -> bool:
        if self.remote_as_kind == "internal":
            return False
        if self.remote_as_kind == "external":
            return True
        return self.remote_as is not None and self.remote_as != self.local_as

    def af(self, afi: Afi) -> NeighborAF | None:
        for a in self.afs:
            if a.afi is afi:
                return a
        return None

    @property
    def label(self) -> str:
        asn = f" (AS{self.remote_as})" if self.remote_as is not None else ""
        return f"{self.address}{asn}"


@dataclass(frozen=True, slots=True)
class Origination:
    """A route this device injects into BGP."""

    prefix: IPNetwork | None  # None: redistribution of unknown routes
    via: str  # "network", "aggregate-address", "redistribute connected", "static", ...
    route_map: Ref | None
    span: Span
    summary_only: bool = False
    # the AS path the speaker sends exactly as written (ExaBGP `as-path [ ... ]`): it does not
    # add its own AS in front; None = the usual behaviour (the local AS is prepended on eBGP)
    as_path: tuple[int, ...] | None = None
    peer: str | None = None  # announced only to this neighbor (ExaBGP routes inside `neighbor`)


@dataclass(frozen=True, slots=True)
class RpkiCache:
    host: str
    port: int | None
    transport: str  # "tcp", "ssh"
    preference: int | None
    span: Span


@dataclass(frozen=True, slots=True)
class RpkiConfig:
    caches: tuple[RpkiCache, ...]
    span: Span
    invalid_allowed: bool = False  # e.g. IOS "bgp bestpath prefix-validate allow-invalid"
    # the speaker itself keeps RPKI-invalid routes out of best-path selection (IOS/IOS-XE
    # default once a cache is configured, unless allow-invalid or disable is set)
    invalid_excluded: bool = False


@dataclass(frozen=True, slots=True)
class VendorSemantics:
    """Vendor meaning, decided once by the vendor's assemble step."""

    ebgp_requires_policy: bool  # RFC 8212: no policy => nothing in or out
    undefined_neighbor_policy: UndefinedPolicy
    undefined_match_list: UndefinedMatch
    empty_prefix_list_permits: bool
    route_map_implicit_deny: bool = True
    prefix_list_implicit_deny: bool = True
    notes: tuple[str, ...] = ()  # human-readable facts for messages
    # why RFC 8212 is not enforced on this device, for messages (vendor wording)
    no_rfc8212_reason: str = "`no bgp ebgp-requires-policy` or an old `frr version`"
    # a BGP `network` is announced only while exactly that prefix is in the routing table
    network_needs_route: bool = False
    network_route_reason: str = ""  # the vendor fact behind it, for messages
    # the configuration lists every interface address and static route (IOS running config);
    # False where the OS or other files may add routes (FRR)
    rib_in_config: bool = False
    # why a session may not carry communities, for messages (vendor wording)
    community_sending: str = "`no neighbor X send-community` turned them off for this session"


@dataclass(frozen=True, slots=True)
class LocalRoute:
    """A route the configuration itself puts in the default routing table: a static route (a
    discard route to ``Null0``/``blackhole`` is the usual anchor of a BGP ``network``) or the
    subnet of an interface address."""

    prefix: IPNetwork
    kind: str  # "static", "discard" or "connected"
    span: Span


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A line the parser did not model. ``text`` is already redacted."""

    text: str
    span: Span
    context: str  # the block it sits in: "router bgp", "route-map", "top", ...


@dataclass(frozen=True, slots=True)
class RuntimeSource:
    """Something that can announce routes at run time, beyond the static config (ExaBGP API)."""

    name: str  # e.g. the process name
    what: str  # short description, already redacted
    span: Span


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """A line that looks like a modelled command but is malformed."""

    message: str
    span: Span


@dataclass(frozen=True, slots=True)
class Device:
    hostname: str
    vendor: str
    source: str  # path as given
    asn: int | None
    router_id: str | None
    neighbors: tuple[Neighbor, ...]
    peer_groups: tuple[Neighbor, ...]
    policies: dict[str, Policy]
    prefix_lists: dict[tuple[Afi, str], PrefixList]
    as_path_lists: dict[str, AsPathList]
    community_lists: dict[str, CommunityList]
    large_community_lists: dict[str, CommunityList]
    originations: tuple[Origination, ...]
    rpki: RpkiConfig | None
    semantics: VendorSemantics
    refs: tuple[Ref, ...]
    unsupported: tuple[Unsupported, ...]
    issues: tuple[ParseIssue, ...]
    bgp_span: Span | None
    version: str | None = None
    defaults: str | None = None
    modelled_lines: int = 0  # statements understood by the model
    out_of_scope_lines: int = 0  # non-BGP lines (interfaces, IGPs, ...) not looked at
    runtime_sources: tuple[RuntimeSource, ...] = ()  # run-time announcers (ExaBGP processes)
    local_routes: tuple[LocalRoute, ...] = ()  # static and connected routes (default VRF)
    # why the routing table is not known from this file alone ("router ospf (line 12)", ...)
    rib_unknowns: tuple[str, ...] = ()

    def prefix_list(self, afi: Afi, name: str) -> PrefixList | None:
        return self.prefix_lists.get((afi, name))

    @property
    def ebgp_neighbors(self) -> tuple[Neighbor, ...]:
        return tuple(n for n in self.neighbors if n.is_ebgp)


@dataclass(frozen=True, slots=True)
class Network:
    """Everything linted together: the scope of network-level (anycast) checks."""

    devices: tuple[Device, ...] = field(default_factory=tuple)


fast_init_all(globals())  # cheaper construction of the objects above (see policylint._frozen)
