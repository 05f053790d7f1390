"""The route-policy evaluator, session evaluation and the symbolic permit space."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Network, ip_network

from helpers_model import (
    FRR,
    SPAN,
    aspath_list,
    community_list,
    device,
    entry,
    filters,
    match_asp,
    match_comm,
    match_pl,
    neighbor,
    plist,
    policy,
    term,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from policylint.evaluate import (
    Decision,
    Route,
    evaluate_policy,
    evaluate_session,
    export_path,
    normalize_community,
    render_communities,
)
from policylint.model import (
    Afi,
    Device,
    MatchOther,
    MatchRpki,
    PrefixEntry,
    PrefixList,
    RpkiState,
    SetCommunity,
    SetLocalPref,
    SetMetric,
    SetOther,
    SetPrepend,
    SetPrependLastAs,
    UndefinedMatch,
    UndefinedPolicy,
)
from policylint.policyspace import permit_space, policy_space
from policylint.prefixes import PrefixSet

V4 = PrefixSet.all(Afi.IPV4)


def route(
    prefix: str = "192.0.2.0/24",
    *,
    as_path: tuple[int, ...] = (),
    communities: frozenset[str] = frozenset(),
    large_communities: frozenset[str] = frozenset(),
    rpki: RpkiState | None = None,
) -> Route:
    return Route(ip_network(prefix), as_path, communities, large_communities, rpki=rpki)


def run(dev: Device, name: str, r: Route, local_as: int | None = None) -> Decision:
    return evaluate_policy(dev, name, r, local_as=local_as)


CUSTOMERS = plist("CUST", entry(5, "permit", "192.0.2.0/24"), entry(10, "permit", "198.51.100.0/24"))


# --------------------------------------------------------------------------- route-maps


def test_first_match_and_implicit_deny() -> None:
    dev = device(
        policies=[
            policy("RM", term(10, "deny", [match_pl("BOGON")]), term(20, "permit", [match_pl("CUST")]))
        ],
        prefix_lists=[CUSTOMERS, plist("BOGON", entry(5, "permit", "192.0.2.0/24"))],
    )
    d = run(dev, "RM", route("192.0.2.0/24"))
    assert not d.permitted and d.reason == "route-map RM seq 10 denies"
    assert [t.seq for t in d.terms] == [10]
    d = run(dev, "RM", route("198.51.100.0/24"))
    assert d.permitted and d.reason == "route-map RM seq 20 permits"
    d = run(dev, "RM", route("203.0.113.0/24"))
    assert not d.permitted and d.reason == "implicit deny at end of route-map RM" and d.terms == ()
    no_implicit = device(
        policies=dev.policies.values(),
        prefix_lists=[CUSTOMERS],
        semantics=replace(FRR, route_map_implicit_deny=False),
    )
    assert run(no_implicit, "RM", route("203.0.113.0/24")).permitted


def test_on_match_next_applies_later_sets() -> None:
    dev = device(
        policies=[
            policy(
                "RM",
                term(10, "permit", sets=[SetLocalPref(200, SPAN)], next_=True),
                term(20, "permit", [match_pl("CUST")], [SetMetric("50", SPAN)]),
                term(30, "permit", sets=[SetMetric("+7", SPAN)]),
            )
        ],
        prefix_lists=[CUSTOMERS],
    )
    d = run(dev, "RM", route("192.0.2.0/24"))
    assert d.permitted and d.route.local_pref == 200 and d.route.med == 50
    assert [t.seq for t in d.terms] == [10, 20]
    d = run(dev, "RM", route("203.0.113.0/24"))
    assert d.permitted and d.route.local_pref == 200 and d.route.med == 7


def test_on_match_next_then_deny_and_fall_off() -> None:
    dev = device(
        policies=[
            policy(
                "RM",
                term(10, "permit", sets=[SetLocalPref(50, SPAN)], next_=True),
                term(20, "deny", [match_pl("CUST")]),
            ),
        ],
        prefix_lists=[CUSTOMERS],
    )
    assert not run(dev, "RM", route("192.0.2.0/24")).permitted
    d = run(dev, "RM", route("203.0.113.0/24"))
    assert d.permitted and d.route.local_pref == 50 and "on-match" in d.reason


def test_on_match_goto_skips_forward() -> None:
    dev = device(
        policies=[
            policy(
                "RM",
                term(10, "permit", sets=[SetPrepend((65000,), SPAN)], goto=30),
                term(20, "deny"),
                term(30, "permit", sets=[SetLocalPref(300, SPAN)]),
            )
        ]
    )
    d = run(dev, "RM", route())
    assert d.permitted and d.route.as_path == (65000,) and d.route.local_pref == 300
    assert [t.seq for t in d.terms] == [10, 30]


def test_call_permit_deny_and_loops() -> None:
    dev = device(
        policies=[
            policy(
                "RM",
                term(10, "permit", sets=[SetLocalPref(10, SPAN)], call="SUB", next_=True),
                term(20, "permit", sets=[SetMetric("5", SPAN)]),
            ),
            policy(
                "SUB", term(10, "deny", [match_pl("CUST")]), term(20, "permit", sets=[SetLocalPref(20, SPAN)])
            ),
            policy("LOOP", term(10, "permit", call="LOOP")),
            policy("GHOST", term(10, "permit", call="NOPE")),
        ],
        prefix_lists=[CUSTOMERS],
    )
    d = run(dev, "RM", route("203.0.113.0/24"))
    assert d.permitted and d.route.local_pref == 20 and d.route.med == 5
    d = run(dev, "RM", route("192.0.2.0/24"))
    assert not d.permitted and "calls SUB, which denies" in d.reason
    d = run(dev, "LOOP", route())
    assert not d.permitted and d.uncertain and "loop" in d.reason
    d = run(dev, "GHOST", route())
    assert d.permitted and d.uncertain and d.notes


def test_prepend_and_last_as() -> None:
    dev = device(
        policies=[
            policy("PP", term(10, sets=[SetPrepend((65000, 65000), SPAN)])),
            policy("LAST", term(10, sets=[SetPrependLastAs(2, SPAN)])),
        ]
    )
    assert run(dev, "PP", route(as_path=(174,))).route.as_path == (65000, 65000, 174)
    assert run(dev, "LAST", route(as_path=(174, 3356))).route.as_path == (174, 174, 174, 3356)
    d = run(dev, "LAST", route(), local_as=65000)
    assert d.route.as_path == (65000, 65000) and not d.uncertain
    d = run(dev, "LAST", route())
    assert d.route.as_path == () and d.uncertain


def test_communities_additive_replace_none() -> None:
    dev = device(
        policies=[
            policy("ADD", term(10, sets=[SetCommunity(("65000:1", "NO_EXPORT"), True, False, SPAN)])),
            policy("REPL", term(10, sets=[SetCommunity(("65000:2",), False, False, SPAN)])),
            policy("NONE", term(10, sets=[SetCommunity((), False, False, SPAN, none=True)])),
            policy("LC", term(10, sets=[SetCommunity(("65000:0:01",), True, True, SPAN)])),
        ]
    )
    r = route(communities=frozenset({"65000:9"}), large_communities=frozenset({"1:2:3"}))
    assert run(dev, "ADD", r).route.communities == {"65000:9", "65000:1", "no-export"}
    assert run(dev, "REPL", r).route.communities == {"65000:2"}
    assert run(dev, "NONE", r).route.communities == frozenset()
    assert run(dev, "LC", r).route.large_communities == {"1:2:3", "65000:0:1"}


def test_well_known_community_normalization() -> None:
    for text in ("no-export", "NO_EXPORT", "65535:65281", "4294967041"):
        assert normalize_community(text) == "no-export"
    assert normalize_community("no-export-subconfed") == "local-AS"
    assert normalize_community("65535:65282") == "no-advertise"
    assert normalize_community("65000:001") == "65000:1"
    assert route(communities=frozenset({"65535:65281"})).communities == {"no-export"}
    assert render_communities(frozenset({"no-export", "65000:10", "65000:2"})) == "65000:2 65000:10 no-export"


def test_community_matching() -> None:
    dev = device(
        policies=[
            policy("STD", term(10, "permit", [match_comm("BOTH")])),
            policy("EXACT", term(10, "permit", [match_comm("BOTH", exact=True)])),
            policy("EXP", term(10, "permit", [match_comm("RX")])),
            policy("NOEXP", term(10, "deny", [match_comm("NOEXP")]), term(20)),
            policy("GONE", term(10, "permit", [match_comm("UNDEFINED")])),
            policy("LARGE", term(10, "permit", [match_comm("LC", large=True)])),
        ],
        community_lists=[
            community_list("BOTH", ("permit", ("65000:1", "65000:2"))),
            community_list("RX", ("deny", (":666$",)), ("permit", ("^65000:",)), expanded=True),
            community_list("NOEXP", ("permit", ("65535:65281",))),
            community_list("LC", ("permit", ("65000:1:1",)), large=True),
        ],
    )
    two = frozenset({"65000:1", "65000:2"})
    assert run(dev, "STD", route(communities=two | {"1:1"})).permitted
    assert not run(dev, "STD", route(communities=frozenset({"65000:1"}))).permitted
    assert run(dev, "EXACT", route(communities=two)).permitted
    assert not run(dev, "EXACT", route(communities=two | {"1:1"})).permitted
    assert run(dev, "EXP", route(communities=frozenset({"65000:5"}))).permitted
    assert not run(dev, "EXP", route(communities=frozenset({"65000:666"}))).permitted
    assert not run(dev, "NOEXP", route(communities=frozenset({"no-export"}))).permitted
    assert run(dev, "NOEXP", route()).permitted
    assert not run(dev, "GONE", route(communities=two)).permitted
    assert run(dev, "LARGE", route(large_communities=frozenset({"65000:1:1"}))).permitted


def test_rpki_and_unknown_matches_are_uncertain() -> None:
    dev = device(
        policies=[
            policy("RPKI", term(10, "deny", [MatchRpki(RpkiState.INVALID, SPAN)]), term(20)),
            policy("OTHER", term(10, "permit", [MatchOther("match tag 5", SPAN)])),
            policy("SETO", term(10, "permit", sets=[SetOther("set weight 5", SPAN)])),
        ]
    )
    assert not run(dev, "RPKI", route(rpki=RpkiState.INVALID)).permitted
    d = run(dev, "RPKI", route(rpki=RpkiState.VALID))
    assert d.permitted and not d.uncertain
    d = run(dev, "RPKI", route())
    assert d.permitted and d.uncertain
    d = run(dev, "OTHER", route())
    assert not d.permitted and d.uncertain
    d = run(dev, "SETO", route())
    assert d.permitted and not d.uncertain


def test_prefix_list_match_semantics() -> None:
    empty = PrefixList("EMPTY", Afi.IPV4, (), SPAN)
    pols = [
        policy("UNDEF", term(10, "permit", [match_pl("NOPE")])),
        policy("EMPTY", term(10, "permit", [match_pl("EMPTY")])),
        policy("V6", term(10, "permit", [match_pl("CUST", Afi.IPV6)])),
    ]
    dev = device(policies=pols, prefix_lists=[empty, CUSTOMERS])
    assert not run(dev, "UNDEF", route()).permitted  # undefined list never matches
    assert run(dev, "EMPTY", route()).permitted  # empty list permits all
    assert not run(dev, "V6", route()).permitted  # family mismatch
    other = replace(FRR, undefined_match_list=UndefinedMatch.ALWAYS_MATCHES, empty_prefix_list_permits=False)
    dev2 = device(policies=pols, prefix_lists=[empty], semantics=other)
    assert run(dev2, "UNDEF", route()).permitted
    assert not run(dev2, "EMPTY", route()).permitted


def test_as_path_match() -> None:
    dev = device(
        policies=[policy("AP", term(10, "permit", [match_asp("LOCAL")]))],
        as_path_lists=[aspath_list("LOCAL", ("permit", "^$"))],
    )
    assert run(dev, "AP", route()).permitted
    assert not run(dev, "AP", route(as_path=(174,))).permitted


def test_undefined_policy() -> None:
    dev = device()
    d = run(dev, "MISSING", route())
    assert not d.permitted and d.reason == "undefined route-map MISSING: denies all routes"
    permissive = device(semantics=replace(FRR, undefined_neighbor_policy=UndefinedPolicy.PERMIT_ALL))
    assert run(permissive, "MISSING", route()).permitted


# --------------------------------------------------------------------------- sessions


def test_session_rfc8212_and_activation() -> None:
    ebgp = neighbor()
    ibgp = neighbor("10.0.0.2", remote_as=65000)
    dev = device(neighbors=[ebgp, ibgp])
    d = evaluate_session(dev, ebgp, Afi.IPV4, "export", route())
    assert not d.permitted and "RFC 8212" in d.reason
    assert evaluate_session(dev, ibgp, Afi.IPV4, "export", route()).permitted
    lax = replace(dev, semantics=replace(FRR, ebgp_requires_policy=False))
    assert evaluate_session(lax, ebgp, Afi.IPV4, "import", route()).permitted
    off = neighbor(activated=False, exports=filters("RM"))
    assert "not activated" in evaluate_session(dev, off, Afi.IPV4, "export", route()).reason
    assert not evaluate_session(dev, ebgp, Afi.IPV6, "export", route("2001:db8::/32")).permitted


def test_session_undefined_route_map_denies_all() -> None:
    n = neighbor(exports=filters("NOPE"))
    d = evaluate_session(device(neighbors=[n]), n, Afi.IPV4, "export", route())
    assert not d.permitted and "undefined route-map NOPE" in d.reason and "denies all" in d.reason


def test_session_filters_all_must_permit() -> None:
    n = neighbor(imports=filters("RM", prefix_list="CUST", filter_list="AP"))
    dev = device(
        neighbors=[n],
        prefix_lists=[CUSTOMERS],
        policies=[policy("RM", term(10, sets=[SetLocalPref(120, SPAN)]))],
        as_path_lists=[aspath_list("AP", ("permit", "^64500_"))],
    )
    d = evaluate_session(dev, n, Afi.IPV4, "import", route(as_path=(64500,)))
    assert d.permitted and d.route.local_pref == 120
    d = evaluate_session(dev, n, Afi.IPV4, "import", route("203.0.113.0/24", as_path=(64500,)))
    assert not d.permitted and d.reason.startswith("prefix-list CUST on neighbor") and "denies" in d.reason
    assert "filter-list AP" in evaluate_session(dev, n, Afi.IPV4, "import", route(as_path=(174,))).reason
    undef = neighbor(imports=filters(prefix_list="NOPE"))
    assert not evaluate_session(dev, undef, Afi.IPV4, "import", route()).permitted


def test_export_path_adds_local_as_for_ebgp_only() -> None:
    ebgp, ibgp = neighbor(), neighbor("10.0.0.2", remote_as=65000)
    dev = device(neighbors=[ebgp, ibgp])
    d = Decision(True, route(as_path=(65000,)))
    assert export_path(dev, ebgp, d) == (65000, 65000)
    assert export_path(dev, ibgp, d) == (65000,)


# --------------------------------------------------------------------------- permit space


def test_space_permit_any_and_full_v4_list() -> None:
    s = policy_space(device(policies=[policy("RM", term(10))]), "RM", Afi.IPV4)
    assert s.unconditional == V4 and s.conditional.is_empty() and s.foreign_path_space == V4
    assert s.witnesses[0][1].line == 110
    everything = plist("ALL", entry(5, "permit", "0.0.0.0/0", le=32))
    dev = device(policies=[policy("RM", term(10, "permit", [match_pl("ALL")]))], prefix_lists=[everything])
    assert policy_space(dev, "RM", Afi.IPV4).unconditional == V4
    dev6 = device(policies=[policy("RM", term(10))])
    assert policy_space(dev6, "RM", Afi.IPV6).unconditional == PrefixSet.all(Afi.IPV6)


def test_space_too_specifics_and_ordering() -> None:
    ts = plist("TS", entry(5, "permit", "10.0.0.0/8", ge=25))
    dev = device(policies=[policy("RM", term(10, "permit", [match_pl("TS")]))], prefix_lists=[ts])
    assert policy_space(dev, "RM", Afi.IPV4).unconditional == PrefixSet.of_range(
        ip_network("10.0.0.0/8"), 25, 32
    )
    bog = plist("BOG", entry(5, "permit", "10.0.0.0/8", le=32))
    dev = device(policies=[policy("RM", term(10, "deny", [match_pl("BOG")]), term(20))], prefix_lists=[bog])
    s = policy_space(dev, "RM", Afi.IPV4)
    assert s.unconditional == V4 - PrefixSet.of_range(ip_network("10.0.0.0/8"), 8, 32)
    assert not s.unconditional.contains(ip_network("10.1.0.0/16"))
    bad = s.witness_for(PrefixSet.of_prefix(ip_network("192.0.2.0/24")))
    assert [w[1].line for w in bad] == [120]


def test_space_as_path_local_vs_foreign() -> None:
    dev = device(
        policies=[
            policy("LOCAL", term(10, "permit", [match_asp("EMPTY")])),
            policy("TRANSIT", term(10, "permit", [match_asp("T174")])),
            policy("GONE", term(10, "permit", [match_asp("NOPE")])),
        ],
        as_path_lists=[aspath_list("EMPTY", ("permit", "^$")), aspath_list("T174", ("permit", "_174_"))],
    )
    s = policy_space(dev, "LOCAL", Afi.IPV4)
    assert s.unconditional.is_empty() and s.conditional == V4 and s.foreign_path_space.is_empty()
    s = policy_space(dev, "TRANSIT", Afi.IPV4)
    assert s.unconditional.is_empty() and s.conditional == V4 and s.foreign_path_space == V4
    assert policy_space(dev, "GONE", Afi.IPV4).possible.is_empty()


def test_space_on_match_call_and_undefined() -> None:
    cust = CUSTOMERS
    dev = device(
        policies=[
            policy("RM", term(10, "permit", call="SUB"), term(20)),
            policy("SUB", term(10, "permit", [match_pl("CUST")])),
            policy("NEXT", term(10, "permit", next_=True), term(20, "deny")),
        ],
        prefix_lists=[cust],
    )
    s = policy_space(dev, "RM", Afi.IPV4)
    assert s.unconditional == prefix_set_of(cust)
    s = policy_space(dev, "NEXT", Afi.IPV4)
    assert s.unconditional == V4 and any("on-match" in note for note in s.notes)  # over-approximation
    assert policy_space(dev, "MISSING", Afi.IPV4).possible.is_empty()


def prefix_set_of(pl: PrefixList) -> PrefixSet:
    return PrefixSet.of_prefixes(e.prefix for e in pl.entries)


def test_session_permit_space() -> None:
    ebgp = neighbor(exports=filters("RM", prefix_list="CUST"))
    bare = neighbor("192.0.2.9")
    undef = neighbor("192.0.2.10", exports=filters("NOPE"))
    fl = neighbor("192.0.2.11", exports=filters(filter_list="LOCAL"))
    dev = device(
        neighbors=[ebgp, bare, undef, fl],
        prefix_lists=[CUSTOMERS],
        policies=[policy("RM", term(10))],
        as_path_lists=[aspath_list("LOCAL", ("permit", "^$"))],
    )
    s = permit_space(dev, ebgp, Afi.IPV4, "export")
    assert s.unconditional == prefix_set_of(CUSTOMERS) and s.witnesses
    s = permit_space(dev, bare, Afi.IPV4, "export")
    assert s.possible.is_empty() and "RFC 8212" in s.notes[0]
    assert permit_space(dev, undef, Afi.IPV4, "export").possible.is_empty()
    s = permit_space(dev, fl, Afi.IPV4, "export")
    assert s.conditional == V4 and s.unconditional.is_empty() and s.foreign_path_space.is_empty()
    lax = replace(dev, semantics=replace(FRR, ebgp_requires_policy=False))
    assert permit_space(lax, bare, Afi.IPV4, "export").unconditional == V4
    assert permit_space(dev, bare, Afi.IPV6, "export").possible.is_empty()


def test_space_without_implicit_deny_and_shared_route_maps() -> None:
    bogon = plist("BOGON", entry(5, "permit", "10.0.0.0/8", le=32))
    rm = policy(
        "RM",
        term(10, "deny", [match_pl("BOGON")]),
        term(20, "permit", [match_pl("CUST")]),
        term(30, "permit", [match_pl("CUST"), match_asp("LOCAL")]),  # already decided by seq 20
    )
    lax = device(
        policies=[rm],
        prefix_lists=[CUSTOMERS, bogon],
        as_path_lists=[aspath_list("LOCAL", ("permit", "^$"))],
        semantics=replace(FRR, route_map_implicit_deny=False),
    )
    s = policy_space(lax, "RM", Afi.IPV4)
    tens = PrefixSet.of_range(ip_network("10.0.0.0/8"), 8, 32)
    rest = V4 - tens - prefix_set_of(CUSTOMERS)
    assert s.unconditional == V4 - tens and s.conditional.is_empty()
    assert [w for w, _ in s.witnesses] == [prefix_set_of(CUSTOMERS), rest]
    assert any("no implicit deny" in note for note in s.notes)
    # several sessions sharing the route-map, one with a prefix-list as well: each gets its own answer
    a = neighbor("192.0.2.1", exports=filters("RM"))
    b = neighbor("192.0.2.2", exports=filters("RM"))
    c = neighbor("192.0.2.3", exports=filters("RM", prefix_list="CUST"))
    dev = replace(device(policies=[rm], prefix_lists=[CUSTOMERS, bogon]), neighbors=(a, b, c))
    sa, sb, sc = (permit_space(dev, nb, Afi.IPV4, "export") for nb in (a, b, c))
    assert sa.unconditional == sb.unconditional == sc.unconditional == prefix_set_of(CUSTOMERS)
    assert permit_space(dev, a, Afi.IPV4, "export") is sa  # memoized per device and session
    strict = replace(dev, semantics=replace(FRR, route_map_implicit_deny=False))
    assert permit_space(strict, a, Afi.IPV4, "export").unconditional == V4 - tens


# --------------------------------------------------------------------------- concrete == symbolic

BASE = IPv4Network("10.0.0.0/22")
POOL: list[IPv4Network] = [p for plen in range(22, 27) for p in BASE.subnets(new_prefix=plen)]


@st.composite
def prefix_entries(draw: st.DrawFn, seq: int) -> PrefixEntry:
    net = draw(st.sampled_from([*POOL, IPv4Network("10.0.0.0/8"), IPv4Network("0.0.0.0/0")]))
    ge = draw(st.one_of(st.none(), st.integers(net.prefixlen + 1, 27)))
    le = draw(st.one_of(st.none(), st.integers(ge or net.prefixlen, 27)))
    return entry(seq, draw(st.sampled_from(["permit", "deny"])), str(net), ge, le)


@st.composite
def route_maps(draw: st.DrawFn) -> Device:
    lists = []
    for name in ("A", "B", "C"):
        size = draw(st.integers(0, 3))
        lists.append(plist(name, *[draw(prefix_entries(5 * (i + 1))) for i in range(size)], afi=Afi.IPV4))
    terms = []
    for i in range(draw(st.integers(0, 4))):
        names = draw(st.lists(st.sampled_from(["A", "B", "C", "UNDEFINED"]), max_size=2))
        terms.append(
            term(10 * (i + 1), draw(st.sampled_from(["permit", "deny"])), [match_pl(n) for n in names])
        )
    sem = replace(
        FRR,
        undefined_match_list=draw(st.sampled_from(list(UndefinedMatch))),
        empty_prefix_list_permits=draw(st.booleans()),
        route_map_implicit_deny=draw(st.booleans()),
        prefix_list_implicit_deny=draw(st.booleans()),
    )
    return device(policies=[policy("RM", *terms)], prefix_lists=lists, semantics=sem)


@settings(max_examples=300, deadline=None)
@given(route_maps(), st.lists(st.sampled_from([*POOL, IPv4Network("10.0.0.0/27")]), min_size=1, max_size=8))
def test_concrete_and_symbolic_evaluators_agree(dev: Device, prefixes: list[IPv4Network]) -> None:
    space = policy_space(dev, "RM", Afi.IPV4)
    assert space.conditional.is_empty()
    for p in prefixes:
        d = evaluate_policy(dev, "RM", Route(p))
        assert d.permitted == space.unconditional.contains(p), (p, d.reason)
    assert not space.unconditional.contains(ip_network("2001:db8::/32"))
