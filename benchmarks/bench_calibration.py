"""Calibrated what-if cost on the real Internet AS graph: loading a day of route-collector updates for
one prefix and calibrating, beside the propagation itself, from the same run (issue 9).

    python benchmarks/bench_calibration.py                    # 2,000 monitors x 20 records = 40,000
    python benchmarks/bench_calibration.py --monitors 4000 --records 10 --breakers 0.05
    python benchmarks/bench_calibration.py --lab 30:9 30:1 30:2 50:3  # FRR labs (root): accuracy

Input: the CAIDA serial-2 graph of 2025-09-01 from ``$POLICYLINT_SHARED/data/caida`` (default
``<repo>/../shared``); skipped with a message when absent.  The service is bench_whatif.py's 3-site
AS64500 192.0.2.0/24 (tokyo, amsterdam, newyork); the proposed change adds three prepends toward
AS2914 at tokyo.

``--table N`` makes the files raw collector files: N records about other prefixes (100.x.y.0/24)
follow each record about ours; they are skipped, MRT ones without being decoded.

Synthetic observations: a "true" Internet where a share of ASes (``--breakers``, default 3%) prefers
one of its providers or peers above all (a local-preference override, breaking Gao-Rexford) is
propagated with the override engine; ``--monitors`` ASes with a route are picked at random
(seed 64500) and each contributes ``--records`` update records over a day: its true AS path, with
one record in ten a withdrawal, the last one always the path (``--distinct`` tags every announcement
with its own community, so no record repeats another: the readers decode each repeat only once).
They are written as ``bgpdump -m`` text and as MRT (BGP4MP_MESSAGE_AS4 updates, built by
tests/mrt_build.py).  Loads are cold (a fresh cache directory): each decodes its file and writes the
cache of file readings; a repeated load of the same bytes reads that cache.

Printed: path-file loads to the routes held at the end (text, MRT, MRT again), fact gathering (site
recognition, pins), one plain propagation, one calibrated base propagation, the plain what-if and
the calibrated what-if end to end (configs already parsed), and how many pins and preferences were
learned.  Figures are printed, never asserted.

``--lab SIZE:SEED …`` instead runs tests/test_whatif_calibration_lab.py's FRR lab (root, FRR) for
each random topology and prints, per scenario and monitor count, how many ASes the plain and the
calibrated model place at the site the converged lab uses after the change.
"""

from __future__ import annotations

import argparse
import atexit
import ipaddress
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_whatif import CAIDA, PREFIX, row, timed, write_tokyo_prepend
from mrt_build import Route, update


def _paths(topo: Any, st: Any, seeds: list[Any], monitors: list[int]) -> list[tuple[int, tuple[int, ...]]]:
    asns = topo.asns
    out = []
    for m in monitors:
        chain, cur = [int(asns[m])], m
        while int(st.hop[cur]) >= 0:
            cur = int(st.hop[cur])
            chain.append(int(asns[cur]))
        out.append((m, tuple(chain) + tuple(seeds[int(st.seed[cur])].path)))
    return out


