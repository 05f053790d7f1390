"""RPKI: loading the real VRP snapshot and origin validation throughput, beside a peer.

    python benchmarks/bench_rpki.py                 # 1,000,000 pairs, the snapshot from ../shared
    python benchmarks/bench_rpki.py --pairs 200000  # fewer pairs
    POLICYLINT_SHARED=/path/to/shared python benchmarks/bench_rpki.py

(a) load:     ``load_vrps`` of ../shared/data/rpki/rpkiclient_summary_*.json.bz2 (723,521 VRPs), each
              run in a fresh interpreter: cold (empty cache dir: bunzip2, overlapped with JSON
              decoding in a second thread, + index build + cache write) and cached (the compact
              index read back); ``--repeat`` runs of each, median and best wall time, peak RSS.
(b) validate: N deterministic (prefix, origin) pairs drawn from the snapshot (exact ROA prefixes,
              more-specifics within and beyond maxLength, wrong origins, uncovered space) validated
              by policylint (scalar ``state_of`` loop; numpy ``classify`` when numpy is installed)
              and by the peer: a validator over pytricia, the C Patricia trie (``pip install
              pytricia``), walking covering prefixes with ``get_key``/``parent`` (RFC 6811 logic
              written here; pytricia itself has no RPKI logic).  Both get their inputs in their own
              native form, prepared before timing; both answers are compared pair by pair.

Figures are printed, never asserted; the machine's load shows in them (printed in the header).
"""

from __future__ import annotations

import argparse
import bz2
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POLICYLINT_SHARED", REPO.parent / "shared"))
SNAPSHOT = SHARED / "data" / "rpki" / "rpkiclient_summary_20250720T093135Z.json.bz2"

_LOAD = """
import json, resource, sys, time
t = time.perf_counter()
from policylint.rpki import load_vrps
loaded = load_vrps(sys.argv[1])
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # may include the parent's, pre-exec
try:  # VmHWM is this process's own peak (it starts afresh at exec)
    with open("/proc/self/status") as fh:
        rss = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:")) / 1024
except (OSError, StopIteration):
    pass
print(json.dumps({"wall": wall, "cached": loaded.cached, "vrps": len(loaded.index), "rss_mib": rss}))
"""


