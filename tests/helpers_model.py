"""Small builders for normalized-model objects, so tests need not spell out every field."""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import ip_network

from policylint.model import (
    Action,
    Afi,
    AsPathEntry,
    AsPathList,
    CommunityEntry,
    CommunityList,
    Device,
    Filters,
    Match,
    MatchAsPath,
    MatchCommunity,
    MatchPrefixList,
    Neighbor,
    NeighborAF,
    OnMatch,
    OnMatchKind,
    Policy,
    PrefixEntry,
    PrefixList,
    Ref,
    RefKind,
    SetAction,
    Span,
    Term,
    UndefinedMatch,
    UndefinedPolicy,
    VendorSemantics,
)

SPAN = Span("test.conf", 1, 1)

FRR = VendorSemantics(
    ebgp_requires_policy=True,
    undefined_neighbor_policy=UndefinedPolicy.DENY_ALL,
    undefined_match_list=UndefinedMatch.NEVER_MATCHES,
    empty_prefix_list_permits=True,
)


def span(line: int) -> Span:
    return Span("test.conf", line, line)


def entry(
    seq: int, action: str, prefix: str, ge: int | None = None, le: int | None = None, *, any_: bool = False
) -> PrefixEntry:
    return PrefixEntry(seq, Action(action), ip_network(prefix), ge, le, span(seq), any=any_)


def plist(name: str, *entries: PrefixEntry, afi: Afi | None = None) -> PrefixList:
    if afi is None:
        afi = Afi.IPV6 if entries and entries[0].prefix.version == 6 else Afi.IPV4
    return PrefixList(name, afi, tuple(entries), SPAN)


def aspath_list(name: str, *entries: tuple[str, str]) -> AsPathList:
    return AsPathList(name, tuple(AsPathEntry(Action(a), rx, SPAN) for a, rx in entries), SPAN)


def community_list(
    name: str, *entries: tuple[str, tuple[str, ...]], expanded: bool = False, large: bool = False
) -> CommunityList:
    return CommunityList(
        name, large, tuple(CommunityEntry(Action(a), v, expanded, SPAN) for a, v in entries), SPAN
    )


def match_pl(name: str, afi: Afi = Afi.IPV4) -> MatchPrefixList:
    return MatchPrefixList(afi, name, SPAN)


def match_asp(name: str) -> MatchAsPath:
    return MatchAsPath(name, SPAN)


def match_comm(name: str, *, large: bool = False, exact: bool = False) -> MatchCommunity:
    return MatchCommunity(name, large, exact, SPAN)


def term(
    seq: int,
    action: str = "permit",
    matches: Iterable[Match] = (),
    sets: Iterable[SetAction] = (),
    *,
    next_: bool = False,
    goto: int | None = None,
    call: str | None = None,
) -> Term:
    on_match = None
    if next_:
        on_match = OnMatch(OnMatchKind.NEXT, None, SPAN)
    elif goto is not None:
        on_match = OnMatch(OnMatchKind.GOTO, goto, SPAN)
    return Term(seq, Action(action), tuple(matches), tuple(sets), on_match, call, span(100 + seq))


def policy(name: str, *terms: Term) -> Policy:
    return Policy(name, tuple(sorted(terms, key=lambda t: t.seq)), SPAN)


def filters(
    route_map: str | None = None, prefix_list: str | None = None, filter_list: str | None = None
) -> Filters:
    def ref(kind: RefKind, name: str | None) -> Ref | None:
        return None if name is None else Ref(kind, name, "neighbor", SPAN)

    return Filters(
        ref(RefKind.ROUTE_MAP, route_map),
        ref(RefKind.PREFIX_LIST, prefix_list),
        ref(RefKind.AS_PATH_LIST, filter_list),
    )


def neighbor(
    address: str = "192.0.2.1",
    remote_as: int = 64500,
    local_as: int = 65000,
    *,
    imports: Filters | None = None,
    exports: Filters | None = None,
    afi: Afi = Afi.IPV4,
    activated: bool = True,
) -> Neighbor:
    af = NeighborAF(afi, activated, imports or Filters(), exports or Filters(), None, False, SPAN)
    return Neighbor(
        address, remote_as, "number", local_as, None, None, None, None, False, None, None, (af,), SPAN
    )


def device(
    *,
    policies: Iterable[Policy] = (),
    prefix_lists: Iterable[PrefixList] = (),
    as_path_lists: Iterable[AsPathList] = (),
    community_lists: Iterable[CommunityList] = (),
    neighbors: Iterable[Neighbor] = (),
    semantics: VendorSemantics = FRR,
    asn: int | None = 65000,
) -> Device:
    comms = tuple(community_lists)
    return Device(
        hostname="r1",
        vendor="test",
        source="test.conf",
        asn=asn,
        router_id=None,
        neighbors=tuple(neighbors),
        peer_groups=(),
        policies={p.name: p for p in policies},
        prefix_lists={(p.afi, p.name): p for p in prefix_lists},
        as_path_lists={a.name: a for a in as_path_lists},
        community_lists={c.name: c for c in comms if not c.large},
        large_community_lists={c.name: c for c in comms if c.large},
        originations=(),
        rpki=None,
        semantics=semantics,
        refs=(),
        unsupported=(),
        issues=(),
        bgp_span=None,
    )