def _split_by_time(mrt: Path, n: int) -> list[str]:
    """The MRT file as ``n`` files of consecutive time (as a collector writes one per 5 or 15 minutes)."""
    import struct

    data, at, recs = mrt.read_bytes(), 0, []
    while at < len(data):
        end = at + 12 + struct.unpack_from("!I", data, at + 8)[0]
        recs.append((struct.unpack_from("!I", data, at)[0], data[at:end]))
        at = end
    recs.sort(key=lambda r: r[0])  # stable: equal times keep their order
    first, last = recs[0][0], recs[-1][0] + 1
    parts: list[list[bytes]] = [[] for _ in range(n)]
    for ts, rec in recs:
        parts[(ts - first) * n // (last - first)].append(rec)
    names = []
    for i, part in enumerate(parts):
        name = mrt.with_name(f"{mrt.stem}.{i:03d}.mrt")
        name.write_bytes(b"".join(part))
        names.append(str(name))
    return names


def _decode_floor(mrt: Path, held: Any) -> float:
    """mrtparse decoding only the records that end up held: what any reader built on it must pay."""
    import io
    import struct

    import mrtparse

    data, at, starts = mrt.read_bytes(), 0, []
    while at < len(data):
        starts.append(at)
        at += 12 + struct.unpack_from("!I", data, at + 8)[0]
    starts.append(at)
    numbers = [int(p.where.rpartition(" ")[2]) for p in held]
    recs = [data[starts[n - 1] : starts[n]] for n in numbers]
    t, _ = timed(lambda: [next(mrtparse.Reader(io.BytesIO(r))) for r in recs], runs=3)
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--monitors", type=int, default=2000)
    ap.add_argument("--records", type=int, default=20, help="update records per monitor over the day")
    ap.add_argument("--breakers", type=float, default=0.03, help="share of ASes that break Gao-Rexford")
    ap.add_argument(
        "--table", type=int, default=0, metavar="N",
        help="a raw collector file: N records about other prefixes follow each record about ours",
    )  # fmt: skip
    ap.add_argument(
        "--distinct", action="store_true",
        help="tag every record with its own community, so that no record repeats another (the worst case)",
    )  # fmt: skip
    ap.add_argument("--lab", nargs="+", metavar="SIZE:SEED", help="run FRR labs instead (root)")
    ap.add_argument("--keep", action="store_true", help="keep the generated configs and path files")
    ap.add_argument(
        "--files", type=int, default=0, metavar="N",
        help="also load the MRT records split by time into N files, in one process and in one per CPU",
    )  # fmt: skip
    args = ap.parse_args()
    if args.lab:
        bench_lab(args.lab)
        return
    if not CAIDA.exists():
        print(f"skipped: {CAIDA} is absent (set POLICYLINT_SHARED)")
        return
    import os

    import numpy as np

    from policylint.whatif import adjacency as adjmod
    from policylint.whatif import facts as factsmod
    from policylint.whatif.calibrate import Calibration, calibrated_compare, learn
    from policylint.whatif.inputs import load_config_set
    from policylint.whatif.observed import load_observed
    from policylint.whatif.overrides import Engine, Overrides
    from policylint.whatif.propagate import Settings, propagate
    from policylint.whatif.scenario import Inputs, compare
    from policylint.whatif.sites import Change, find_services, seeds
    from policylint.whatif.topology import load_topology

    work = Path(tempfile.mkdtemp(prefix="bench-calibration-"))
    if args.keep:
        print(f"keeping the generated files in {work}")
    else:
        atexit.register(shutil.rmtree, work, ignore_errors=True)
    os.environ["POLICYLINT_CACHE_DIR"] = str(work / "cache")
    topo = load_topology(str(CAIDA))
    write_tokyo_prepend(work)
    base = load_config_set(str(work / "base")).network
    proposed = load_config_set(str(work / "proposed")).network
    inputs = Inputs(topo)
    svc = find_services([base])[0]
    prefix = ipaddress.ip_network(PREFIX)
    anns = inputs.backend.announcements(base, svc, topo, Change())
    sb = seeds(svc, anns, prefix)

    rng = random.Random(64500)
    prefer = set()
    for i in range(topo.size):
        up = list(topo.providers.row(i)) + list(topo.peers.row(i))
        if up and rng.random() < args.breakers:
            prefer.add((i, int(rng.choice(up))))
    plain_time, plain_b = timed(lambda: propagate(topo, prefix, sb, Settings()), runs=3)
    truth_eng = Engine(topo, prefix, sb, Settings(), Overrides(prefer=frozenset(prefer)))
    truth = truth_eng.run(truth_eng.warm(plain_b), truth_eng.ov.touched(), pins=False, prefs=True)
    reached = [int(i) for i in np.flatnonzero(truth.site >= 0)]
    monitors = rng.sample(reached, min(args.monitors, len(reached)))
    paths = _paths(topo, truth, sb, monitors)
    text, mrt = work / "updates.txt", work / "updates.mrt"
    records = others = 0
    with text.open("w") as ft, mrt.open("wb") as fm:
        for j, (_, path) in enumerate(paths):
            peer_ip = str(ipaddress.IPv4Address(0xC6120000 + j))
            for r in range(args.records):
                ts = 1756684800 + (r * 86400) // args.records + j % 60
                withdraw = r < args.records - 1 and rng.random() < 0.1
                tag = ((65000, records % 65536),) if args.distinct else ()
                if withdraw:
                    ft.write(f"BGP4MP|{ts}|W|{peer_ip}|{path[0]}|{PREFIX}\n")
                else:
                    hops = " ".join(map(str, path))
                    comms = " ".join(f"{a}:{b}" for a, b in tag)
                    ft.write(
                        f"BGP4MP|{ts}|A|{peer_ip}|{path[0]}|{PREFIX}|{hops}|IGP|{peer_ip}|0|0|{comms}|NAG||\n"
                    )
                fm.write(update(Route(peer_ip, path[0], PREFIX, path, tag), ts, withdraw))
                records += 1
                for _ in range(args.table):  # 100.x.y.0/24: the rest of a full table
                    other = f"100.{(others >> 8) & 255}.{others & 255}.0/24"
                    others += 1
                    hops = " ".join(map(str, path[:-1]))
                    ft.write(f"BGP4MP|{ts}|A|{peer_ip}|{path[0]}|{other}|{hops}|IGP|{peer_ip}|0|0||NAG||\n")
                    fm.write(update(Route(peer_ip, path[0], other, path[:-1]), ts))
    print(f"\ntopology: {CAIDA.name}: {topo.size:,} ASes, {topo.links:,} links")
    print(f"truth: {len(prefer):,} ASes prefer a provider or peer above all; {len(monitors):,} monitors, "
          f"{records:,} update records for {PREFIX}"
          + (f", {others:,} about other prefixes" if others else "") + "\n")  # fmt: skip
    row("benchmark", "time", "")
    row("-" * 44, "-" * 22, "")
    want = [ipaddress.ip_network(PREFIX)]  # the service's prefixes, as the what-if passes them
    t_text, obs = timed(lambda: load_observed([str(text)], want))
    row(f"load {records:,} records, bgpdump -m text", f"{t_text:.3f} s", f"{len(obs.held):,} routes held")
    t_mrt, obs_mrt = timed(lambda: load_observed([str(mrt)], want))
    row(f"load {records:,} records, MRT (mrtparse)", f"{t_mrt:.3f} s", f"{len(obs_mrt.held):,} routes held")
    t_warm, _ = timed(lambda: load_observed([str(mrt)], want), runs=3)
    row("load the same MRT again (cached reading)", f"{t_warm:.3f} s")
    if args.files > 1:
        from policylint.cpus import default_jobs

        parts = _split_by_time(mrt, args.files)
        for jobs in sorted({1, default_jobs()}):
            os.environ["POLICYLINT_CACHE_DIR"] = str(work / f"cache-files-{jobs}")
            t_parts, obs_parts = timed(lambda: load_observed(parts, want, jobs=jobs))  # noqa: B023
            same = sorted((p.time, p.monitor, p.path) for p in obs_parts.held)
            assert same == sorted((p.time, p.monitor, p.path) for p in obs_mrt.held)
            what = f"the same as {len(parts)} MRT files, {jobs} process" + ("es" if jobs > 1 else "")
            row(what, f"{t_parts:.3f} s", f"{len(obs_parts.held):,} routes held")
        os.environ["POLICYLINT_CACHE_DIR"] = str(work / "cache")
    t_floor = _decode_floor(mrt, obs_mrt.held)
    row("mrtparse alone on the held records", f"{t_floor:.3f} s", f"{len(obs_mrt.held):,} records")
    assert [(p.time, p.path) for p in obs.held] == [(p.time, p.path) for p in obs_mrt.held]
    held = list(obs.held)
    site_asns = {a.site_asn for a in anns}
    t_facts, f = timed(
        lambda: factsmod.gather(topo, held, svc, site_asns=site_asns, anns=anns, site_map=None)
    )
    row("facts: site recognition + pins", f"{t_facts:.3f} s", f"{len(f.pins):,} ASes pinned")
    row("one plain propagation (Gao-Rexford)", f"{plain_time:.3f} s")
    ov = f.overrides()

    def fresh_adjacency() -> Any:
        adjmod._CACHE.clear()
        return adjmod.adjacency(topo)

    t_adj, _ = timed(fresh_adjacency, runs=3)
    row("the override engine's adjacency (once a run)", f"{t_adj:.3f} s")
    eng = Engine(topo, prefix, sb, Settings(), ov)
    t_cal, cal_b = timed(lambda: eng.run(eng.warm(plain_b), ov.touched(), pins=True, prefs=True))
    row("one calibrated base propagation (pinned)", f"{t_cal:.3f} s")
    t_learn, (prefs, ties) = timed(lambda: learn(eng, cal_b, f.pins))
    row("learning preferences from the pins", f"{t_learn:.3f} s", f"{len(prefs)} prefs, {len(ties)} ties")
    sa = seeds(svc, inputs.backend.announcements(proposed, svc, topo, Change()), prefix)
    t_plain_a, plain_a = timed(lambda: propagate(topo, prefix, sa, Settings()))
    learned = Overrides({}, frozenset(prefs), frozenset(ties), ov.allow, ov.extra)
    eng_a = Engine(topo, prefix, sa, Settings(), learned)
    t_cal_a, _ = timed(lambda: eng_a.run(eng_a.warm(plain_a), learned.touched(), pins=False, prefs=True))
    row("one calibrated proposed propagation", f"{t_cal_a:.3f} s")
    t_plain, _ = timed(lambda: compare(inputs, base, proposed))
    row("what-if, plain (base + proposed + diff)", f"{t_plain:.3f} s")
    cal = Calibration(obs)
    t_whole, (diffs, stats) = timed(lambda: calibrated_compare(inputs, base, proposed, Change(), cal))
    c = diffs[0].calibration
    assert c is not None and stats is not None
    row("what-if, calibrated (all of the above)", f"{t_whole:.3f} s",
        f"{c.preferences:,} prefs, {c.tie_preferences:,} ties")  # fmt: skip
    calibrate = t_facts + t_learn
    props = plain_time + t_plain_a + t_cal + t_cal_a
    print(f"\ncalibrating (facts, learning) {calibrate:.3f} s; the calibrated what-if's four propagations "
          f"(plain base and proposed, calibrated base and proposed) {props:.3f} s; one plain propagation "
          f"{plain_time:.3f} s")  # fmt: skip
    print(f"not counted on either side: the override engine's adjacency, built once a run ({t_adj:.3f} s)")
    print(f"mrtparse decoding only the held records: {t_floor:.3f} s = {t_floor / props:.2f} x the four "
          "propagations (the least an mrtparse-based reader pays)")  # fmt: skip
    for what, load in (("text, cold", t_text), ("MRT, cold", t_mrt), ("MRT, cached reading", t_warm)):
        total = load + calibrate
        print(f"load ({what}) + calibrate: {total:.3f} s = {total / props:.2f} x the four propagations, "
              f"{total / plain_time:.1f} x one")  # fmt: skip
    print(f"calibrated what-if minus plain what-if: {t_whole - t_plain:.3f} s")
    obs_w, inf_w, mod_w = diffs[0].moved_by_basis()
    n, w = diffs[0].moved()
    print(
        f"moved {w:.1f}% ({n:,} ASes; plain model {c.plain_moved[1]:.1f}%, {c.plain_moved[0]:,} ASes): "
        f"{obs_w:.0f}% of the moved weight observed, {inf_w:.0f}% inferred, {mod_w:.0f}% model alone"
    )


def bench_lab(specs: list[str]) -> None:
    import os

    from frrlab import lab_available
    from test_whatif_calibration_lab import run_calibration_lab

    reason = lab_available()
    if reason is not None:
        print(f"skipped: {reason}")
        return
    for spec in specs:
        size, _, seed = spec.partition(":")
        work = Path(tempfile.mkdtemp(prefix=f"bench-calibration-lab{size}-"))
        atexit.register(shutil.rmtree, work, ignore_errors=True)
        os.environ["POLICYLINT_CACHE_DIR"] = str(work / "cache")
        print(f"\n== lab of about {size} ASes, seed {seed or 0} ==")
        _, recovered = run_calibration_lab(work, int(size), int(seed or 0))
        print(f"placements the plain model gets wrong and calibration gets right (all variants): {recovered}")


if __name__ == "__main__":
    main()
