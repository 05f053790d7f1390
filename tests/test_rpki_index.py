"""RFC 6811 origin validation: the compact index against a brute-force reading of the RFC."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network

from hypothesis import given, settings
from hypothesis import strategies as st

from policylint.model import IPNetwork, RpkiState
from policylint.rpki import load_vrps_text, validator
from policylint.rpki.batch import CODES, classify
from policylint.rpki.batch import available as batch_available
from policylint.rpki.index import VrpIndex
from policylint.rpki.loaders import VrpRow
from policylint.rpki.store import dumps, loads


def brute(rows: list[VrpRow], prefix: IPNetwork, origin: int | None) -> RpkiState:
    """RFC 6811 §2 literally: covered by any VRP? matched by one?"""
    covered = False
    for version, network, length, max_length, asn in rows:
        vrp = ip_network((network, length))
        if version != prefix.version or not prefix.subnet_of(vrp):  # type: ignore[arg-type]
            continue
        covered = True
        if origin is not None and asn != 0 and asn == origin and prefix.prefixlen <= max_length:
            return RpkiState.VALID
    return RpkiState.INVALID if covered else RpkiState.NOTFOUND


# a small address space (10.0.0.0/8 and 2001:db8::/32) so that prefixes overlap a lot
@st.composite
def v4_prefix(draw: st.DrawFn) -> IPv4Network:
    length = draw(st.integers(8, 32))
    bits = draw(st.integers(0, 2**24 - 1))
    return IPv4Network(((10 << 24 | bits) >> (32 - length) << (32 - length), length))


@st.composite
def v6_prefix(draw: st.DrawFn) -> IPv6Network:
    length = draw(st.integers(32, 128))
    bits = draw(st.integers(0, 2**96 - 1))
    base = 0x20010DB8 << 96
    return IPv6Network(((base | bits) >> (128 - length) << (128 - length), length))


@st.composite
def vrp_row(draw: st.DrawFn) -> VrpRow:
    prefix = draw(st.one_of(v4_prefix(), v6_prefix()))
    max_length = draw(st.integers(prefix.prefixlen, prefix.max_prefixlen))
    asn = draw(st.sampled_from([0, 64500, 64501, 64502]))
    return (prefix.version, int(prefix.network_address), prefix.prefixlen, max_length, asn)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(vrp_row(), max_size=40),
    st.lists(
        st.tuples(st.one_of(v4_prefix(), v6_prefix()), st.sampled_from([None, 0, 64500, 64501, 64502])),
        min_size=1,
        max_size=30,
    ),
)
def test_index_matches_rfc6811_brute_force(
    rows: list[VrpRow], routes: list[tuple[IPNetwork, int | None]]
) -> None:
    # routes that are exactly VRP prefixes take state_of's exact-prefix table: draw them too
    routes = routes + [
        (ip_network((network, length)), origin)
        for _, network, length, _, _ in rows
        for origin in (None, 0, 64500, 64501)
    ]
    index = VrpIndex.from_rows(rows)
    restored = loads(dumps(index))  # the cache round trip, whose tables are built afresh
    batch = index.states([(p.version, int(p.network_address), p.prefixlen, o) for p, o in routes])
    for (prefix, origin), from_batch in zip(routes, batch, strict=True):
        expected = brute(rows, prefix, origin)
        assert index.state(prefix, origin) is expected, (prefix, origin)
        assert restored.state(prefix, origin) is expected
        assert from_batch is expected
        v = index.validate(prefix, origin)
        assert v.state is expected
        assert bool(v.covering) == (expected is not RpkiState.NOTFOUND)
        assert all(
            m.covers(prefix.version, int(prefix.network_address), prefix.prefixlen) for m in v.covering
        )
    if batch_available():
        for version in (4, 6):
            sel = [(p, o) for p, o in routes if p.version == version]
            nets = [int(p.network_address) for p, _ in sel]
            codes = classify(
                index,
                version,
                nets if version == 4 else [n.to_bytes(16, "big") for n in nets],
                [p.prefixlen for p, _ in sel],
                [o or 0 for _, o in sel],
            )
            assert [CODES[c] for c in codes] == [brute(rows, p, o) for p, o in sel]
    assert len(index) == len(set(rows))
    assert sorted((v.version, v.network, v.length, v.max_length, v.asn) for v in index.vrps()) == sorted(
        set(rows)
    )


def test_as0_covers_but_never_matches() -> None:
    index = load_vrps_text("ASN,IP Prefix,Max Length\nAS0,192.0.2.0/24,32\nAS64500,192.0.2.0/24,24\n")
    assert index(ip_network("192.0.2.0/24"), 64500) is RpkiState.VALID
    assert index(ip_network("192.0.2.0/25"), 64500) is RpkiState.INVALID
    assert index(ip_network("192.0.2.0/24"), 0) is RpkiState.INVALID
    assert index(ip_network("192.0.2.0/24"), None) is RpkiState.INVALID


def test_validator_protocol_function() -> None:
    check = validator(
        load_vrps_text('{"roas": [{"asn": 64500, "prefix": "2001:db8::/32", "maxLength": 48}]}')
    )
    assert check(ip_network("2001:db8:5::/48"), 64500) is RpkiState.VALID
    assert check(ip_network("2001:db8:5::/49"), 64500) is RpkiState.INVALID
    assert check(ip_network("2001:db9::/32"), 64500) is RpkiState.NOTFOUND


def test_nested_prefixes_report_every_covering_vrp_shortest_first() -> None:
    index = load_vrps_text(
        "ASN,IP Prefix,Max Length\nAS1,10.0.0.0/8,8\nAS2,10.1.0.0/16,24\n"
        "AS3,10.1.2.0/24,24\nAS4,10.2.0.0/16,16\n"
    )
    v = index.validate("10.1.2.0/24", 2)
    assert v.state is RpkiState.VALID
    assert [str(x) for x in v.covering] == [
        "10.0.0.0/8 maxLength 8 AS1",
        "10.1.0.0/16 maxLength 24 AS2",
        "10.1.2.0/24 maxLength 24 AS3",
    ]
    assert [x.asn for x in v.matched] == [2]
    assert index.validate("10.1.0.0/16", 3).state is RpkiState.INVALID  # AS3's /24 does not cover a /16
    assert index.validate("11.0.0.0/8", 1).state is RpkiState.NOTFOUND


def test_exact_table_inherits_only_reaching_ancestors() -> None:
    """The exact-prefix answers: own VRPs (AS0 excluded) plus ancestors whose maxLength
    reaches the prefix, however deep the nesting."""
    index = load_vrps_text(
        "ASN,IP Prefix,Max Length\nAS1,10.0.0.0/8,24\nAS2,10.0.0.0/8,8\nAS0,10.1.0.0/16,16\n"
        "AS3,10.1.2.0/24,24\nAS4,10.1.2.0/24,24\nAS5,10.1.2.0/28,28\nAS0,10.9.0.0/16,16\n"
    )
    state = index.state_of
    net = int(ip_network("10.1.2.0/24").network_address)
    assert [state(4, net, 24, asn) for asn in (1, 2, 3, 4, 5, 0, None)] == [
        RpkiState.VALID,
        RpkiState.INVALID,  # AS2's maxLength 8 does not reach /24
        RpkiState.VALID,
        RpkiState.VALID,
        RpkiState.INVALID,  # AS5's /28 does not cover a /24
        RpkiState.INVALID,
        RpkiState.INVALID,
    ]
    assert state(4, net, 28, 5) is RpkiState.VALID
    assert state(4, net, 28, 1) is RpkiState.INVALID  # AS1 reaches /24 only
    nine = int(ip_network("10.9.0.0/16").network_address)
    assert state(4, nine, 16, 1) is RpkiState.VALID  # AS0 covers, AS1's /8-24 matches
    assert state(4, nine, 16, 0) is RpkiState.INVALID
    only_as0 = load_vrps_text("ASN,IP Prefix,Max Length\nAS0,192.0.2.0/24,24\n")
    assert only_as0.state_of(4, int(ip_network("192.0.2.0/24").network_address), 24, 0) is RpkiState.INVALID
