"""Cisco IOS/IOS-XE front end: every modelled statement, IOS semantics, secrets, robustness."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from policylint.evaluate import Route, evaluate_policy, evaluate_session
from policylint.model import (
    Action,
    Afi,
    Device,
    MatchAsPath,
    MatchCommunity,
    MatchOther,
    MatchPrefixList,
    MatchRpki,
    OnMatchKind,
    Role,
    RpkiState,
    SetCommunity,
    SetLocalPref,
    SetMetric,
    SetPrepend,
    SetPrependLastAs,
    UndefinedMatch,
)
from policylint.vendors import ios

CONFIG = """\
hostname edge1
!
router bgp 64500
 bgp router-id 192.0.2.1
 bgp log-neighbor-changes
 bgp rpki server tcp 192.0.2.50 port 3323 refresh 600
 bgp bestpath prefix-validate allow-invalid
 neighbor UPSTREAMS peer-group
 neighbor UPSTREAMS remote-as 64496
 neighbor UPSTREAMS password 7 0822455D0A16
 neighbor 198.51.100.1 peer-group UPSTREAMS
 neighbor 198.51.100.1 description TRANSIT-A upstream
 neighbor 203.0.113.9 remote-as 64511
 neighbor 203.0.113.9 description CUST-ACME customer
 neighbor 203.0.113.9 ebgp-multihop 2
 neighbor 203.0.113.9 ttl-security hops 1
 neighbor 2001:db8::9 remote-as 64511
 !
 address-family ipv4
  network 192.0.2.0 mask 255.255.255.0
  aggregate-address 198.51.100.0 255.255.255.0 summary-only
  redistribute static route-map STATIC-TO-BGP
  neighbor UPSTREAMS route-map TO-TRANSIT out
  neighbor 198.51.100.1 activate
  neighbor 198.51.100.1 maximum-prefix 1000000 90
  neighbor 198.51.100.1 send-community both
  neighbor 203.0.113.9 activate
  neighbor 203.0.113.9 prefix-list CUST-IN in
  neighbor 203.0.113.9 filter-list 10 in
  neighbor 203.0.113.9 remove-private-as
  no neighbor 2001:db8::9 activate
 exit-address-family
 !
 address-family ipv6 unicast
  network 2001:db8:53::/48
  neighbor 2001:db8::9 activate
 exit-address-family
!
ip prefix-list CUST-IN seq 5 permit 203.0.113.0/24 le 25
ipv6 prefix-list V6 seq 10 deny ::/0 ge 49
ip as-path access-list 10 permit ^64511(_64511)*$
ip community-list 1 permit 64500:100
ip community-list 100 permit ^64500:1..$
ip community-list standard BLACKHOLE permit 65535:666
!
route-map TO-TRANSIT permit 10
 match ip address prefix-list OWN
 match as-path 10
 match community BLACKHOLE exact-match
 set as-path prepend 64500 64500
 set local-preference 50
 set metric 100
 set community 64500:1 no-export additive
 continue 30
route-map TO-TRANSIT deny 20
 match rpki invalid
route-map TO-TRANSIT permit 30
 match ip address 10
 set as-path prepend last-as 2
