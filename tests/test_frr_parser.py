"""FRR front end: FRR's node logic, inheritance, semantics, secrets, robustness."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policylint.model import Afi, Device, Role, RoleSource
from policylint.vendors import frr

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def parse(text: str) -> Device:
    (device,) = frr.parse("t.conf", text)
    return device


def test_neighbor_af_filters_and_node_fallback() -> None:
    d = parse(
        "router bgp 64500\n"
        " address-family ipv4 unicast\n"
        "  neighbor 192.0.2.1 route-map OUT out\n"
        " neighbor 192.0.2.1 remote-as 64496\n"  # not valid in the AF: FRR falls back to router bgp
        " address-family ipv6 unicast\n"
        "  neighbor 192.0.2.1 activate\n"
        "  neighbor 192.0.2.1 prefix-list V6 in\n"
        "ip prefix-list V4 seq 5 permit 192.0.2.0/24\n"  # top level again
    )
    (nb,) = d.neighbors
    assert nb.remote_as == 64496 and nb.is_ebgp and nb.span.line == 3
    v4, v6 = nb.af(Afi.IPV4), nb.af(Afi.IPV6)
    assert v4 is not None and v4.activated and v4.exports.route_map is not None
    assert v4.exports.route_map.name == "OUT"
    assert v6 is not None and v6.activated and v6.imports.prefix_list is not None
    assert (Afi.IPV4, "V4") in d.prefix_lists


def test_peer_group_inheritance_and_roles() -> None:
    d = parse(
        "router bgp 64500\n"
        " neighbor UP peer-group\n"
        " neighbor UP remote-as external\n"
        " neighbor UP local-role customer\n"
        " neighbor UP password s3cr3t-do-not-print\n"
        " neighbor 198.51.100.1 peer-group UP\n"
        " neighbor 203.0.113.1 remote-as 64511\n"
        " neighbor 203.0.113.1 description AMS-IX bilateral peer\n"
        " neighbor 10.0.0.2 remote-as internal\n"
        " address-family ipv4 unicast\n"
        "  neighbor UP route-map TO-UP out\n"
        " exit-address-family\n"
    )
    by = {n.address: n for n in d.neighbors}
    member = by["198.51.100.1"]
    assert member.peer_group == "UP" and member.is_ebgp and member.has_password
    assert member.role is Role.PROVIDER and member.role_source is RoleSource.CONFIG
    af = member.af(Afi.IPV4)
    assert af is not None and af.exports.route_map is not None and af.exports.route_map.name == "TO-UP"
    assert by["203.0.113.1"].role is Role.PEER and by["203.0.113.1"].role_source is RoleSource.DESCRIPTION
    assert by["10.0.0.2"].role is Role.INTERNAL and not by["10.0.0.2"].is_ebgp
    assert "s3cr3t" not in repr(d)


def test_ebgp_requires_policy_follows_version_defaults_and_config() -> None:
    assert parse("router bgp 1\n").semantics.ebgp_requires_policy
    assert not parse("frr version 7.3\nrouter bgp 1\n").semantics.ebgp_requires_policy
    assert parse("frr version 7.5\nrouter bgp 1\n").semantics.ebgp_requires_policy
    assert not parse("frr defaults datacenter\nrouter bgp 1\n").semantics.ebgp_requires_policy
    assert not parse("router bgp 1\n no bgp ebgp-requires-policy\n").semantics.ebgp_requires_policy
    assert parse(
        "frr defaults datacenter\nrouter bgp 1\n bgp ebgp-requires-policy\n"
    ).semantics.ebgp_requires_policy


def test_route_map_terms_sets_and_unmodelled_matches() -> None:
    d = parse(
        "route-map RM permit 20\n"
        " match ip address prefix-list P\n"
        " match tag 7\n"
        " set as-path prepend 64500 64500\n"
        " set community 64500:1 no-export additive\n"
        " on-match next\n"
        "route-map RM deny 10\n"
        " match rpki invalid\n"
    )
    rm = d.policies["RM"]
    assert [t.seq for t in rm.terms] == [10, 20]
    deny, permit = rm.terms
    assert deny.span.line == 7 and deny.span.end_line == 8
    assert permit.span == permit.span.__class__("t.conf", 1, 6)
    kinds = [type(m).__name__ for m in permit.matches]
    assert kinds == ["MatchPrefixList", "MatchOther"]
    assert [type(s).__name__ for s in permit.sets] == ["SetPrepend", "SetCommunity"]
    assert permit.on_match is not None
    assert [u.text for u in d.unsupported] == ["match tag 7"]


def test_originations_rpki_and_out_of_scope() -> None:
    d = parse(
        "interface eth0\n"
        " ip address 192.0.2.1/24\n"
        "router bgp 64500\n"
        " address-family ipv6 unicast\n"
        "  network 2001:db8:53::/48\n"
        "  redistribute connected route-map RC\n"
        " exit-address-family\n"
        "rpki\n"
        " rpki cache 192.0.2.200 3323 preference 1\n"
        "exit\n"
    )
    assert [(str(o.prefix), o.via) for o in d.originations] == [
        ("2001:db8:53::/48", "network"),
        ("None", "redistribute connected"),
    ]
    assert d.rpki is not None and d.rpki.caches[0].port == 3323
    assert d.unsupported == () and d.out_of_scope_lines == 1  # `interface eth0`
    routes = [(str(r.prefix), r.kind, r.span.line) for r in d.local_routes]
    assert routes == [("192.0.2.0/24", "connected", 2)]


def test_malformed_values_are_issues_not_crashes() -> None:
    d = parse(
        "ip prefix-list P seq 5 permit 192.0.2.0/24 ge 20\n"
        "ip prefix-list P seq 10 permit 300.0.0.0/8\n"
        "router bgp 64500\n"
        " neighbor 192.0.2.1 remote-as 99999999999\n"
    )
    assert sorted(i.span.line for i in d.issues) == [1, 2, 4]
    assert d.prefix_lists[(Afi.IPV4, "P")].entries == ()


def test_secrets_in_unsupported_lines_are_redacted() -> None:
    d = parse(
        "password zebra\nrouter bgp 1\n neighbor 1.2.3.4 password hunter2\n bgp unknown-knob secret hunter3\n"
    )
    assert "zebra" not in repr(d) and "hunter2" not in repr(d) and "hunter3" not in repr(d)


_LINES = st.sampled_from(
    [line for p in sorted(SAMPLES.glob("*/frr.conf")) for line in p.read_text().splitlines()]
    or ["router bgp 1"]
)
_NOISE = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_LINES, _NOISE, _LINES.map(lambda s: s[: len(s) // 2])), max_size=60))
def test_fuzzed_configs_never_crash_and_spans_stay_in_the_file(lines: list[str]) -> None:
    text = "\n".join(lines)
    (device,) = frr.parse("f.conf", text)
    count = max(1, len(text.splitlines()))
    spans = (
        [u.span for u in device.unsupported]
        + [i.span for i in device.issues]
        + [n.span for n in device.neighbors]
    )
    spans += [t.span for p in device.policies.values() for t in p.terms]
    assert all(1 <= s.line <= s.end_line <= count for s in spans)


def test_a_keyword_can_be_a_name() -> None:
    d = parse(
        "router bgp 1\n"
        " neighbor 192.0.2.1 remote-as 2\n"
        " address-family ipv4 unicast\n"
        "  neighbor 192.0.2.1 route-map any in\n"
        "route-map any permit 10\n"
        " match ip address prefix-list permit\n"
    )
    af = d.neighbors[0].af(Afi.IPV4)
    assert af is not None and af.imports.route_map is not None and af.imports.route_map.name == "any"
    assert "any" in d.policies and d.unsupported == ()


_SAMPLE_LINES = [line for p in sorted(SAMPLES.glob("*/frr.conf")) for line in p.read_text().splitlines()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_SAMPLE_LINES or ["router bgp 1"]), min_size=2, max_size=160))
def test_every_check_survives_shuffled_real_config(lines: list[str]) -> None:
    """Real statements in a random order, split over two devices: no check fails internally."""
    from policylint.engine import lint_files
    from policylint.loader import load_text
    from policylint.options import Options

    half = len(lines) // 2
    files = [
        load_text(name, "\n".join(part) + "\n", explicit=True, vendor="frr")
        for name, part in (("a.conf", lines[:half]), ("b.conf", lines[half:]))
    ]
    assert all(f is not None and f.error is None for f in files)
    result = lint_files([f for f in files if f is not None], Options())
    assert result.tool_errors == ()


_PL_LINE = st.builds(
    lambda fam, name, seq, act, net, ge, le, indent, body: (
        f"{indent}{fam} prefix-list {name} seq {seq} {act} {net}{ge}{le}{body}"
    ),
    st.sampled_from(["ip", "ipv6"]),
    st.sampled_from(["PL", "any", "seq", "10", "X-1"]),
    st.integers(0, 4294967299),
    st.sampled_from(["permit", "deny"]),
    st.sampled_from(
        ["10.0.0.0/8", "10.1.2.3/24", "192.0.2.0/33", "300.0.0.0/8", "2001:db8::/32", "::/0", "1.2.3/24",
         "192.0.2.0/255.255.255.0", "any"]
    ),
    st.sampled_from(["", " ge 9", " ge 24", " ge 33", " ge 130"]),
    st.sampled_from(["", " le 24", " le 8", " le 32", " le 128"]),
    st.sampled_from(["", " "]),
    st.sampled_from(["\nroute-map RM permit 10", "\n match ip address prefix-list PL", "\nrouter bgp 1", ""]),
)  # fmt: skip


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PL_LINE, max_size=12))
def test_prefix_list_fast_path_equals_the_grammar_path(lines: list[str]) -> None:
    """Plain prefix-list lines skip the grammar; the Device must be exactly the grammar's."""
    tail = ["router bgp 65000", " neighbor 192.0.2.1 remote-as 1"]
    text = "\n".join(["route-map RM permit 10", *lines, *tail])
    fast = frr.parse("t.conf", text)
    saved = getattr(frr, "PREFIX_LIST_LINE")  # noqa: B009
    try:
        setattr(frr, "PREFIX_LIST_LINE", re.compile(r"(?!x)x"))  # noqa: B010  # never matches
        slow = frr.parse("t.conf", text)
    finally:
        setattr(frr, "PREFIX_LIST_LINE", saved)  # noqa: B010
    assert fast == slow
