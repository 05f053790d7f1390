"""Sites and announcements come from the configs through the shared evaluator."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from policylint.loader import load_paths
from policylint.model import Device, Network
from policylint.options import Options
from policylint.whatif.sites import Change, find_services, service_announcements
from policylint.whatif.topology import load_topology

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _network() -> Network:
    # the three FRR sites (samples/fra adds a Cisco edge and an ExaBGP speaker to the service)
    sites = [str(SAMPLES / site) for site in ("ams", "nyc", "sin")]
    return Network(tuple(d for r in load_paths(sites, Options()) for d in r.devices))


def test_services_group_more_specifics_and_sort_sites() -> None:
    services = find_services([_network()])
    assert [str(s.prefix) for s in services] == ["192.0.2.0/24", "2001:db8:53::/48"]
    v4 = services[0]
    assert [str(p) for p in v4.prefixes] == ["192.0.2.0/24", "192.0.2.128/25"]
    assert v4.sites == ("ams1", "nyc1", "sin1")
    # a named prefix nobody originates is no service; a named single-site prefix is one
    named = find_services([_network()], [ipaddress.ip_network("198.51.100.0/24")])
    assert [str(s.prefix) for s in named] == ["192.0.2.0/24", "2001:db8:53::/48"]


def test_announcements_follow_each_export_policy() -> None:
    net = _network()
    topo = load_topology(str(SAMPLES / "topology.txt"), use_cache=False)
    v4 = find_services([net])[0]
    anns = {
        (a.site, str(a.prefix), a.neighbor_asn): a
        for a in service_announcements(net, v4, topo)
        if a.permitted
    }
    # ams1: two prepends toward TRANSIT-A, one (reached through on-match next) toward TRANSIT-B
    assert anns[("ams1", "192.0.2.0/24", 64496)].path == (64500, 64500, 64500)
    assert anns[("ams1", "192.0.2.0/24", 64497)].path == (64500, 64500)
    # the typo'd foreign prepend toward the IX peer, and the peer sees a peer route
    peer = anns[("ams1", "192.0.2.0/24", 65551)]
    assert peer.path == (64500, 64501) and peer.learned_as == "peer"
    # the route server drops paths with its own ASN: none of its members gets anything
    assert not any(k[0] == "ams1" and k[2] in (65545, 65546) for k in anns)
    # nyc1 announces to its customers as their provider
    assert anns[("nyc1", "192.0.2.0/24", 64512)].learned_as == "provider"
    # sin1: seven prepends toward TRANSIT-C for the /24, the /25 only toward TRANSIT-C
    assert anns[("sin1", "192.0.2.0/24", 65536)].path == (64500,) * 8
    assert ("sin1", "192.0.2.128/25", 64496) not in anns
    assert anns[("sin1", "192.0.2.128/25", 65536)].path == (64500,)


def test_change_drops_sites_and_sessions() -> None:
    net = _network()
    topo = load_topology(str(SAMPLES / "topology.txt"), use_cache=False)
    v4 = find_services([net])[0]
    change = Change(withdraw=frozenset({"nyc1"}), fail_sessions=frozenset({("ams1", "198.51.100.2")}))
    kept = [a for a in service_announcements(net, v4, topo, change) if a.permitted]
    assert not any(a.site == "nyc1" for a in kept)
    assert not any(a.site == "ams1" and a.neighbor_asn == 64497 for a in kept)
    assert any(a.site == "ams1" and a.neighbor_asn == 64496 for a in kept)
    by_asn = Change(fail_sessions=frozenset({("sin1", "AS65536")}))
    assert not any(
        a.site == "sin1" and a.neighbor_asn == 65536 for a in service_announcements(net, v4, topo, by_asn)
    )


def _tiny(name: str, prefix: str) -> str:
    return (
        f"hostname {name}\nrouter bgp 64500\n neighbor 192.0.2.1 remote-as 64496\n"
        f" address-family ipv4 unicast\n  network {prefix}\n exit-address-family\n"
    )


def test_default_route_is_no_service_and_oversized_services_are_skipped() -> None:
    import pytest

    from policylint.loader import load_text
    from policylint.whatif.sites import ScenarioError

    devices: list[Device] = []
    for i in range(64):
        res = load_text(f"r{i}.conf", _tiny(f"r{i:02d}", "203.0.113.0/24"))
        assert res is not None
        devices.extend(res.devices)
    for i in range(2):
        res = load_text(f"d{i}.conf", _tiny(f"d{i}", "0.0.0.0/0"))
        assert res is not None
        devices.extend(res.devices)
    net = Network(tuple(devices))
    skipped: list[str] = []
    assert find_services([net], (), skipped) == []
    assert skipped == ["203.0.113.0/24: 64 sites; at most 63 per service are supported: skipped"]
    with pytest.raises(ScenarioError, match="64 sites"):
        find_services([net])
    small = Network(tuple(devices[:3]) + tuple(devices[-2:]))
    assert [str(s.prefix) for s in find_services([small])] == ["203.0.113.0/24"]


_NO_EXPORT_IOS = """hostname {name}
router bgp 64500
 neighbor 203.0.113.5 remote-as 64496
 address-family ipv4
  network 198.51.100.0 mask 255.255.255.0
  neighbor 203.0.113.5 activate
{send} neighbor 203.0.113.5 route-map SCOPE out
 exit-address-family
ip route 198.51.100.0 255.255.255.0 Null0
route-map SCOPE permit 10
 set community no-export additive
"""


def test_no_export_counts_only_when_the_session_sends_communities(tmp_path: Path) -> None:
    """IOS sends no communities without `send-community`: the neighbor never sees NO_EXPORT."""
    from policylint.whatif.sites import announce

    topo_file = tmp_path / "topo.txt"
    topo_file.write_text("64496|64500|-1\n")
    topo = load_topology(str(topo_file), use_cache=False)
    prefix = ipaddress.ip_network("198.51.100.0/24")
    scoped: dict[str, bool] = {}
    for name, send in (("quiet", ""), ("sending", "  neighbor 203.0.113.5 send-community\n")):
        res = load_text_ios(f"{name}.cfg", _NO_EXPORT_IOS.format(name=name, send=send))
        (ann,) = announce(res, prefix, topo)
        assert ann.permitted
        scoped[name] = ann.no_export
    assert scoped == {"quiet": False, "sending": True}


def load_text_ios(path: str, text: str) -> Device:
    from policylint.loader import load_text

    res = load_text(path, text, vendor="ios")
    assert res is not None and len(res.devices) == 1
    return res.devices[0]
