"""Prefix-range algebra: unit tests and set-law properties against a brute-force model."""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from ipaddress import IPv4Network, IPv6Network, ip_network

from helpers_model import entry, plist
from hypothesis import given, settings
from hypothesis import strategies as st

from policylint.model import Action, Afi, IPNetwork
from policylint.prefixes import (
    PrefixRange,
    PrefixSet,
    prefix_list_matches,
    prefix_list_permits,
)


def n(text: str) -> IPNetwork:
    return ip_network(text)


# --------------------------------------------------------------------------- small universes

# every prefix inside the base network, lengths base..deepest
UNIVERSES: dict[int, tuple[IPNetwork, int]] = {4: (n("10.0.0.0/22"), 30), 6: (n("2001:db8::/118"), 126)}


def _enumerate(base: IPNetwork, deepest: int) -> list[IPNetwork]:
    out: list[IPNetwork] = []
    for plen in range(base.prefixlen, deepest + 1):
        out.extend(base.subnets(new_prefix=plen))
    return out


MEMBERS = {v: _enumerate(*UNIVERSES[v]) for v in UNIVERSES}
Model = tuple[IPNetwork, int, int]


@st.composite
def ranges(draw: st.DrawFn, version: int) -> Model:
    base, deepest = UNIVERSES[version]
    width = base.max_prefixlen
    plen = draw(st.integers(0, deepest))
    net: IPNetwork
    if plen <= base.prefixlen:
        net = base.supernet(new_prefix=plen)
    else:
        subnets: list[IPNetwork] = list(base.subnets(new_prefix=plen))
        net = draw(st.sampled_from(subnets))
    low = draw(st.integers(plen, width))
    high = draw(st.integers(low, width))
    return net, low, high


def in_model(model: list[Model], p: IPNetwork) -> bool:
    return any(
        p.version == net.version
        and low <= p.prefixlen <= high
        and p.prefixlen >= net.prefixlen
        and p.supernet(new_prefix=net.prefixlen) == net
        for net, low, high in model
    )


def build(model: list[Model]) -> PrefixSet:
    return reduce(PrefixSet.union, (PrefixSet.of_range(*r) for r in model), PrefixSet.empty())


@st.composite
def models(draw: st.DrawFn) -> tuple[int, list[Model], list[Model], list[Model]]:
    version = draw(st.sampled_from([4, 6]))
    lists = [draw(st.lists(ranges(version), max_size=4)) for _ in range(3)]
    return version, lists[0], lists[1], lists[2]


@settings(max_examples=250, deadline=None)
@given(models())
def test_operations_agree_with_brute_force(data: tuple[int, list[Model], list[Model], list[Model]]) -> None:
    version, ma, mb, _ = data
    a, b = build(ma), build(mb)
    union, inter, diff = a | b, a & b, a - b
    for p in MEMBERS[version]:
        ia, ib = in_model(ma, p), in_model(mb, p)
        assert a.contains(p) == ia, p
        assert union.contains(p) == (ia or ib), p
        assert inter.contains(p) == (ia and ib), p
        assert diff.contains(p) == (ia and not ib), p


@settings(max_examples=250, deadline=None)
@given(models())
def test_set_laws(data: tuple[int, list[Model], list[Model], list[Model]]) -> None:
    _, ma, mb, mc = data
    a, b, c = build(ma), build(mb), build(mc)
    assert ((a - b) & b).is_empty()
    assert (a - b) | (a & b) == a
    assert a | b == b | a
    assert a & b == b & a
    assert a - (b | c) == (a - b) & (a - c)
    assert a & (b | c) == (a & b) | (a & c)
    assert (a | b) - b == a - b
    assert a.issubset(a | b)
    assert (a & b).issubset(b)
    assert a.issubset(b) == (a - b).is_empty()
    assert (a == b) == (a.issubset(b) and b.issubset(a))
    assert hash(a | b) == hash(b | a)


@settings(max_examples=200, deadline=None)
@given(models())
def test_encoding_is_canonical(data: tuple[int, list[Model], list[Model], list[Model]]) -> None:
    """Building a set from its enumerated members gives the same encoding as from ranges."""
    version, ma, _, _ = data
    base, deepest = UNIVERSES[version]
    window = PrefixSet.of_range(base, base.prefixlen, deepest)
    a = build(ma) & window
    members = [p for p in MEMBERS[version] if in_model(ma, p)]
    assert PrefixSet.of_prefixes(members) == a
    assert build(list(reversed(ma))) == build(ma)


