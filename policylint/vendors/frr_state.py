"""Mutable builders the FRR assemble step fills line by line (private to the vendor)."""

from __future__ import annotations

from dataclasses import dataclass, field

from policylint.model import (
    COMMUNITY_KINDS,
    Action,
    Afi,
    AsPathEntry,
    AsPathList,
    CommunityEntry,
    CommunityList,
    LocalRoute,
    Match,
    OnMatch,
    Origination,
    PrefixEntry,
    PrefixList,
    Ref,
    RpkiCache,
    SetAction,
    Span,
)


@dataclass
class AfBuilder:
    activated: bool | None = None  # None: the instance default applies
    imports: dict[str, Ref] = field(default_factory=dict)  # "route_map" | "prefix_list" | "filter_list"
    exports: dict[str, Ref] = field(default_factory=dict)
    max_prefix: int | None = None
    soft_reconfiguration: bool = False
    line: int | None = None
    send_community: dict[str, bool] = field(default_factory=dict)  # explicit per kind: sent or not


def send_kinds(word: str | None) -> frozenset[str]:
    """The community kinds a `send-community [WORD]` names (no word: standard)."""
    if word is None:
        return frozenset({"standard"})
    if word == "both":
        return frozenset({"standard", "extended"})
    if word == "all":
        return COMMUNITY_KINDS
    return frozenset({word}) & COMMUNITY_KINDS


@dataclass
class NeighborBuilder:
    address: str
    instance: int
    line: int
    end_line: int
    is_group: bool = False
    remote: str | None = None  # as written: number, "internal", "external"
    group: str | None = None
    description: str | None = None
    local_role: str | None = None
    has_password: bool = False
    multihop: int | None = None
    ttl_security: int | None = None
    afs: dict[Afi, AfBuilder] = field(default_factory=dict)

    def af(self, afi: Afi) -> AfBuilder:
        b = self.afs.get(afi)
        if b is None:
            b = self.afs[afi] = AfBuilder()
        return b


@dataclass
class InstanceBuilder:
    asn: int | None
    vrf: str | None
    line: int
    end_line: int
    requires_policy: bool | None = None  # explicit [no] bgp ebgp-requires-policy
    import_check: bool | None = None  # explicit [no] bgp network import-check
    default_ipv4: bool = True


@dataclass
class TermBuilder:
    name: str
    seq: int
    action: Action
    line: int
    end_line: int
    matches: list[Match] = field(default_factory=list)
    sets: list[SetAction] = field(default_factory=list)
    on_match: OnMatch | None = None
    call: str | None = None


@dataclass
class ListBuilder:
    """Prefix-, AS-path- and community-list entries in file order."""

    line: int
    prefix_entries: list[PrefixEntry] = field(default_factory=list)
    aspath_entries: list[AsPathEntry] = field(default_factory=list)
    community_entries: list[CommunityEntry] = field(default_factory=list)
    max_seq: int = 0  # highest prefix-list seq so far (FRR numbers unsequenced entries after it)


@dataclass
class DeviceBuilder:
    path: str
    hostname: str | None = None
    version: str | None = None
    defaults: str | None = None
    router_id: str | None = None
    instances: list[InstanceBuilder] = field(default_factory=list)
    neighbors: dict[tuple[int, str], NeighborBuilder] = field(default_factory=dict)
    terms: dict[tuple[str, int], TermBuilder] = field(default_factory=dict)
    prefix_lists: dict[tuple[Afi, str], ListBuilder] = field(default_factory=dict)
    aspath_lists: dict[str, ListBuilder] = field(default_factory=dict)
    community_lists: dict[str, ListBuilder] = field(default_factory=dict)
    large_community_lists: dict[str, ListBuilder] = field(default_factory=dict)
    originations: list[Origination] = field(default_factory=list)
    rpki_line: int | None = None
    rpki_end: int | None = None
    caches: list[RpkiCache] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    local_routes: list[LocalRoute] = field(default_factory=list)  # static routes, interface subnets
    rib_unknowns: list[str] = field(default_factory=list)  # IGPs: the table is not known from the file

    def span(self, line: int, end: int | None = None) -> Span:
        return Span(self.path, line, line if end is None else end)

    def lists(self) -> ModelLists:
        """The prefix-, AS-path- and community-lists as model objects (prefix entries by seq)."""
        return ModelLists(
            prefix_lists={
                key: PrefixList(
                    key[1], key[0], tuple(sorted(lb.prefix_entries, key=lambda e: e.seq)), self.span(lb.line)
                )
                for key, lb in self.prefix_lists.items()
            },
            as_path_lists={
                n: AsPathList(n, tuple(lb.aspath_entries), self.span(lb.line))
                for n, lb in self.aspath_lists.items()
            },
            community_lists={
                n: CommunityList(n, False, tuple(lb.community_entries), self.span(lb.line))
                for n, lb in self.community_lists.items()
            },
            large_community_lists={
                n: CommunityList(n, True, tuple(lb.community_entries), self.span(lb.line))
                for n, lb in self.large_community_lists.items()
            },
        )


@dataclass(frozen=True, slots=True)
class ModelLists:
    prefix_lists: dict[tuple[Afi, str], PrefixList]
    as_path_lists: dict[str, AsPathList]
    community_lists: dict[str, CommunityList]
    large_community_lists: dict[str, CommunityList]
