"""The BGPy side of bench_whatif.py, run by an interpreter that has ``bgpy-pkg`` installed.

Reads a JSON request on stdin: the CAIDA file, the prefix and one or more runs of announcements
as pseudo origin ASes (one per site and neighbor, attached below the neighbor; every run uses the
same pseudo ASes), builds BGPy's AS graph once from the local file (its downloader needs the
Internet), propagates each run with BGPy's SimulationEngine and writes, as JSON on stdout, the
times taken and, for every AS, the pseudo origin its best route leads to.
"""

from __future__ import annotations

import bz2
import gzip
import importlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _text(path: str) -> str:
    raw = Path(path).read_bytes()
    if raw[:3] == b"BZh":
        raw = bz2.decompress(raw)
    elif raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", "replace")


def main() -> None:
    req: dict[str, Any] = json.load(sys.stdin)
    base = importlib.import_module("bgpy.as_graphs.base")
    caida = importlib.import_module("bgpy.as_graphs.caida_as_graph")
    engine_mod = importlib.import_module("bgpy.simulation_engine")
    framework = importlib.import_module("bgpy.simulation_framework")
    enums = importlib.import_module("bgpy.shared.enums")

    t0 = time.perf_counter()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write(_text(req["topology"]))
        plain = Path(fh.name)
    constructor = caida.CAIDAASGraphConstructor(tsv_path=None)
    info = constructor._get_as_graph_info(plain)
    cp = set(info.customer_provider_links)
    peers = set(info.peer_links)
    for pseudo, neighbor, learned, _length in req["runs"][0]:
        if learned == "customer":  # the neighbor is the site's provider
            cp.add(base.CustomerProviderLink(customer_asn=pseudo, provider_asn=neighbor))
        elif learned == "provider":
            cp.add(base.CustomerProviderLink(customer_asn=neighbor, provider_asn=pseudo))
        else:
            peers.add(base.PeerLink(pseudo, neighbor))
    info = base.ASGraphInfo(
        customer_provider_links=frozenset(cp), peer_links=frozenset(peers),
        ixp_asns=info.ixp_asns, input_clique_asns=info.input_clique_asns,
    )  # fmt: skip
    graph = caida.CAIDAASGraph(info)
    engine = engine_mod.SimulationEngine(graph)
    t1 = time.perf_counter()

    runs = [
        _propagate(engine_mod, framework, enums, graph, engine, req["prefix"], seeds) for seeds in req["runs"]
    ]
    json.dump({"build_s": t1 - t0, "runs": runs}, sys.stdout)


def _propagate(  # noqa: PLR0917
    engine_mod: Any, framework: Any, enums: Any, graph: Any, engine: Any, prefix: str, seeds: list[Any]
) -> dict[str, Any]:
    anns = tuple(
        engine_mod.Announcement(
            prefix=prefix,
            as_path=(pseudo,) * length,
            next_hop_asn=pseudo,
            seed_asn=pseudo,
            recv_relationship=enums.Relationships.ORIGIN,
        )
        for pseudo, _n, _l, length in seeds
    )
    config = framework.ScenarioConfig(
        ScenarioCls=framework.VictimsPrefix,
        override_announcements=anns,
        override_victim_asns=frozenset(p for p, *_ in seeds),
        override_attacker_asns=frozenset(),
        num_attackers=0,
        num_victims=len(seeds),
        override_adopting_asns=frozenset(),
    )
    scenario = framework.VictimsPrefix(scenario_config=config, engine=engine)
    t2 = time.perf_counter()
    engine.setup(scenario)
    engine.run(propagation_round=0, scenario=scenario)
    t3 = time.perf_counter()
    out: dict[str, int | None] = {}
    for as_obj in graph:
        ann = as_obj.policy.local_rib.get(prefix)
        out[str(as_obj.asn)] = None if ann is None else int(ann.origin)
    return {"propagate_s": t3 - t2, "sites": out}


if __name__ == "__main__":
    main()