@settings(max_examples=200, deadline=None)
@given(models())
def test_ranges_witness_describe(data: tuple[int, list[Model], list[Model], list[Model]]) -> None:
    _, ma, _, _ = data
    a = build(ma)
    rs = a.ranges
    rebuilt = build([(r.network, r.low, r.high) for r in rs])
    assert rebuilt == a
    for i, r in enumerate(rs):  # disjoint
        for s in rs[i + 1 :]:
            assert (
                PrefixSet.of_range(r.network, r.low, r.high) & PrefixSet.of_range(s.network, s.low, s.high)
            ).is_empty()
    w = a.witness()
    if a.is_empty():
        assert w is None
        assert a.describe() == "no prefixes"
    else:
        assert w is not None and a.contains(w)
        assert a.describe(limit=1)


@st.composite
def prefix_lists(draw: st.DrawFn) -> tuple[int, list[tuple[str, Model]]]:
    version = draw(st.sampled_from([4, 6]))
    items = draw(st.lists(st.tuples(st.sampled_from(["permit", "deny"]), ranges(version)), max_size=5))
    return version, items


@settings(max_examples=250, deadline=None)
@given(prefix_lists(), st.booleans())
def test_prefix_list_permits_is_first_match(data: tuple[int, list[tuple[str, Model]]], no_deny: bool) -> None:
    version, items = data
    entries = []
    for i, (verb, (net, low, high)) in enumerate(items):
        ge = low if low != net.prefixlen else None
        le = high if (high != net.max_prefixlen or ge is None) else None
        entries.append(entry(5 * (i + 1), verb, str(net), ge, le))
    afi = Afi.IPV4 if version == 4 else Afi.IPV6
    pl = plist("PL", *entries, afi=afi)
    permitted = prefix_list_permits(pl, empty_permits_all=True, implicit_deny=not no_deny)
    for p in MEMBERS[version]:
        action = prefix_list_matches(pl, p)
        if not entries:
            expected = True
        elif action is None:
            expected = no_deny
        else:
            expected = action is Action.PERMIT
        assert permitted.contains(p) == expected, (p, action)


# --------------------------------------------------------------------------- unit tests


def test_constructors_and_contains() -> None:
    r = PrefixSet.of_range(n("10.0.0.0/8"), 16, 24)
    assert r.contains(n("10.1.0.0/16"))
    assert r.contains(n("10.1.2.0/24"))
    assert not r.contains(n("10.0.0.0/8"))
    assert not r.contains(n("10.1.2.0/25"))
    assert not r.contains(n("11.0.0.0/16"))
    assert n("10.9.0.0/16") in r
    assert "10.9.0.0/16" not in r
    one = PrefixSet.of_prefix(n("192.0.2.0/24"))
    assert one.contains(n("192.0.2.0/24")) and not one.contains(n("192.0.2.0/25"))
    assert PrefixSet.empty().is_empty() and not PrefixSet.empty()
    assert PrefixSet.of_range(n("10.0.0.0/8"), 30, 20).is_empty()


def test_universe_and_families() -> None:
    u = PrefixSet.universe()
    assert u.contains(n("0.0.0.0/0")) and u.contains(n("::/0")) and u.contains(n("2001:db8::1/128"))
    v4 = PrefixSet.all(Afi.IPV4)
    assert u.family(Afi.IPV4) == v4
    assert (u - v4) == PrefixSet.all(Afi.IPV6)
    assert str(u) == "0.0.0.0/0 le 32, ::/0 le 128"


def test_longer_than() -> None:
    s = PrefixSet.longer_than(24, 48)
    assert s.contains(n("192.0.2.0/25")) and not s.contains(n("192.0.2.0/24"))
    assert s.contains(n("2001:db8::/49")) and not s.contains(n("2001:db8::/48"))
    assert s.describe() == "0.0.0.0/0 ge 25, ::/0 ge 49"
    assert PrefixSet.longer_than(32, 128).is_empty()


