"""Direct tests of the prefix-length (PX) and RPKI (RV) checks and the shared check helpers."""

from __future__ import annotations

from policylint.checks.common import ebgp_afs, neighbor_text, role_text
from policylint.checks.prefix_length import px101, px102, px103
from policylint.checks.rpki import rov_verdict, rv101, rv102, rv103, rv104
from policylint.loader import load_text
from policylint.model import Afi, Device
from policylint.options import Options


def device(text: str) -> Device:
    res = load_text("t.conf", text)
    assert res is not None and len(res.devices) == 1
    dev = res.devices[0]
    assert not dev.issues and not dev.unsupported, (dev.issues, dev.unsupported)
    return dev


NEIGHBORS = """\
router bgp 64500
 neighbor 192.0.2.1 remote-as 64496
 neighbor 192.0.2.1 description TRANSIT-A upstream
 neighbor 192.0.2.3 remote-as 64512
 neighbor 192.0.2.3 local-role provider
 neighbor 192.0.2.5 remote-as 64513
 neighbor 10.0.0.2 remote-as 64500
 neighbor 2001:db8::9 remote-as external
exit
"""


def test_role_text_says_where_the_role_came_from() -> None:
    dev = device(NEIGHBORS)
    texts = [role_text(nb) for nb in dev.neighbors]
    assert texts[0] == "provider 192.0.2.1 AS64496 (role inferred from description 'TRANSIT-A upstream')"
    assert texts[1] == "customer 192.0.2.3 AS64512 (role from local-role)"
    assert texts[2] == "neighbor 192.0.2.5 AS64513 (role unknown)"
    assert texts[3] == "iBGP neighbor 10.0.0.2 AS64500 (iBGP by AS number)"
    assert neighbor_text(dev.neighbors[4]) == "2001:db8::9 (remote-as external)"


def test_ebgp_afs_skips_ibgp_and_inactive_families() -> None:
    dev = device(NEIGHBORS)
    pairs = [(nb.address, af.afi) for nb, af in ebgp_afs(dev)]
    assert ("10.0.0.2", Afi.IPV4) not in pairs
    assert ("192.0.2.1", Afi.IPV4) in pairs
    assert all(afi is Afi.IPV4 for _, afi in pairs)  # IPv6 is never activated here


ORIGINATE = """\
router bgp 64500
 address-family ipv4 unicast
  network 203.0.113.0/25
  network 198.51.100.0/26
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:1::/48
  network 2001:db8:2::/49
 exit-address-family
exit
"""


def test_px101_limits_per_family_and_options() -> None:
    dev = device(ORIGINATE)
    assert [f.span.line for f in px101(dev, Options())] == [3, 4, 8]
    assert [f.span.line for f in px101(dev, Options(max_v4_len=25, max_v6_len=49))] == [4]
    msg = next(iter(px101(dev, Options()))).message
    assert "longer than /24" in msg and "covering route" in msg


EXPORT = """\
router bgp 64500
 neighbor 192.0.2.1 remote-as 64496
 neighbor 192.0.2.1 local-role customer
 address-family ipv4 unicast
  network 203.0.113.0/24
  neighbor 192.0.2.1 route-map OUT out
  neighbor 192.0.2.1 prefix-list IN in
 exit-address-family
exit
ip prefix-list OWN seq 5 permit 203.0.113.0/24
ip prefix-list OWN seq 10 permit 203.0.113.0/24 le 26
ip prefix-list IN seq 5 permit 0.0.0.0/0 le 25
bgp community-list standard TAGGED permit 64500:1
route-map OUT permit 10
 match ip address prefix-list OWN
 match community TAGGED
exit
"""


def test_px102_points_at_the_entry_and_names_a_witness() -> None:
    dev = device(EXPORT)
    [finding] = list(px102(dev, Options()))
    assert finding.span.line == 11  # seq 10, not the exact seq 5
    assert "route-map OUT seq 10 (prefix-list OWN seq 10)" in finding.message
    assert "203.0.113.0/25" in finding.message  # a more-specific of our own /24
    assert "provider 192.0.2.1 AS64496 (role from local-role)" in finding.message
    assert "when its other match conditions hold" in finding.message  # community match
    assert list(px102(dev, Options(max_v4_len=26))) == []


def test_px103_respects_max_v4_len() -> None:
    dev = device(EXPORT)
    [finding] = list(px103(dev, Options()))
    assert finding.span.line == 12
    assert "hijack" in finding.message
    assert list(px103(dev, Options(max_v4_len=25))) == []


def test_px103_ipv6_limit_is_48() -> None:
    text = """\
router bgp 64500
 neighbor 2001:db8:ff::1 remote-as 64496
 address-family ipv6 unicast
  neighbor 2001:db8:ff::1 activate
  neighbor 2001:db8:ff::1 prefix-list IN6 in
 exit-address-family
exit
ipv6 prefix-list IN6 seq 5 permit ::/0 le {le}
"""
    assert list(px103(device(text.format(le=48)), Options())) == []
    [finding] = list(px103(device(text.format(le=49)), Options()))
    assert "longer than /48" in finding.message and finding.span.line == 8


RPKI = """\
rpki
 rpki cache 192.0.2.200 3323 preference 1
exit
router bgp 64500
 neighbor 192.0.2.1 remote-as 64496
 address-family ipv4 unicast
  neighbor 192.0.2.1 route-map IN in
 exit-address-family
exit
route-map ROV deny 5
 match rpki invalid
exit
route-map ROV permit 10
exit
"""


def test_rov_through_call_and_gap_before_drop() -> None:
    dev = device(RPKI + "route-map IN permit 10\n call ROV\nexit\n")
    assert rov_verdict(dev, "IN").drops
    assert list(rv102(dev, Options())) == []
    gap = device(RPKI + "route-map IN permit 5\nexit\nroute-map IN permit 10\n call ROV\nexit\n")
    verdict = rov_verdict(gap, "IN")
    assert not verdict.drops and verdict.gap is not None and verdict.gap.seq == 5
    [finding] = list(rv102(gap, Options()))
    assert finding.span.line == 7 and "seq 5 permits routes before" in finding.message


def test_rpki_rules_split_by_cache_presence() -> None:
    with_cache = device(RPKI + "route-map IN permit 10\n call ROV\nexit\n")
    no_cache = RPKI.replace(" rpki cache 192.0.2.200 3323 preference 1\n", "")
    without = device(no_cache + "route-map IN permit 10\nexit\n")
    assert list(rv101(with_cache, Options())) == [] and list(rv104(with_cache, Options())) == []
    assert [f.span.line for f in rv104(without, Options())] == [10]
    [none] = list(rv101(without, Options()))
    assert none.span.line == 1 and "1 eBGP session" in none.message
    assert list(rv102(without, Options())) == []  # RV101 covers a device without a cache


def test_rv103_names_the_neighbors_of_the_import_map() -> None:
    dev = device(RPKI + "route-map IN permit 10\n match rpki invalid\n set local-preference 50\nexit\n")
    [finding] = list(rv103(dev, Options()))
    assert finding.span.line == 15
    assert "192.0.2.1 AS64496" in finding.message and "only path" in finding.message
    assert list(rv102(dev, Options())) == []  # RV103's finding, not RV102's
