"""Propagation on small hand-made AS graphs whose answers are worked out by hand.

Notation in the comments: ``a > b`` means a provides transit to b, ``a = b`` means they peer;
sites announce from origin AS 65000 (not in the graphs unless said).
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import numpy as np
import pytest

from policylint.whatif.propagate import Catchment, Seed, Settings, propagate
from policylint.whatif.topology import Topology, build, parse_relationships
from policylint.whatif.vrps import load_vrps

P = ipaddress.ip_network("192.0.2.0/24")
ORIGIN = 65000


def graph(text: str) -> Topology:
    a, b, rel, mlp = parse_relationships("t", text)
    return build(a, b, rel, mlp, "t")


def view(topo: Topology, cat: Catchment) -> dict[int, tuple[int, list[int]]]:
    """asn -> (chosen site, sorted candidate sites); -1 when unreachable."""
    out = {}
    for i, asn in enumerate(topo.asns.tolist()):
        mask = int(cat.mask[i])
        out[asn] = (int(cat.site[i]), [s for s in range(63) if mask >> s & 1])
    return out


def up(site: int, asn: int, *path: int) -> Seed:
    """The site is a customer of ``asn``."""
    return Seed(site, asn, "customer", path or (ORIGIN,))


def test_customer_route_beats_shorter_peer_route() -> None:
    # 1 > 2 > 3, 1 = 4; site 0 is a customer of 3, site 1 of 4.
    # AS1: customer route 2 3 O (3 hops) vs peer route 4 O (2 hops): the customer route wins.
    t = graph("1|2|-1\n2|3|-1\n1|4|0\n")
    v = view(t, propagate(t, P, [up(0, 3), up(1, 4)], Settings()))
    assert v[1] == (0, [0])
    assert v[4] == (1, [1])
    assert v[2] == (0, [0])


def test_peer_route_beats_provider_route_and_lengths() -> None:
    # 10 > 11, 12 > 11, 12 = 13; site 0 customer of 10, site 1 customer of 13.
    # AS11 has provider routes from 10 (length 2) and from 12 (peer route 13 O at 12: length 3 at 11);
    # the shorter wins. AS12 keeps its peer route (11 does not export a provider route up).
    t = graph("10|11|-1\n12|11|-1\n12|13|0\n")
    cat = propagate(t, P, [up(0, 10), up(1, 13)], Settings())
    v = view(t, cat)
    assert v[11] == (0, [0])
    assert v[12] == (1, [1])
    i = t.index(11)
    assert i is not None and int(cat.cls[i]) == 2 and int(cat.length[i]) == 2


def test_valley_free_export() -> None:
    # 10 = 11 = 12: 11 learns a peer route from 10 and must not pass it to its other peer 12.
    # 20 > 21, 22 > 21: 21 learns a provider route from 20 and must not pass it up to 22.
    t = graph("10|11|0\n11|12|0\n20|21|-1\n22|21|-1\n10|20|0\n")
    v = view(t, propagate(t, P, [up(0, 10)], Settings()))
    assert v[11] == (0, [0])
    assert v[12] == (-1, [])
    assert v[20] == (0, [0])  # peer of 10, which has a customer route
    assert v[21] == (0, [0])  # customer of 20
    assert v[22] == (-1, [])  # would be a valley: 21's route is from its provider


def test_shortest_path_then_lowest_neighbor_asn_and_ties() -> None:
    # 100 > 101, 100 > 102, 100 > 103; site 0 behind 102, site 1 behind 101,
    # site 2 behind 103 with one prepend.
    # AS100: 101 O and 102 O tie at length 2 -> candidates {0, 1}; lowest neighbor ASN 101 -> site 1.
    # AS200 (customer of 100) inherits the tie.
    t = graph("100|101|-1\n100|102|-1\n100|103|-1\n100|200|-1\n")
    seeds = [up(0, 102), up(1, 101), up(2, 103, ORIGIN, ORIGIN)]
    v = view(t, propagate(t, P, seeds, Settings()))
    assert v[100] == (1, [0, 1])
    assert v[200] == (1, [0, 1])
    assert v[103] == (2, [2])


def test_two_sites_behind_one_neighbor_tie_on_the_lower_site() -> None:
    t = graph("100|101|-1\n")
    v = view(t, propagate(t, P, [up(1, 101), up(0, 101)], Settings()))
    assert v[101] == (0, [0, 1])
    assert v[100] == (0, [0, 1])


def test_foreign_asn_prepend_poisons_that_as() -> None:
    # 100 > 101, 100 > 102, 300 > 100. Site 0 (behind 101) prepends AS300,
    # site 1 (behind 102) prepends O twice.
    # 100 prefers site 0 (shorter); 300 drops site 0's route (its own ASN is in the path), and 100 only
    # sends its best route, so 300 has nothing. 101 itself accepts.
    t = graph("100|101|-1\n100|102|-1\n300|100|-1\n")
    seeds = [up(0, 101, ORIGIN, 300), up(1, 102, ORIGIN, ORIGIN, ORIGIN)]
    v = view(t, propagate(t, P, seeds, Settings()))
    assert v[101] == (0, [0])
    assert v[100] == (0, [0])
    assert v[300] == (-1, [])
    # a site that prepends the neighbor's own ASN is dropped by that neighbor
    v2 = view(t, propagate(t, P, [up(0, 101, ORIGIN, 101), up(1, 102)], Settings()))
    assert v2[101] == (1, [1])


def test_no_export_is_used_but_not_passed_on() -> None:
    # 100 > 101 > (site 0, NO_EXPORT); 100 > 102 > (site 1).
    t = graph("100|101|-1\n100|102|-1\n101|103|-1\n")
    seeds = [Seed(0, 101, "customer", (ORIGIN,), no_export=True), up(1, 102)]
    v = view(t, propagate(t, P, seeds, Settings()))
    assert v[101] == (0, [0])
    assert v[100] == (1, [1])  # 101 does not export site 0's route


def test_no_export_blocks_the_customer_cone() -> None:
    t = graph("100|101|-1\n100|102|-1\n101|103|-1\n")
    seeds = [Seed(0, 101, "customer", (ORIGIN,), no_export=True), up(1, 102)]
    v = view(t, propagate(t, P, seeds, Settings()))
    assert v[103] == (-1, [])


def test_provider_and_peer_attachments() -> None:
    # the site is a provider of 50 (50 learns a provider route) and peers with 60.
    # 50 passes it only to its customer 51; 60 passes it only to its customer 61; 70 > 60 gets nothing.
    t = graph("50|51|-1\n60|61|-1\n70|60|-1\n40|50|-1\n")
    seeds = [Seed(0, 50, "provider", (ORIGIN,)), Seed(1, 60, "peer", (ORIGIN,))]
    v = view(t, propagate(t, P, seeds, Settings()))
    assert v[50] == (0, [0]) and v[51] == (0, [0])
    assert v[60] == (1, [1]) and v[61] == (1, [1])
    assert v[70] == (-1, []) and v[40] == (-1, [])


def test_customer_route_via_provider_seed_is_overridden() -> None:
    # 50 is the site's customer (provider route at 50) but also reaches site 1 via its own customer 52:
    # the customer route wins although it is longer.
    t = graph("50|52|-1\n")
    seeds = [Seed(0, 50, "provider", (ORIGIN,)), up(1, 52, ORIGIN, ORIGIN)]
    v = view(t, propagate(t, P, seeds, Settings()))
    assert v[50] == (1, [1])


def test_prefix_length_limit() -> None:
    t = graph("100|101|-1\n")
    long4 = ipaddress.ip_network("192.0.2.0/25")
    cat = propagate(t, long4, [up(0, 101)], Settings())
    assert not cat.reached.any()
    assert "longer than /24" in cat.notes[0]
    assert propagate(t, long4, [up(0, 101)], Settings(max_v4=25)).reached.all()
    v6 = ipaddress.ip_network("2001:db8::/48")
    assert propagate(t, v6, [up(0, 101)], Settings()).reached.all()
    assert not propagate(t, ipaddress.ip_network("2001:db8::/49"), [up(0, 101)], Settings()).reached.any()


def test_rov_enforcing_ases_drop_invalids(tmp_path: Path) -> None:
    # 100 > 101 > site; 200 > 101. 100 enforces ROV; the VRP says 192.0.2.0/24 belongs to AS64999.
    vrps = tmp_path / "vrps.json"
    vrps.write_text(json.dumps({"roas": [{"asn": 64999, "prefix": "192.0.2.0/24", "maxLength": 24}]}))
    t = graph("100|101|-1\n200|101|-1\n100|300|-1\n")
    settings = Settings(rov_ases=frozenset({100}), validator=load_vrps(str(vrps)))
    v = view(t, propagate(t, P, [up(0, 101)], settings))
    assert v[101] == (0, [0]) and v[200] == (0, [0])
    assert v[100] == (-1, []) and v[300] == (-1, [])
    # the right origin is valid: nobody drops it
    vrps.write_text(json.dumps({"roas": [{"asn": ORIGIN, "prefix": "192.0.2.0/23", "maxLength": 24}]}))
    settings = Settings(rov_ases=frozenset({100}), validator=load_vrps(str(vrps)))
    assert propagate(t, P, [up(0, 101)], settings).reached.all()


def test_unknown_neighbor_is_noted() -> None:
    t = graph("100|101|-1\n")
    cat = propagate(t, P, [up(0, 4242)], Settings())
    assert not cat.reached.any()
    assert any("AS4242 is not in the topology" in n for n in cat.notes)


def test_chain_lengths_and_classes() -> None:
    # 1 > 2 > 3 > 4; site customer of 4 with two prepends: lengths grow by one per hop.
    t = graph("1|2|-1\n2|3|-1\n3|4|-1\n3|5|-1\n")
    cat = propagate(t, P, [up(0, 4, ORIGIN, ORIGIN, ORIGIN)], Settings())
    lengths = {int(a): int(cat.length[i]) for i, a in enumerate(t.asns)}
    assert lengths == {1: 6, 2: 5, 3: 4, 4: 3, 5: 5}
    classes = {int(a): int(cat.cls[i]) for i, a in enumerate(t.asns)}
    assert classes == {1: 0, 2: 0, 3: 0, 4: 0, 5: 2}
    assert np.all(cat.site == 0)


@pytest.mark.parametrize("seed_value", range(20))
def test_matches_networkx_reference_on_random_graphs(seed_value: int) -> None:
    """Random valley-free hierarchies: the array engine equals a plain per-AS reference solver."""
    import random

    from whatif_reference import random_hierarchy, reference

    rng = random.Random(seed_value)
    text, stubs = random_hierarchy(rng, 80)
    t = graph(text)

    def poison() -> tuple[int, ...]:
        return (rng.choice([100, 101, *range(200, 220)]),) if rng.random() < 0.25 else ()

    kinds = ["customer", "customer", "customer", "peer", "provider"]
    targets = rng.sample(stubs, 4) + rng.sample(range(200, 215), 2)
    seeds = [
        Seed(
            k % 5,
            asn,
            rng.choice(kinds),
            (ORIGIN,) * rng.randint(1, 3) + poison(),
            no_export=rng.random() < 0.15,
        )
        for k, asn in enumerate(targets)
    ]
    cat = propagate(t, P, seeds, Settings())
    ref = reference(text, seeds)
    got = {a: (s, c) for a, (s, c) in view(t, cat).items()}
    assert got == ref