def test_sibling_merge_and_small_difference() -> None:
    halves = PrefixSet.of_range(n("10.0.0.0/9"), 9, 24) | PrefixSet.of_range(n("10.128.0.0/9"), 9, 24)
    assert halves.ranges == (PrefixRange(n("10.0.0.0/8"), 9, 24),)
    both = halves | PrefixSet.of_prefix(n("10.0.0.0/8"))
    assert both == PrefixSet.of_range(n("10.0.0.0/8"), 8, 24)
    hole = PrefixSet.all(Afi.IPV4) - PrefixSet.of_prefix(n("192.0.2.0/24"))
    assert not hole.contains(n("192.0.2.0/24"))
    assert hole.contains(n("192.0.2.0/25")) and hole.contains(n("192.0.3.0/24"))
    assert len(hole.v4_nodes) <= 25
    assert hole | PrefixSet.of_prefix(n("192.0.2.0/24")) == PrefixSet.all(Afi.IPV4)


def test_many_originated_prefixes_stay_small() -> None:
    originated = PrefixSet.of_prefixes(IPv4Network((0xC6336400 + 256 * i, 24)) for i in range(64))
    rest = PrefixSet.all(Afi.IPV4) - originated
    assert len(rest.v4_nodes) < 80
    assert (rest & originated).is_empty()


def test_witness_prefers_short_prefixes() -> None:
    s = PrefixSet.of_range(n("10.0.0.0/8"), 25, 32) | PrefixSet.of_prefix(n("2001:db8::/32"))
    assert s.witness() == n("10.0.0.0/25")
    assert PrefixSet.all(Afi.IPV6).witness() == IPv6Network("::/0")
    assert PrefixSet.empty().witness() is None


def test_describe_forms_and_limit() -> None:
    s = (
        PrefixSet.of_range(n("10.0.0.0/8"), 8, 32)
        | PrefixSet.of_prefix(n("192.0.2.0/25"))
        | PrefixSet.of_range(n("198.51.100.0/24"), 25, 26)
        | PrefixSet.of_range(n("203.0.113.0/24"), 28, 32)
    )
    assert s.describe(limit=4) == (
        "10.0.0.0/8 le 32, 192.0.2.0/25, 198.51.100.0/24 ge 25 le 26, 203.0.113.0/24 ge 28"
    )
    assert s.describe(limit=2).endswith("and 2 more range(s)")


def test_from_entry_ge_le_any() -> None:
    e_ge = entry(5, "permit", "10.0.0.0/8", ge=25)
    assert PrefixSet.from_entry(e_ge) == PrefixSet.of_range(n("10.0.0.0/8"), 25, 32)
    e_le = entry(10, "permit", "10.0.0.0/8", le=24)
    assert PrefixSet.from_entry(e_le) == PrefixSet.of_range(n("10.0.0.0/8"), 8, 24)
    e_exact = entry(15, "permit", "10.0.0.0/8")
    assert PrefixSet.from_entry(e_exact) == PrefixSet.of_prefix(n("10.0.0.0/8"))
    e_any = entry(20, "permit", "::/0", any_=True)
    assert PrefixSet.from_entry(e_any) == PrefixSet.all(Afi.IPV6)


def test_prefix_list_helpers() -> None:
    pl = plist("PL", entry(5, "deny", "10.0.0.0/8", le=32), entry(10, "permit", "0.0.0.0/0", le=32))
    permitted = prefix_list_permits(pl)
    assert permitted == PrefixSet.all(Afi.IPV4) - PrefixSet.of_range(n("10.0.0.0/8"), 8, 32)
    assert prefix_list_matches(pl, n("10.1.0.0/16")) is Action.DENY
    assert prefix_list_matches(pl, n("192.0.2.0/24")) is Action.PERMIT
    assert prefix_list_matches(pl, n("2001:db8::/32")) is None
    empty = plist("E")
    assert prefix_list_permits(empty).is_empty()
    assert prefix_list_permits(empty, empty_permits_all=True) == PrefixSet.all(Afi.IPV4)
    only = plist("O", entry(5, "permit", "192.0.2.0/24"))
    assert prefix_list_permits(only, implicit_deny=False) == PrefixSet.all(Afi.IPV4)


# --------------------------------------------------------------------------- full-width sets


@st.composite
def wide_ranges(draw: st.DrawFn, version: int) -> Model:
    """Ranges anywhere in the address family (not just the small universe)."""
    width = 32 if version == 4 else 128
    plen = draw(st.sampled_from([0, 1, 7, 8, 9, 16, 23, 24, 25, width - 1, width]))
    addr = draw(st.integers(0, (1 << width) - 1)) & (((1 << plen) - 1) << (width - plen))
    net: IPNetwork = IPv4Network((addr, plen)) if version == 4 else IPv6Network((addr, plen))
    low = draw(st.integers(plen, width))
    return net, low, draw(st.integers(low, width))


