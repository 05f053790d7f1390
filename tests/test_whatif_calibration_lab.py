"""The calibrated what-if against a real FRR lab whose ASes break Gao-Rexford (issue 9, point 3).

A random hierarchy of about 30 ASes runs one ``bgpd`` per AS (tests/frrlab.py).  A quarter of the
ASes get a local-preference override (350, above the customer routes' 300) toward one of their
providers or peers: "a provider preferred over a peer", "a peer over a customer".  Three customer
sites announce the anycast prefix.  In the base state a few monitor ASes dump their RIB with FRR's
own ``dump bgp routes-mrt`` (each records every neighbor's best path, as a route collector peering
with those neighbors would); these MRT files are the observed paths.  One variant also measures the
catchment of half the stub ASes (as query logs would) and passes it as ``--measured-catchment``.

For each proposed change the lab's converged best paths are the truth.  The test reports, per
scenario and monitor count, how many ASes the plain model and the calibrated model place at their
true site, and asserts that

* every AS whose base route was observed is placed at its true base site (pins hold);
* calibration (monitors, measured catchment, or both) is never worse than the plain model over
  the scenarios together, and recovers the true site of ASes the plain model gets wrong.
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import pytest
from frrlab import Lab, lab_available
from frrlab_configs import Site, SiteConfig, SiteLink, parse_topology
from whatif_reference import random_hierarchy

from policylint.whatif.command import WhatifArgs, run

REASON = lab_available()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(REASON is not None, reason=REASON or "")]

SERVICE = "10.99.0.1"
PREPEND = "set as-path prepend 64500"


def _design(size: int, seed: int) -> tuple[str, list[Site], dict[int, dict[int, int]], list[int]]:
    rng = random.Random(seed)
    text, stubs = random_hierarchy(rng, size)
    links = parse_topology(text)
    up: dict[int, set[int]] = {}  # providers and peers
    degree: dict[int, int] = {}
    for a, b, rel in links:
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1
        up.setdefault(b, set()).add(a)
        if rel == 0:
            up.setdefault(a, set()).add(b)
    tier2 = sorted(b for b in up if 200 <= b < 300)
    a, b, c = rng.sample(stubs, 3)
    sites = [
        Site("s1", (SiteLink(a, "provider"), SiteLink(rng.choice(tier2), "provider"))),
        Site("s2", (SiteLink(b, "provider"),)),
        Site("s3", (SiteLink(c, "provider"),)),
    ]
    movable = sorted(x for x in up if degree[x] >= 2)
    breakers = rng.sample(movable, len(movable) // 4)
    prefer = {x: {rng.choice(sorted(up[x])): 350} for x in breakers}
    monitors = rng.sample(sorted(degree), 6)
    return text, sites, prefer, monitors


def _scenarios(sites: list[Site]) -> list[tuple[str, dict[str, SiteConfig], tuple[str, ...]]]:
    base = {"s1": SiteConfig(), "s2": SiteConfig(), "s3": SiteConfig()}
    s1 = [link.neighbor for link in sites[0].links]
    s3 = sites[2].links[0].neighbor
    return [
        ("prepend-x3-s1", {**base, "s1": SiteConfig(sets={n: (f"{PREPEND} 64500 64500",) for n in s1})}, ()),
        ("withdraw-s2", base, ("s2",)),
        ("prepend-x1-s3", {**base, "s3": SiteConfig(sets={s3: (PREPEND,)})}, ()),
        ("no-export-s1", {**base, "s1": SiteConfig(sets={s1[0]: ("set community no-export additive",)})}, ()),
    ]


def _write(lab: Lab, d: Path, configs: dict[str, SiteConfig]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    for name, cfg in configs.items():
        (d / f"{name}.conf").write_text(lab.config_text(name, cfg))
    return d


def _engine(base: Path, prop: Path, topo: Path, withdraw: tuple[str, ...], **cal: Any) -> dict[int, Any]:
    args = WhatifArgs(str(base), str(prop), withdraw, topology=str(topo), fmt="json", per_as=True, **cal)
    out = io.StringIO()
    code, errors = run(args, out)
    assert code == 0, errors
    doc = json.loads(out.getvalue())
    return {r["asn"]: r for r in doc["services"][0]["per_as"]}


def test_calibration_recovers_what_the_plain_model_gets_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))
    totals, recovered = run_calibration_lab(tmp_path, 30, seed=9)
    for label in totals:
        if label != "plain":
            assert totals[label] >= totals["plain"], (label, totals)
    assert totals["6 monitors + measured"] > totals["plain"], totals
    assert recovered > 0


def run_calibration_lab(tmp_path: Path, size: int, seed: int) -> tuple[dict[str, int], int]:
    """(AS placements right per variant over all scenarios, placements calibration fixed)."""
    text, sites, prefer, monitors = _design(size, seed)
    topo = tmp_path / "topology.txt"
    topo.write_text(text)
    scenarios = _scenarios(sites)
    base_cfg = scenarios[1][1]
    variants: dict[str, dict[str, Any]] = {"plain": {}}
    table: list[str] = []
    totals: dict[str, int] = {}
    recovered = 0
    with Lab(tmp_path / "lab", text, sites, prefer) as lab:
        lab.start(base_cfg)
        truth_base = lab.converge(SERVICE, set())
        base_dir = _write(lab, tmp_path / "base", base_cfg)
        dumps = []
        for m in monitors:
            dumps.append(tmp_path / f"as{m}.mrt")
            lab.dump_rib(m, dumps[-1])
        stubs = sorted(a for a in lab.ases if a >= 300)[::2]
        meas = tmp_path / "measured.csv"
        meas.write_text("".join(f"{a},{truth_base[a][0]}\n" for a in stubs if truth_base[a][0]))
        for k in (1, 3, 6):
            variants[f"{k} monitors"] = {"observed_paths": tuple(str(p) for p in dumps[:k])}
        variants["measured only"] = {"measured_catchment": str(meas)}
        variants["6 monitors + measured"] = {**variants["6 monitors"], "measured_catchment": str(meas)}
        for name, cfgs, withdraw in scenarios:
            lab.apply({k: v for k, v in cfgs.items() if k not in withdraw})
            truth = lab.converge(SERVICE, set(withdraw))
            prop = base_dir if withdraw else _write(lab, tmp_path / name, cfgs)
            plain_wrong = set()
            for label, cal in variants.items():
                rows = _engine(base_dir, prop, topo, withdraw, **cal)
                right = {a for a in lab.ases if rows[a]["after"] == truth[a][0]}
                totals[label] = totals.get(label, 0) + len(right)
                if label == "plain":
                    plain_wrong = set(lab.ases) - right
                else:
                    recovered += len(plain_wrong & right)
                    pinned = [a for a in lab.ases if rows[a]["basis"] == "observed"]
                    bad = [a for a in pinned if rows[a]["before"] != truth_base[a][0]]
                    assert not bad, f"{name}, {label}: observed ASes placed off their true base site: {bad}"
                table.append(f"{name:14} {label:22} {len(right):3}/{len(lab.ases)} ASes at their true site")
    n = len(scenarios) * len(lab.ases)
    print(f"\nGao-Rexford breakers: {sorted(prefer)}; monitors: {monitors}")
    print("\n".join(table))
    print("all scenarios: " + ", ".join(f"{k} {v}" for k, v in totals.items()) + f" (of {n})")
    return totals, recovered