route-map STATIC-TO-BGP
"""


def parse(text: str) -> Device:
    (device,) = ios.parse("edge1.cfg", text)
    return device


def test_router_bgp_neighbors_and_peer_groups() -> None:
    d = parse(CONFIG)
    assert d.vendor == "ios" and d.hostname == "edge1" and d.asn == 64500
    assert d.router_id == "192.0.2.1"
    by = {n.address: n for n in d.neighbors}
    up = by["198.51.100.1"]
    assert up.peer_group == "UPSTREAMS" and up.remote_as == 64496 and up.has_password
    assert up.role is Role.PROVIDER
    v4 = up.af(Afi.IPV4)
    assert v4 is not None and v4.activated and v4.max_prefix == 1000000
    assert v4.exports.route_map is not None and v4.exports.route_map.name == "TO-TRANSIT"  # from the group
    cust = by["203.0.113.9"]
    assert cust.role is Role.CUSTOMER and cust.ebgp_multihop == 2 and cust.ttl_security == 1
    cv4 = cust.af(Afi.IPV4)
    assert cv4 is not None and cv4.imports.prefix_list is not None and cv4.imports.filter_list is not None
    v6nb = by["2001:db8::9"]
    v6_af4, v6_af6 = v6nb.af(Afi.IPV4), v6nb.af(Afi.IPV6)
    assert v6_af4 is not None and not v6_af4.activated
    assert v6_af6 is not None and v6_af6.activated
    assert [g.address for g in d.peer_groups] == ["UPSTREAMS"]


def test_originations_rpki_and_lists() -> None:
    d = parse(CONFIG)
    origs = {(str(o.prefix), o.via) for o in d.originations}
    assert origs == {
        ("192.0.2.0/24", "network"),
        ("198.51.100.0/24", "aggregate-address"),
        ("None", "redistribute static"),
        ("2001:db8:53::/48", "network"),
    }
    assert any(o.summary_only for o in d.originations)
    assert d.rpki is not None and d.rpki.caches[0].host == "192.0.2.50" and d.rpki.caches[0].port == 3323
    assert d.rpki.invalid_allowed and not d.rpki.invalid_excluded
    plist = d.prefix_lists[(Afi.IPV4, "CUST-IN")]
    assert plist.entries[0].le == 25 and plist.entries[0].action is Action.PERMIT
    assert d.prefix_lists[(Afi.IPV6, "V6")].entries[0].ge == 49
    assert d.as_path_lists["10"].entries[0].regex == "^64511(_64511)*$"
    assert not d.community_lists["1"].entries[0].expanded
    assert d.community_lists["100"].entries[0].expanded
    assert d.community_lists["BLACKHOLE"].entries[0].values == ("65535:666",)


def test_route_map_terms() -> None:
    d = parse(CONFIG)
    t10, t20, t30 = d.policies["TO-TRANSIT"].terms
    assert [type(m) for m in t10.matches] == [MatchPrefixList, MatchAsPath, MatchCommunity]
    assert isinstance(t10.matches[2], MatchCommunity) and t10.matches[2].exact
    kinds = [type(s) for s in t10.sets]
    assert kinds == [SetPrepend, SetLocalPref, SetMetric, SetCommunity]
    comm = t10.sets[3]
    assert isinstance(comm, SetCommunity) and comm.additive and comm.values == ("64500:1", "no-export")
    assert t10.on_match is not None and t10.on_match.kind is OnMatchKind.GOTO and t10.on_match.target == 30
    assert t20.action is Action.DENY and isinstance(t20.matches[0], MatchRpki)
    assert t20.matches[0].state is RpkiState.INVALID
    acl = t30.matches[0]  # access-list 10 is not defined: IOS ignores the match (always true)
    assert isinstance(acl, MatchPrefixList) and acl.name == "access-list 10"
    assert isinstance(t30.sets[0], SetPrependLastAs) and t30.sets[0].count == 2
    (default,) = d.policies["STATIC-TO-BGP"].terms
    assert default.seq == 10 and default.action is Action.PERMIT  # IOS defaults


def test_access_lists_as_bgp_reads_them() -> None:
    d = parse(
        "router bgp 64500\n"
        " neighbor 198.51.100.1 remote-as 64496\n"
        " address-family ipv4\n"
        "  neighbor 198.51.100.1 distribute-list 10 out\n"
        "access-list 10 permit 192.0.2.0 0.0.0.255\n"
        "access-list 101 permit ip host 198.51.100.0 host 255.255.255.0\n"
        "access-list 102 permit ip 10.0.0.0 0.255.255.255 255.255.0.0 0.0.255.255\n"
        "access-list 150 permit tcp any any\n"
        "ip access-list standard NAMED\n"
        " 10 permit host 203.0.113.0\n"
        " deny any\n"
        "route-map M permit 10\n"
        " match ip address 101\n"
        "route-map M permit 20\n"
        " match ip address 150\n"
    )
    pl = {k[1]: [(str(e.prefix), e.ge, e.le) for e in v.entries] for k, v in d.prefix_lists.items()}
    # standard: any prefix whose network address is in 192.0.2.0/24 (and the aligned /23)
    assert pl["access-list 10"] == [("192.0.2.0/24", None, 32), ("192.0.2.0/23", None, None)]
    assert pl["access-list 101"] == [("198.51.100.0/24", None, None)]  # host NET host MASK: exact
    assert pl["access-list 102"] == [("10.0.0.0/8", 16, 32)]  # network in 10/8, mask /16../32
    assert pl["access-list NAMED"][-1] == ("0.0.0.0/0", None, 32)
    assert "access-list 150" not in pl  # tcp: not a BGP prefix filter
    (nb,) = d.neighbors
    af = nb.af(Afi.IPV4)
    assert af is not None and af.exports.prefix_list is not None
    assert af.exports.prefix_list.name == "access-list 10"
    t10, t20 = d.policies["M"].terms
    assert isinstance(t10.matches[0], MatchPrefixList) and isinstance(t20.matches[0], MatchOther)
    assert [u.text for u in d.unsupported] == ["match ip address 150"]


def test_ios_semantics() -> None:
    d = parse(
        "router bgp 64500\n"
        " neighbor 198.51.100.1 remote-as 64496\n"
        " address-family ipv4\n"
        "  neighbor 198.51.100.1 activate\n"
        " exit-address-family\n"
        "route-map X permit 10\n"
        " match ip address prefix-list NOT-DEFINED\n"
    )
    sem = d.semantics
    assert not sem.ebgp_requires_policy
    assert sem.undefined_match_list is UndefinedMatch.ALWAYS_MATCHES
    route = Route(ipaddress.ip_network("203.0.113.0/24"))
    assert evaluate_policy(d, "X", route).permitted  # an undefined list matches everything on IOS
    (nb,) = d.neighbors
    assert evaluate_session(d, nb, Afi.IPV4, "export", route).permitted  # no RFC 8212 default
    safe = parse("router bgp 64500\n bgp safe-ebgp-policy\n neighbor 198.51.100.1 remote-as 64496\n")
    assert safe.semantics.ebgp_requires_policy
    rpki = parse("router bgp 64500\n bgp rpki server tcp 192.0.2.50 port 323 refresh 60\n")
    assert rpki.rpki is not None and rpki.rpki.invalid_excluded  # IOS default without allow-invalid


def test_undefined_neighbor_route_map_denies_all() -> None:
    d = parse(
        "router bgp 64500\n"
        " neighbor 198.51.100.1 remote-as 64496\n"
        " address-family ipv4\n"
        "  neighbor 198.51.100.1 route-map MISSING out\n"
    )
    (nb,) = d.neighbors
    dec = evaluate_session(d, nb, Afi.IPV4, "export", Route(ipaddress.ip_network("192.0.2.0/24")))
    assert not dec.permitted and "undefined route-map MISSING" in dec.reason


def test_secrets_are_not_stored() -> None:
    d = parse(CONFIG + "router bgp 64500\n neighbor 192.0.2.9 password 7 0822455D0A16\n key-string s3cr3t\n")
    assert "0822455D0A16" not in repr(d)
    assert "s3cr3t" not in repr(d)


def test_malformed_lines_are_issues_not_crashes() -> None:
    d = parse(
        "router bgp 99999999999\n"
        "ip prefix-list P seq 5 permit 192.0.2.0/24 ge 20\n"
        "ip prefix-list P seq 10 permit 192.0.2.300/24\n"
        "route-map X permit 10\n"
        " set as-path prepend last-as 99\n"
    )
    assert [i.span.line for i in d.issues] == [1, 2, 3, 5]


_LINES = st.sampled_from(CONFIG.splitlines())
_NOISE = st.text(alphabet=" abcdefghijklmnopqrstuvwxyz0123456789./:-^${}[]!#\t", max_size=40)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_LINES, _NOISE, _LINES.map(lambda s: s[: len(s) // 2])), max_size=60))
def test_fuzzed_configs_never_crash_and_spans_stay_in_the_file(lines: list[str]) -> None:
    text = "\n".join(lines)
    (device,) = ios.parse("f.cfg", text)
    count = max(1, len(text.splitlines()))
    spans = [u.span for u in device.unsupported] + [i.span for i in device.issues]
    spans += [n.span for n in device.neighbors] + [o.span for o in device.originations]
    spans += [t.span for p in device.policies.values() for t in p.terms]
    assert all(1 <= s.line <= s.end_line <= count for s in spans)