def probes(model: list[Model], version: int) -> list[IPNetwork]:
    """Prefixes at and around each range's edges: its network, first subnets, supernets, neighbours."""
    width = 32 if version == 4 else 128
    out: list[IPNetwork] = []
    for net, low, high in model:
        for plen in {net.prefixlen, low, high, max(low - 1, 0), min(high + 1, width)}:
            if plen >= net.prefixlen:
                first = net.network_address
                out.append(ip_network(f"{first}/{plen}"))
                last = int(net.broadcast_address) & (((1 << plen) - 1) << (width - plen))
                out.append(ip_network((last, plen)))
            else:
                out.append(net.supernet(new_prefix=plen))
        if net.prefixlen:
            out.append(ip_network((int(net.network_address) ^ (1 << (width - net.prefixlen)), net.prefixlen)))
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([4, 6]).flatmap(
        lambda v: st.tuples(st.just(v), *[st.lists(wide_ranges(v), max_size=6)] * 2)
    )
)
def test_full_width_operations(data: tuple[int, list[Model], list[Model]]) -> None:
    version, ma, mb = data
    a, b = build(ma), build(mb)
    for p in probes(ma + mb, version):
        ia, ib = in_model(ma, p), in_model(mb, p)
        assert ((a | b).contains(p), (a & b).contains(p), (a - b).contains(p)) == (
            ia or ib,
            ia and ib,
            ia and not ib,
        )
    assert (a - b) | (a & b) == a
    assert (a | b) - (a & b) == (a - b) | (b - a)
    assert build(list(reversed(mb))) == b


def test_disjoint_and_nested_operations() -> None:
    a = PrefixSet.of_range(n("10.0.0.0/8"), 16, 24)
    b = PrefixSet.of_prefixes(n(f"192.0.{i}.0/24") for i in range(50))
    assert a - b == a and b - a == b and (a & b).is_empty()
    assert (a | b) - b == a and (a | b) & b == b
    inner = PrefixSet.of_range(n("10.1.0.0/16"), 20, 28)
    assert (a & inner) == PrefixSet.of_range(n("10.1.0.0/16"), 20, 24)
    assert (a - inner).contains(n("10.1.0.0/19")) and not (a - inner).contains(n("10.1.16.0/20"))


def test_describe_counts_ranges_lazily() -> None:
    s = PrefixSet.of_prefixes(IPv4Network((0x0A000000 + 512 * i, 24)) for i in range(1000))
    assert s.describe(2) == "10.0.0.0/24, 10.0.2.0/24 and 998 more range(s)"
    assert len(s.ranges) == 1000
    assert s.describe(0) == " and 1000 more range(s)"


def test_long_prefix_list_first_match() -> None:
    """An IRR-sized list with interleaved denies: symbolic result agrees entry by entry."""
    entries = []
    for i in range(1500):
        plen = 16 + i % 9
        net = IPv4Network(
            ((0x0A000000 + 0x10000 * (i % 97) + 0x100 * (i % 251)) >> (32 - plen) << (32 - plen), plen)
        )
        verb = "deny" if i % 7 == 0 else "permit"
        entries.append(entry(5 * (i + 1), verb, str(net), None, 24 if plen < 24 and i % 3 else None))
    pl = plist("IRR", *entries)
    permitted = prefix_list_permits(pl)
    for e in entries[::5]:
        for p in {e.prefix, *e.prefix.subnets(new_prefix=min(e.prefix.prefixlen + 2, 32))}:
            assert permitted.contains(p) == (prefix_list_matches(pl, p) is Action.PERMIT), p
    assert permitted == prefix_list_permits(pl)
    assert prefix_list_permits(pl, implicit_deny=False) == permitted | (
        PrefixSet.all(Afi.IPV4) - reduce(PrefixSet.union, (PrefixSet.from_entry(e) for e in entries))
    )


# --------------------------------------------------------------------------- fast paths
# combine returns an operand when the result equals it, first_match unions permit-only lists
# directly, a length-only restriction skips sets it keeps whole or removes entirely, and
# per-set interval profiles are memoized by identity: each is checked against brute force.


