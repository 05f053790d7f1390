"""``--engine batfish`` against a real Batfish service: runs only when POLICYLINT_BATFISH_HOST is set
(e.g. ``docker run -p 9996:9996 batfish/allinone`` and ``POLICYLINT_BATFISH_HOST=localhost``).

It runs the conformance scenarios of the embedded engine (the FRR-lab scenarios of
tests/test_whatif_lab.py, with the same site configs bgpd runs there, plus the two-site FRR + IOS
network of the offline tests and the README samples) once with each engine and requires the same
answer for every AS: Batfish's view of the sites' exports must not change any catchment.  It also
puts the recorded answers of tests/fixtures/batfish to the test: the live answers for the two-site
network must match them.

None of this has run here: no Batfish service can run on the machine it was written on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HOST = os.environ.get("POLICYLINT_BATFISH_HOST")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not HOST, reason="POLICYLINT_BATFISH_HOST is not set (no Batfish service)"),
]

REPO = Path(__file__).resolve().parent.parent
NETWORK = REPO / "tests" / "fixtures" / "batfish" / "network"


def _whatif(engine: str, *args: str, cache: Path) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "policylint",
        "whatif",
        *args,
        "--format",
        "json",
        "--per-as",
        "--engine",
        engine,
    ]
    env = dict(os.environ, POLICYLINT_CACHE_DIR=str(cache))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


def _outcome(doc: dict[str, Any]) -> list[object]:
    return [(s["prefix"], s["before"], s["after"], s["per_as"]) for s in doc["services"]]


def _same(tmp_path: Path, *args: str) -> None:
    emb = _whatif("embedded", *args, cache=tmp_path / "cache")
    bf = _whatif("batfish", *args, cache=tmp_path / "cache")
    assert _outcome(bf) == _outcome(emb)


@pytest.mark.parametrize(
    "scenario",
    [(), ("--withdraw", "edge1"), ("--withdraw", "edge2"), ("--fail-session", "edge2:64497")],
    ids=["base", "withdraw-edge1", "withdraw-edge2", "fail-session"],
)
def test_two_site_network(tmp_path: Path, scenario: tuple[str, ...]) -> None:
    _same(tmp_path, str(NETWORK), *scenario)


def test_samples(tmp_path: Path) -> None:
    _same(tmp_path, str(REPO / "samples"))


def test_lab_scenarios(tmp_path: Path) -> None:
    """The 10-AS lab's eight scenarios, on the site configs bgpd runs in the lab."""
    from frrlab_configs import site_config
    from test_whatif_lab import _design, _scenarios

    topo_text, sites = _design(10, seed=10)
    topo = tmp_path / "topology.txt"
    topo.write_text(topo_text)
    addrs = {s.name: {link.neighbor: f"10.{100 + i}.{k}.1" for k, link in enumerate(s.links)}
             for i, s in enumerate(sites)}  # fmt: skip

    def write(directory: Path, configs: dict[str, Any]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for i, site in enumerate(sites):
            cfg = configs.get(site.name)
            if cfg is not None and cfg.up:
                (directory / f"{site.name}.conf").write_text(site_config(site, i, cfg, addrs[site.name]))

    scenarios = _scenarios(sites)
    base = tmp_path / "base"
    write(base, scenarios[0].configs)
    for sc in scenarios:
        prop = base if sc.withdraw else tmp_path / sc.name
        if not sc.withdraw:
            write(prop, sc.configs)
        extra = [a for w in sc.withdraw for a in ("--withdraw", w)]
        _same(tmp_path, str(base), str(prop), "--topology", str(topo), *extra)


def test_recorded_answers_match_the_service() -> None:
    """The offline fixtures say what Batfish answers for the two-site network: check it."""
    import ipaddress

    from batfish_recorded import frame_rows

    from policylint.batfish import answers
    from policylint.batfish.backend import PEER_EXPORT_POLICIES
    from policylint.batfish.client import InputRoute, PybatfishService
    from policylint.batfish.snapshots import Snapshots
    from policylint.loader import load_paths
    from policylint.model import Network
    from policylint.options import Options

    assert HOST is not None
    service = PybatfishService.connect(HOST)
    net = Network(tuple(d for r in load_paths([str(NETWORK)], Options()) for d in r.devices))
    snaps = Snapshots(service)
    try:
        loaded = snaps.of(net)
        for node in ("edge1", "edge2"):
            live = answers.rib_routes(service.bgp_rib(loaded.name, node, "192.0.2.0/24"))
            recorded = [r for r in answers.rib_routes(frame_rows("bgp_rib.json")) if r.node == node]
            assert [(r.network, r.protocol, r.as_path, r.best) for r in live if r.best] == [
                (r.network, r.protocol, r.as_path, r.best) for r in recorded
            ]
            rows = service.test_route_policies(
                loaded.name, node, PEER_EXPORT_POLICIES, [InputRoute("192.0.2.0/24")]
            )
            got = {(r.policy, r.permitted, r.as_path) for r in answers.policy_results(rows)}
            want = {
                (r.policy, r.permitted, r.as_path)
                for r in answers.policy_results(frame_rows("test_route_policies.json"))
                if r.node == node
            }
            assert got == want
            assert all(
                r.network == ipaddress.ip_network("192.0.2.0/24") for r in answers.policy_results(rows)
            )
    finally:
        snaps.close()