def _load_run(cache: str, path: Path = SNAPSHOT) -> dict[str, Any]:
    env = {**os.environ, "POLICYLINT_CACHE_DIR": cache}
    out = subprocess.run(
        [sys.executable, "-c", _LOAD, str(path)], capture_output=True, text=True, env=env, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _runs(n: int, cache: str | None, path: Path = SNAPSHOT) -> list[dict[str, Any]]:
    """``n`` loads, each in a fresh interpreter; cold ones (``cache`` None) each get an empty cache."""
    out = []
    for _ in range(n):
        if cache is None:
            with tempfile.TemporaryDirectory() as fresh:
                out.append(_load_run(fresh, path))
        else:
            out.append(_load_run(cache, path))
    return out


def _summary(runs: list[dict[str, Any]]) -> str:
    walls = sorted(r["wall"] for r in runs)
    rss = max(r["rss_mib"] for r in runs)
    return f"median {statistics.median(walls):5.2f} s  best {walls[0]:5.2f} s  peak RSS {rss:5.0f} MiB"


def bench_load(repeat: int) -> None:
    raw = SNAPSHOT.read_bytes()
    t = time.perf_counter()
    plain = bz2.decompress(raw)
    bunzip = time.perf_counter() - t
    cold = _runs(repeat, None)
    with tempfile.TemporaryDirectory() as cache:
        first = _load_run(cache)
        warm = _runs(repeat, cache)
        size = sum(f.stat().st_size for f in Path(cache).iterdir())
    with tempfile.TemporaryDirectory() as work:
        plain_file = Path(work) / "vrps.json"
        plain_file.write_bytes(plain)
        cold_plain = _runs(repeat, None, plain_file)
    print(f"\n(a) load {SNAPSHOT.name}: {len(raw) / 1e6:.1f} MB bz2, {len(plain) / 1e6:.0f} MB JSON")
    print(f"    {repeat} runs each, every run a fresh interpreter (import included)")
    print(f"  cold   {_summary(cold)}  ({cold[0]['vrps']:,} VRPs; empty cache dir each run;")
    print(f"         bunzip2 alone takes {bunzip:.2f} s in this process)")
    print(f"  cold, the same JSON uncompressed  {_summary(cold_plain)}")
    print(f"  cached {_summary(warm)}  (cache file {size / 1e6:.1f} MB)")
    assert not first["cached"] and all(r["cached"] for r in warm) and not any(r["cached"] for r in cold)


def make_pairs(index: Any, n: int, seed: int) -> list[tuple[int, int, int, int]]:
    rng = random.Random(seed)
    vrps = list(index.vrps())
    pairs: list[tuple[int, int, int, int]] = []
    for _ in range(n):
        v = rng.choice(vrps)
        bits = 32 if v.version == 4 else 128
        kind = rng.random()
        origin = v.asn
        length = v.length
        network = v.network
        if kind < 0.40:
            pass  # the ROA's own prefix and origin
        elif kind < 0.60:
            length = rng.randint(v.length, v.max_length)  # within maxLength
        elif kind < 0.70:
            length = min(bits, v.max_length + rng.randint(1, 4))  # beyond maxLength
        elif kind < 0.85:
            origin = rng.randint(1, 400_000)  # another origin
        else:  # anywhere: mostly uncovered space
            length = 24 if v.version == 4 else 48
            network = rng.getrandbits(bits) >> (bits - length) << (bits - length)
        if length > v.length and kind < 0.70:
            sub = rng.getrandbits(length - v.length) << (bits - length)
            network = v.network | sub
        pairs.append((v.version, network, length, origin))
    return pairs


def _prefix_text(version: int, network: int, length: int) -> str:
    from ipaddress import IPv4Address, IPv6Address

    addr = IPv4Address(network) if version == 4 else IPv6Address(network)
    return f"{addr}/{length}"


class TrieValidator:
    """The peer: RFC 6811 over two pytricia tries (prefix -> [(asn, maxLength)])."""

    def __init__(self, index: Any) -> None:
        import pytricia

        self.v4 = pytricia.PyTricia(32)
        self.v6 = pytricia.PyTricia(128)
        for v in index.vrps():
            trie = self.v4 if v.version == 4 else self.v6
            key = _prefix_text(v.version, v.network, v.length)
            if trie.has_key(key):  # exact match; `in` is a longest-prefix match in pytricia
                trie[key].append((v.asn, v.max_length))
            else:
                trie[key] = [(v.asn, v.max_length)]

    def state(self, v6: bool, prefix: str, length: int, origin: int) -> int:
        trie = self.v6 if v6 else self.v4
        key = trie.get_key(prefix)
        if key is None:
            return 2
        while key is not None:
            for asn, max_length in trie[key]:
                if asn == origin and asn != 0 and length <= max_length:
                    return 0
            key = trie.parent(key)
        return 1


def bench_validate(n: int, seed: int) -> None:
    from policylint.rpki import load_vrps
    from policylint.rpki.batch import CODES, available, classify

    with tempfile.TemporaryDirectory() as cache:
        os.environ["POLICYLINT_CACHE_DIR"] = cache
        index = load_vrps(str(SNAPSHOT)).index
    pairs = make_pairs(index, n, seed)
    print(f"\n(b) validate {n:,} (prefix, origin) pairs (seed {seed})")

    state_of = index.state_of
    t = time.perf_counter()
    state_of(4, 0, 0, 0)  # builds the exact-prefix tables (lazily, once per index)
    state_of(6, 0, 0, 0)
    tables = time.perf_counter() - t
    t = time.perf_counter()
    ours = [state_of(*p) for p in pairs]
    scalar = time.perf_counter() - t
    counts = {s.value: sum(1 for x in ours if x is s) for s in CODES}
    print(f"  mix: {counts}")
    print(f"  policylint scalar state_of  {n / scalar:12,.0f} /s  ({scalar:.2f} s;")
    with_tables = n / (scalar + tables)
    print(f"      + {tables:.2f} s once per index for the exact-prefix tables: {with_tables:,.0f} /s)")

    if available():
        import numpy as np

        cols = {}
        for version in (4, 6):
            sel = [p for p in pairs if p[0] == version]
            nets = (
                np.array([p[1] for p in sel], dtype=np.uint32)
                if version == 4
                else np.array([p[1].to_bytes(16, "big") for p in sel], dtype="S16")
            )
            cols[version] = (
                nets,
                np.array([p[2] for p in sel], dtype=np.uint8),
                np.array([p[3] for p in sel], dtype=np.uint64),
            )
        classify(index, 4, *(c[:1] for c in cols[4]))  # one-off array views (timed separately)
        t = time.perf_counter()
        codes = {v: classify(index, v, *cols[v]) for v in (4, 6)}
        batch = time.perf_counter() - t
        expect = {v: [x for p, x in zip(pairs, ours, strict=True) if p[0] == v] for v in (4, 6)}
        bad = sum(CODES[c] is not e for v in (4, 6) for c, e in zip(codes[v], expect[v], strict=True))
        print(f"  policylint numpy classify   {n / batch:12,.0f} /s  ({batch:.2f} s; {bad} disagreements)")
    else:
        print("  policylint numpy classify   n/a (numpy not installed: pip install 'policylint[fast]')")

    try:
        t = time.perf_counter()
        peer = TrieValidator(index)
        build = time.perf_counter() - t
    except ImportError:
        print("  peer pytricia               n/a (pip install pytricia)")
        return
    texts = [(p[0] == 6, _prefix_text(p[0], p[1], p[2]), p[2], p[3]) for p in pairs]
    state = peer.state
    t = time.perf_counter()
    theirs = [state(*x) for x in texts]
    elapsed = time.perf_counter() - t
    bad = sum(CODES[c] is not o for c, o in zip(theirs, ours, strict=True))
    print(f"  peer pytricia validator     {n / elapsed:12,.0f} /s  ({elapsed:.2f} s; {bad} disagreements;")
    print(f"                                                 trie build from the VRPs {build:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=6811)
    parser.add_argument("--only", choices=("load", "validate"), action="append")
    parser.add_argument("--repeat", type=int, default=5, help="load runs of each kind (median and best)")
    args = parser.parse_args()
    if not SNAPSHOT.is_file():
        print(f"skipped: {SNAPSHOT} not found (set POLICYLINT_SHARED)")
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load:.2f}")
    only = args.only or ["load", "validate"]
    if "load" in only:
        bench_load(args.repeat)
    if "validate" in only:
        bench_validate(args.pairs, args.seed)


if __name__ == "__main__":
    main()