def window_members(version: int, s: PrefixSet) -> list[IPNetwork]:
    return [p for p in MEMBERS[version] if s.contains(p)]


def canonical_in_window(version: int, s: PrefixSet) -> bool:
    """``s`` (inside the small universe) equals the set built from its enumerated members."""
    return PrefixSet.of_prefixes(window_members(version, s)) == s


@settings(max_examples=250, deadline=None)
@given(models())
def test_nested_operands_agree_with_brute_force(
    data: tuple[int, list[Model], list[Model], list[Model]],
) -> None:
    version, ma, mb, _ = data
    base, deepest = UNIVERSES[version]
    window = PrefixSet.of_range(base, base.prefixlen, deepest)
    a, b = build(ma) & window, build(mb) & window
    sup, sub = a | b, a & b  # sub <= a <= sup
    cases: dict[str, tuple[PrefixSet, Callable[[bool, bool], bool]]] = {
        "sup&a": (sup & a, lambda ia, ib: ia),
        "a&sup": (a & sup, lambda ia, ib: ia),
        "sub&a": (sub & a, lambda ia, ib: ia and ib),
        "a|sub": (a | sub, lambda ia, ib: ia),
        "sub|a": (sub | a, lambda ia, ib: ia),
        "sup|a": (sup | a, lambda ia, ib: ia or ib),
        "a-sup": (a - sup, lambda ia, ib: False),
        "sup-sub": (sup - sub, lambda ia, ib: ia != ib),
        "a-sub": (a - sub, lambda ia, ib: ia and not ib),
    }
    for name, (got, expect) in cases.items():
        for p in MEMBERS[version]:
            assert got.contains(p) == expect(in_model(ma, p), in_model(mb, p)), (name, p)
        assert canonical_in_window(version, got), name
    assert sup & a == a and a | sub == a and (a - sup).is_empty()
    assert sub.issubset(a) and a.issubset(sup)


@settings(max_examples=150, deadline=None)
@given(models())
def test_equal_copies_give_equal_results(data: tuple[int, list[Model], list[Model], list[Model]]) -> None:
    """Results memoized for one set object are those of an equal, distinct object."""
    _, ma, mb, _ = data
    a, b = build(ma), build(mb)
    a2 = PrefixSet(tuple(list(a.v4_nodes)), tuple(list(a.v6_nodes)))
    b2 = PrefixSet(tuple(list(b.v4_nodes)), tuple(list(b.v6_nodes)))
    for x, y in ((a, b), (a2, b), (a, b2), (a2, b2)):
        assert (x & y, x | y, x - y, y - x) == (a & b, a | b, a - b, b - a)


@st.composite
def permit_only_lists(draw: st.DrawFn) -> tuple[int, list[Model]]:
    version = draw(st.sampled_from([4, 6]))
    return version, draw(st.lists(ranges(version), max_size=8))


@settings(max_examples=250, deadline=None)
@given(permit_only_lists())
def test_permit_only_prefix_list_is_union(data: tuple[int, list[Model]]) -> None:
    version, items = data
    entries = []
    for i, (net, low, high) in enumerate(items):
        ge = low if low != net.prefixlen else None
        le = high if (high != net.max_prefixlen or ge is None) else None
        entries.append(entry(5 * (i + 1), "permit", str(net), ge, le))
    pl = plist("PL", *entries, afi=Afi.IPV4 if version == 4 else Afi.IPV6)
    permitted = prefix_list_permits(pl)
    for p in MEMBERS[version]:
        assert permitted.contains(p) == (prefix_list_matches(pl, p) is Action.PERMIT), p
    assert permitted == build(items)


@settings(max_examples=250, deadline=None)
@given(models(), st.integers(0, 32), st.integers(0, 128))
def test_length_only_restriction(
    data: tuple[int, list[Model], list[Model], list[Model]], v4_len: int, v6_len: int
) -> None:
    version, ma, _, _ = data
    a = build(ma)
    longer = PrefixSet.longer_than(v4_len, v6_len)
    limit = v4_len if version == 4 else v6_len
    inter, rest = a & longer, a - longer
    for p in MEMBERS[version]:
        ia = in_model(ma, p)
        assert inter.contains(p) == (ia and p.prefixlen > limit), p
        assert rest.contains(p) == (ia and p.prefixlen <= limit), p
    assert inter | rest == a
    assert inter == longer & a
