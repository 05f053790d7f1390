"""policylint whatif on the real Internet AS graph, with BGPy beside it from the same run.

    python benchmarks/bench_whatif.py                          # our figures + BGPy if available
    python benchmarks/bench_whatif.py --bgpy-python /path/to/venv/bin/python
    python benchmarks/bench_whatif.py --no-bgpy
    python benchmarks/bench_whatif.py --lab 200                # also the 200-AS FRR lab (root, ~3 GiB)

Input: the CAIDA serial-2 graph of 2025-09-01 from ``$POLICYLINT_SHARED/data/caida`` (default
``<repo>/../shared``); skipped with a message when absent.  A 3-site anycast service (AS64500,
192.0.2.0/24: tokyo behind AS2914+AS2516, amsterdam behind AS1299+AS3356, newyork behind
AS174+AS6939) is written as FRR configs; the proposed change adds three prepends toward AS2914 at
tokyo.  Measured: topology load cold (parse + cache write) and cached; one propagation; one whole
what-if (base + proposed + diff + JSON report, configs already parsed); the end-to-end CLI run;
the 20-site ``--failures`` sweep; peak memory (max RSS of this process).

BGPy (``pip install bgpy-pkg``, best in its own virtualenv: it brings many dependencies) runs in a child
interpreter (benchmarks/bgpy_peer.py) on the same local file with the same announcements: each
(site, neighbor) announcement becomes a pseudo origin AS 64500+j below the neighbor, ordered by
site so that BGPy's lowest-neighbor-ASN tie-break orders sites like ours (no real AS numbers lie
in 64496-64519).  Its per-AS choice is compared with ours for every AS.  Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import atexit
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POLICYLINT_SHARED", str(REPO.parent / "shared")))
CAIDA = SHARED / "data" / "caida" / "20250901.as-rel2.txt.bz2"
ORIGIN = 64500
PREFIX = "192.0.2.0/24"
SITES3 = {"amsterdam": (1299, 3356), "newyork": (174, 6939), "tokyo": (2914, 2516)}
TRANSITS = [
    174, 209, 701, 1239, 1273, 1299, 2497, 2516, 2914, 3257, 3320, 3356, 3491, 4637, 5511,
    6453, 6461, 6762, 6830, 6939, 7018, 7473, 9002, 12956, 31133, 4134, 4809, 7922, 20485, 1221,
]  # fmt: skip


def site_conf(name: str, index: int, uplinks: tuple[int, ...], sets: dict[int, str] | None = None) -> str:
    lines = [
        "frr version 8.4", "frr defaults traditional", f"hostname {name}",
        f"ip prefix-list ANYCAST seq 5 permit {PREFIX}",
        f"router bgp {ORIGIN}", f" bgp router-id 198.18.{index}.1",
    ]  # fmt: skip
    for j, asn in enumerate(uplinks):
        lines += [f" neighbor 198.18.{index}.{4 * j + 2} remote-as {asn}"]
        lines += [f" neighbor 198.18.{index}.{4 * j + 2} local-role customer"]
    lines += [" address-family ipv4 unicast", f"  network {PREFIX}"]
    for j, asn in enumerate(uplinks):
        lines += [f"  neighbor 198.18.{index}.{4 * j + 2} route-map IN-NONE in"]
        lines += [f"  neighbor 198.18.{index}.{4 * j + 2} route-map TO-AS{asn} out"]
    lines += [" exit-address-family", "exit", "route-map IN-NONE deny 10"]
    for asn in uplinks:
        lines += [f"route-map TO-AS{asn} permit 10", " match ip address prefix-list ANYCAST"]
        if sets and asn in sets:
            lines.append(f" {sets[asn]}")
    return "\n".join(lines) + "\n"


def write_sites(
    directory: Path, sites: Mapping[str, tuple[int, ...]], sets: dict[str, dict[int, str]]
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for i, (name, uplinks) in enumerate(sorted(sites.items())):
        (directory / f"{name}.conf").write_text(site_conf(name, i + 1, uplinks, sets.get(name)))


def write_tokyo_prepend(work: Path) -> None:
    """The benchmarks' scenario under ``work``: ``base/`` has the three sites as they are,
    ``proposed/`` has tokyo prepending three times toward AS2914."""
    write_sites(work / "base", dict(SITES3), {})
    prepend = f"set as-path prepend {ORIGIN} {ORIGIN} {ORIGIN}"
    write_sites(work / "proposed", dict(SITES3), {"tokyo": {2914: prepend}})


def timed(fn: Callable[[], Any], runs: int = 1) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def row(what: str, ours: str, peer: str = "") -> None:
    print(f"| {what:<44} | {ours:>22} | {peer:>26} |")


def find_bgpy(explicit: str | None) -> str | None:
    candidates = [explicit] if explicit else [sys.executable, os.environ.get("BGPY_PYTHON")]
    for py in candidates:
        if py and subprocess.run([py, "-c", "import bgpy"], capture_output=True, check=False).returncode == 0:
            return py
    return None


def run_bgpy(py: str, runs: list[list[tuple[int, int, str, int]]]) -> dict[str, Any]:
    req = json.dumps({"topology": str(CAIDA), "prefix": PREFIX, "runs": runs})
    proc = subprocess.run(
        [py, str(REPO / "benchmarks" / "bgpy_peer.py")], input=req, capture_output=True, text=True,
        check=False, timeout=1800,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "BGPy failed")
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


def bench_internet(args: argparse.Namespace) -> None:
    from policylint.whatif import report_json
    from policylint.whatif.inputs import load_config_set
    from policylint.whatif.propagate import Settings, propagate
    from policylint.whatif.scenario import Inputs, compare, failures
    from policylint.whatif.sites import Change, find_services, seeds
    from policylint.whatif.topology import load_topology

    work = Path(tempfile.mkdtemp(prefix="bench-whatif-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    os.environ["POLICYLINT_CACHE_DIR"] = str(work / "cache")
    cold, topo = timed(lambda: load_topology(str(CAIDA)))
    cached, topo = timed(lambda: load_topology(str(CAIDA)), runs=3)
    print(f"\ntopology: {CAIDA.name}: {topo.size:,} ASes, {topo.links:,} links\n")
    row("benchmark", "policylint", "BGPy")
    row("-" * 44, "-" * 22, "-" * 26)
    row("topology load, cold (parse + write cache)", f"{cold:.2f} s")
    row("topology load, cached", f"{cached:.3f} s")

    write_tokyo_prepend(work)
    base = load_config_set(str(work / "base")).network
    proposed = load_config_set(str(work / "proposed")).network
    inputs = Inputs(topo)
    svc = find_services([base])[0]
    anns = inputs.backend.announcements(base, svc, topo, Change())
    import ipaddress

    prefix = ipaddress.ip_network(PREFIX)
    seed_list = seeds(svc, anns, prefix)
    one, cat = timed(lambda: propagate(topo, prefix, seed_list, Settings()), runs=5)

    def whole() -> str:
        diffs = compare(inputs, base, proposed)
        buf = io.StringIO()
        header = report_json.Header("base", "proposed", str(CAIDA), topo.size, topo.links, None)
        report_json.write(buf, header, [report_json.service(d, False) for d in diffs], "compare", 0, 0.0)
        return buf.getvalue()

    full, doc_text = timed(whole, runs=3)
    moved = json.loads(doc_text)["services"][0]["moved"]
    cli_cmd = [sys.executable, "-m", "policylint", "whatif", str(work / "base"), str(work / "proposed"),
               "--topology", str(CAIDA), "--format", "json"]  # fmt: skip
    cli, _ = timed(lambda: subprocess.run(cli_cmd, capture_output=True, check=True))

    twenty = {
        f"site{i:02d}": (TRANSITS[i % len(TRANSITS)], TRANSITS[(i * 7 + 3) % len(TRANSITS)])
        for i in range(20)
    }
    write_sites(work / "twenty", twenty, {})
    base20 = load_config_set(str(work / "twenty")).network
    sweep, result = timed(lambda: failures(inputs, base20))
    n_runs = sum(len(r) for _, r in result)

    prop_anns = inputs.backend.announcements(proposed, svc, topo, Change())
    prop_seeds = seeds(svc, prop_anns, prefix)
    prop_cat = propagate(topo, prefix, prop_seeds, Settings())

    py = None if args.no_bgpy else find_bgpy(args.bgpy_python)
    bgpy: dict[str, Any] | None = None
    bgpy_error = "not run (--no-bgpy)" if args.no_bgpy else "bgpy-pkg not importable (see --bgpy-python)"
    pseudo: dict[int, int] = {}
    if py is not None:
        runs = []
        for seed_set in (seed_list, prop_seeds):
            ordered = sorted(seed_set, key=lambda s: (s.site, s.neighbor))
            runs.append([(ORIGIN + j, s.neighbor, s.learned_as, len(s.path)) for j, s in enumerate(ordered)])
            pseudo = {ORIGIN + j: s.site for j, s in enumerate(ordered)}
        try:
            bgpy = run_bgpy(py, runs)
        except (RuntimeError, subprocess.SubprocessError, json.JSONDecodeError) as exc:
            bgpy_error = f"failed: {exc}"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    build = f"{bgpy['build_s']:.2f} s" if bgpy else bgpy_error
    row("AS graph build (BGPy: from the same file)", f"{cold:.2f} s / {cached:.3f} s", build)
    if bgpy:
        prop_s = bgpy["runs"][0]["propagate_s"]
        theirs = f"{prop_s:.2f} s ({prop_s / one:,.0f}x)"
    else:
        theirs = bgpy_error
    row("one propagation (3 sites, 6 announcements)", f"{one * 1000:.1f} ms", theirs)
    row("whole whatif (base+proposed+diff+JSON)", f"{full * 1000:.0f} ms", "")
    row("CLI end to end (process, configs, cache)", f"{cli:.2f} s", "")
    row(f"--failures sweep ({n_runs} withdrawals, 20 sites)", f"{sweep:.2f} s", "")
    row("peak memory (max RSS)", f"{peak:.0f} MiB", f"{child_peak:.0f} MiB" if bgpy else "")
    print(f"\nproposed change (3 prepends toward AS2914 at tokyo) moves {moved['weight']:.1f}% of the ASes "
          f"({moved['ases']:,})")  # fmt: skip
    tied = int(((cat.mask & (cat.mask - 1)) != 0).sum())
    print(f"base: {int((cat.site >= 0).sum()):,} ASes reached, {tied:,} tied between sites")
    if bgpy is not None:
        for label, ours_cat, run in (("base", cat, bgpy["runs"][0]), ("proposed", prop_cat, bgpy["runs"][1])):
            result = compare_bgpy(topo.asns.tolist(), ours_cat, run["sites"], pseudo)
            print(f"per-AS site vs BGPy, {label}: {result}")


def compare_bgpy(asns: list[int], cat: Any, theirs: dict[str, int | None], pseudo: dict[int, int]) -> str:
    same = differ = differ_in_tie = 0
    examples: list[str] = []
    for i, asn in enumerate(asns):
        ours = int(cat.site[i])
        t = theirs.get(str(asn))
        tsite = pseudo.get(t) if t is not None else None
        if (ours if ours >= 0 else None) == tsite:
            same += 1
        else:
            differ += 1
            if tsite is not None and int(cat.mask[i]) >> tsite & 1:
                differ_in_tie += 1
            elif len(examples) < 5:
                examples.append(f"AS{asn}: ours {ours} BGPy {tsite}")
    detail = f"; e.g. {examples}" if examples else ""
    within = f"{differ_in_tie:,} of them within our reported tie"
    return f"{same:,} identical, {differ:,} different ({within}){detail}"


def bench_lab(size: int) -> None:
    env = dict(os.environ, POLICYLINT_LAB_200="1")
    if size > 100:
        for fam in ("ipv4", "ipv6"):
            for k, v in (("1", "4096"), ("2", "8192"), ("3", "16384")):
                subprocess.run(["sysctl", "-qw", f"net.{fam}.neigh.default.gc_thresh{k}={v}"], check=False)
    test = str(REPO / "tests" / "test_whatif_lab.py")
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-s",
        "-p",
        "no:cacheprovider",
        test,
        "-k",
        f"lab_{size}_ases",
    ]
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, check=False, cwd=REPO)
    took = time.perf_counter() - t
    print(f"\n{size}-AS FRR lab: exit {proc.returncode} in {took:.0f} s (bgpd memory: the 'lab:' line above)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bgpy-python", metavar="PYTHON", help="an interpreter with bgpy-pkg installed")
    ap.add_argument("--no-bgpy", action="store_true")
    ap.add_argument("--lab", type=int, choices=(10, 50, 200), help="also run the N-AS FRR lab")
    args = ap.parse_args()
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}")
    if CAIDA.exists():
        bench_internet(args)
    else:
        print(f"{CAIDA} is absent (set POLICYLINT_SHARED): Internet-scale benchmark skipped")
    if args.lab:
        bench_lab(args.lab)


if __name__ == "__main__":
    main()
