"""The what-if inputs on the real data in ../shared (CAIDA 2025 graph, rpki-client VRPs); skipped when absent.

``POLICYLINT_SHARED`` points at the shared directory (default: ``<repo>/../shared``).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import numpy as np
import pytest

from policylint.model import RpkiState
from policylint.whatif.propagate import Seed, Settings, propagate
from policylint.whatif.topology import load_topology
from policylint.whatif.vrps import load_vrps

SHARED = Path(os.environ.get("POLICYLINT_SHARED", str(Path(__file__).resolve().parents[2] / "shared")))
CAIDA = SHARED / "data" / "caida" / "20250901.as-rel2.txt.bz2"
VRPS = SHARED / "data" / "rpki" / "rpkiclient_summary_20250720T093135Z.json.bz2"

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not CAIDA.exists(), reason=f"{CAIDA} is absent")
def test_caida_2025_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path))
    topo = load_topology(str(CAIDA))
    assert (topo.size, topo.links) == (78_643, 570_696)  # as SOURCE.md states
    assert topo.providers.idx.size == topo.customers.idx.size == 161_166
    assert topo.peers.idx.size == 2 * 409_530
    again = load_topology(str(CAIDA))
    assert again.cached and np.array_equal(again.peers.idx, topo.peers.idx)
    prefix = ipaddress.ip_network("192.0.2.0/24")
    seeds = [
        Seed(0, 174, "customer", (64500,)),
        Seed(1, 3356, "customer", (64500,)),
        Seed(2, 2914, "customer", (64500,)),
    ]
    cat = propagate(topo, prefix, seeds, Settings())
    assert cat.reached.mean() > 0.99
    assert {int(s) for s in np.unique(cat.site[cat.reached])} == {0, 1, 2}
    # the three transits keep their own customer routes
    for site, asn in enumerate((174, 3356, 2914)):
        i = topo.index(asn)
        assert i is not None and int(cat.site[i]) == site and int(cat.cls[i]) == 0


@pytest.mark.skipif(not VRPS.exists(), reason=f"{VRPS} is absent")
def test_rpki_client_snapshot() -> None:
    vrps = load_vrps(str(VRPS))
    assert len(vrps) == 723_521
    net = ipaddress.ip_network
    assert vrps.state(net("1.1.1.0/24"), 13335) is RpkiState.VALID  # spot checks from SOURCE.md
    assert vrps.state(net("8.8.8.0/24"), 15169) is RpkiState.VALID
    assert vrps.state(net("1.1.1.0/24"), 64500) is RpkiState.INVALID
    assert vrps.state(net("192.0.2.0/24"), 64500) is RpkiState.NOTFOUND
