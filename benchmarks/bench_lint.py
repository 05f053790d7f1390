"""policylint lint throughput and start-up, with FRR's own parser beside it from the same run.

    python benchmarks/bench_lint.py                      # all three benchmarks
    python benchmarks/bench_lint.py --only startup       # one of: corpus, generated, startup
    python benchmarks/bench_lint.py --devices 50         # a smaller generated repository

(a) corpus:    lint every FRR config of ../shared/corpus/frr in one process (lines/s) beside
               ``vtysh --dryrun --inputfile`` over the same files (one vtysh process per file).
(b) generated: a deterministic (seeded) repository of N devices x ~2,000 lines of FRR config;
               policylint lints all of it in one process, vtysh --dryrun runs over a sample of
               the files and its rate is extrapolated to the whole repository (said in the output).
(c) startup:   process start + lint of samples/ams/frr.conf (``policylint lint FILE --format json``)
               vs ``vtysh --dryrun`` of the same file, median of R runs each.

Both tools see exactly the same files; lines are counted once, by this script, for both.
The figures are printed, never asserted: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS_FRR = SHARED / "corpus" / "frr"
SMALL_FILE = REPO / "samples" / "ams" / "frr.conf"
VTYSH_TIMEOUT_S = 120
BENCHMARKS = ("corpus", "generated", "startup")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Row:
    bench: str
    metric: str
    ours: str
    peer: str
    note: str = ""


def _rate(lines: int, seconds: float) -> str:
    return f"{lines / seconds:,.0f} lines/s" if seconds > 0 else "n/a"


def _secs(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def count_lines(path: Path) -> int:
    data = path.read_bytes()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


# --------------------------------------------------------------------------- the two tools


def lint_in_process(files: Sequence[Path]) -> tuple[float, int, int]:
    """Seconds, files linted and findings for one in-process lint of ``files``."""
    from policylint.engine import Options, lint_paths

    start = time.perf_counter()
    result = lint_paths([str(f) for f in files], Options())
    elapsed = time.perf_counter() - start
    return elapsed, len(result.files), len(result.findings)


@dataclass(frozen=True, slots=True)
class VtyshRun:
    seconds: float
    files: int
    failed: int  # files on which vtysh --dryrun exited non-zero


def vtysh_dryrun(vtysh: str, files: Sequence[Path]) -> VtyshRun:
    """Run ``vtysh --dryrun --inputfile`` once per file (vtysh has no multi-file mode)."""
    failed = 0
    start = time.perf_counter()
    for f in files:
        proc = subprocess.run(
            [vtysh, "--dryrun", "--inputfile", str(f)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=VTYSH_TIMEOUT_S,
            check=False,
        )
        failed += proc.returncode != 0
    return VtyshRun(time.perf_counter() - start, len(files), failed)


def policylint_command() -> list[str]:
    """The installed ``policylint`` entry point, preferring the one of this interpreter."""
    beside = Path(sys.executable).parent / "policylint"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("policylint")
    if found:
        return [found]
    return [sys.executable, "-m", "policylint"]


def median_wall(cmd: Sequence[str], runs: int) -> tuple[float, set[int]]:
    times: list[float] = []
    codes: set[int] = set()
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(
            list(cmd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=VTYSH_TIMEOUT_S,
            check=False,
            cwd=REPO,
        )
        times.append(time.perf_counter() - start)
        codes.add(proc.returncode)
    return statistics.median(times), codes


# --------------------------------------------------------------------------- (b) generator


class DeviceGenerator:
    """Deterministic, realistic FRR edge-router configs (documentation/private space only)."""

    def __init__(self, seed: int, target_lines: int) -> None:
        self.rng = random.Random(seed)
        self.target = target_lines

    def _v4(self, length: int) -> str:
        r = self.rng
        if length <= 8:
            return f"10.0.0.0/{length}"
        return f"10.{r.randrange(256)}.{r.randrange(256) if length > 16 else 0}.0/{min(length, 24)}"

    def _asn(self) -> int:
        return self.rng.choice((self.rng.randint(64512, 65534), self.rng.randint(4200000000, 4200099999)))

    def device(self, index: int) -> str:
        r = self.rng
        target = r.randint(self.target * 9 // 10, self.target * 11 // 10)
        asn = 64500
        out: list[str] = [
            "frr version 8.4",
            "frr defaults traditional",
            f"hostname edge{index:03d}",
            "log syslog informational",
            "service integrated-vtysh-config",
            "!",
            f"ip route 192.0.2.0/24 blackhole",
            "ipv6 route 2001:db8:53::/48 blackhole",
            "!",
            "rpki",
            " rpki polling_period 600",
            f" rpki cache 192.0.2.{200 + index % 50} 3323 preference 1",
            "exit",
            "!",
        ]
        n_neighbors = r.randint(40, 70)
        neighbors: list[tuple[str, int, str, str]] = []  # address, asn, kind, map suffix
        for n in range(n_neighbors):
            kind = r.choices(("transit", "peer", "customer"), weights=(1, 4, 6))[0]
            addr = f"198.51.{100 + n // 250}.{(n % 250) + 1}" if n < 500 else f"10.254.{n // 250}.{n % 250}"
            neighbors.append((addr, self._asn(), kind, f"{kind.upper()}-{n}"))
        out += [f"router bgp {asn}", f" bgp router-id 10.255.{index // 250}.{index % 250 + 1}"]
        out += [" bgp log-neighbor-changes", " bgp bestpath as-path multipath-relax"]
        role = {"transit": "customer", "peer": "peer", "customer": "provider"}
        for addr, nasn, kind, tag in neighbors:
            out += [
                f" neighbor {addr} remote-as {nasn}",
                f" neighbor {addr} description {tag} {kind}",
                f" neighbor {addr} local-role {role[kind]}",
            ]
            if r.random() < 0.3:
                out.append(f" neighbor {addr} password bench-{r.randrange(10**6):06d}")
            if r.random() < 0.2:
                out.append(f" neighbor {addr} bfd")
        out += [" !", " address-family ipv4 unicast", "  network 192.0.2.0/24"]
        for addr, _nasn, kind, tag in neighbors:
            limit = {"transit": 1200000, "peer": 5000, "customer": 200}[kind]
            out += [
                f"  neighbor {addr} route-map FROM-{tag} in",
                f"  neighbor {addr} route-map TO-{kind.upper()} out",
                f"  neighbor {addr} maximum-prefix {limit} 90",
            ]
            if kind != "transit":
                out.append(f"  neighbor {addr} soft-reconfiguration inbound")
        out += [" exit-address-family", "exit", "!"]
        # shared lists
        out += [
            "ip prefix-list ANYCAST-V4 seq 5 permit 192.0.2.0/24",
            "ip prefix-list TOO-SPECIFIC-V4 seq 5 permit 0.0.0.0/0 ge 25",
            "ip prefix-list V4-MAX24 seq 5 permit 0.0.0.0/0 le 24",
        ]
        out += [f"ip prefix-list BOGONS-V4 seq {5 * (i + 1)} permit {p} le 32" for i, p in enumerate(
            ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
             "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3")
        )]  # fmt: skip
        out += [
            "bgp community-list standard CUSTOMER-ROUTES seq 5 permit 64500:1000",
            "bgp community-list standard BLACKHOLE seq 5 permit 65535:666",
            "bgp community-list expanded NO-EXPORT-TO-PEERS seq 5 permit ^64500:(2|3)[0-9][0-9]$",
        ]
        # export route-maps
        out += [
            "route-map TO-TRANSIT permit 10", " match ip address prefix-list ANYCAST-V4",
            " set community 64500:100 additive",
            "route-map TO-TRANSIT permit 20", " match community CUSTOMER-ROUTES",
            " match ip address prefix-list V4-MAX24",
            "route-map TO-PEER permit 10", " match ip address prefix-list ANYCAST-V4",
            "route-map TO-PEER permit 20", " match community CUSTOMER-ROUTES",
            " match ip address prefix-list V4-MAX24",
            "route-map TO-CUSTOMER permit 10", " match ip address prefix-list V4-MAX24",
        ]  # fmt: skip
        # per-neighbor import policies, customer prefix and AS-path lists
        for _addr, nasn, kind, tag in neighbors:
            out += [f"route-map FROM-{tag} deny 5", " match rpki invalid"]
            out += [f"route-map FROM-{tag} deny 10", " match ip address prefix-list BOGONS-V4"]
            if kind == "customer":
                out += [f"bgp as-path access-list AS-{tag} seq 5 permit ^{nasn}(_{nasn})*$"]
                for seq in range(1, r.randint(3, 15) + 1):
                    out.append(f"ip prefix-list PL-{tag} seq {seq * 5} permit {self._v4(r.choice((16, 20, 22, 24)))}")
                out += [
                    f"route-map FROM-{tag} permit 100",
                    f" match ip address prefix-list PL-{tag}",
                    f" match as-path AS-{tag}",
                    " set local-preference 200",
                    " set community 64500:1000 additive",
                ]
            else:
                lp = 100 if kind == "transit" else 150
                out += [
                    f"route-map FROM-{tag} permit 100",
                    " match ip address prefix-list V4-MAX24",
                    f" set local-preference {lp}",
                ]
                if r.random() < 0.3:
                    out.append(f" set as-path prepend {asn} {asn}")
                    out[-1] = " set metric 50"
        # pad to the target with a large aggregate customer list (as IRR-generated lists are)
        seq = 5
        while len(out) < target - 1:
            out.append(f"ip prefix-list IRR-AS-CUSTOMERS seq {seq} permit {self._v4(r.choice((16, 19, 20, 22, 23, 24)))}")
            seq += 5
        out.append("line vty")
        return "\n".join(out) + "\n"


def generate_repository(root: Path, devices: int, lines: int, seed: int) -> list[Path]:
    gen = DeviceGenerator(seed, lines)
    paths: list[Path] = []
    for i in range(devices):
        site = root / f"site{i // 50:02d}"
        site.mkdir(parents=True, exist_ok=True)
        path = site / f"edge{i:03d}.conf"
        path.write_text(gen.device(i), encoding="utf-8")
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- benchmarks


def bench_corpus(vtysh: str | None) -> list[Row]:
    if not CORPUS_FRR.is_dir():
        return [Row("corpus", "skipped", "-", "-", f"{CORPUS_FRR} not found (needs ../shared)")]
    files = sorted(p for p in CORPUS_FRR.iterdir() if p.is_file())
    lines = sum(count_lines(f) for f in files)
    ours_s, linted, findings = lint_in_process(files)
    rows = [
        Row("corpus", "files / lines", f"{len(files)} / {lines:,}", f"{len(files)} / {lines:,}"),
        Row("corpus", "wall time", _secs(ours_s), "", f"policylint: 1 process, {findings} findings"),
        Row("corpus", "throughput", _rate(lines, ours_s), ""),
    ]
    if linted != len(files):
        rows.append(Row("corpus", "note", f"{linted} files linted", "", "policylint skipped some files"))
    if vtysh is None:
        rows[1] = Row("corpus", "wall time", _secs(ours_s), "n/a", "vtysh not installed")
        rows[2] = Row("corpus", "throughput", _rate(lines, ours_s), "n/a")
        return rows
    run = vtysh_dryrun(vtysh, files)
    rows[1] = Row(
        "corpus", "wall time", _secs(ours_s), _secs(run.seconds),
        f"policylint: 1 process, {findings} findings; vtysh: 1 process per file, {run.failed} files rejected",
    )  # fmt: skip
    rows[2] = Row("corpus", "throughput", _rate(lines, ours_s), _rate(lines, run.seconds))
    return rows


def bench_generated(vtysh: str | None, devices: int, lines: int, seed: int, sample: int, keep: Path | None) -> list[Row]:
    tmp = None if keep else tempfile.TemporaryDirectory(prefix="policylint-bench-")
    root = keep if keep else Path(tmp.name if tmp else ".")
    try:
        t0 = time.perf_counter()
        files = generate_repository(root, devices, lines, seed)
        gen_s = time.perf_counter() - t0
        per_file = [count_lines(f) for f in files]
        total = sum(per_file)
        ours_s, _linted, findings = lint_in_process(files)
        rows = [
            Row("generated", "files / lines", f"{len(files)} / {total:,}", f"{len(files)} / {total:,}",
                f"seed {seed}, generated in {gen_s:.1f} s under {root}"),
        ]  # fmt: skip
        if vtysh is None:
            rows += [
                Row("generated", "wall time", _secs(ours_s), "n/a", "vtysh not installed"),
                Row("generated", "throughput", _rate(total, ours_s), "n/a"),
            ]
            return rows
        k = max(1, min(sample, len(files)))
        picks = sorted({round(i * (len(files) - 1) / max(1, k - 1)) for i in range(k)})
        sample_files = [files[i] for i in picks]
        sample_lines = sum(per_file[i] for i in picks)
        run = vtysh_dryrun(vtysh, sample_files)
        peer_rate = sample_lines / run.seconds if run.seconds > 0 else 0.0
        peer_total = total / peer_rate if peer_rate > 0 else float("nan")
        rows += [
            Row("generated", "wall time", _secs(ours_s), f"~{_secs(peer_total)} (extrapolated)",
                f"policylint: all {len(files)} files, 1 process, {findings} findings; "
                f"vtysh: measured on {len(sample_files)} files ({sample_lines:,} lines) in "
                f"{_secs(run.seconds)}, {run.failed} rejected, scaled to {len(files)} files"),
            Row("generated", "throughput", _rate(total, ours_s), f"{peer_rate:,.0f} lines/s (sample)"),
        ]  # fmt: skip
        return rows
    finally:
        if tmp is not None:
            tmp.cleanup()


def bench_startup(vtysh: str | None, runs: int) -> list[Row]:
    if not SMALL_FILE.is_file():
        return [Row("startup", "skipped", "-", "-", f"{SMALL_FILE} not found")]
    rel = SMALL_FILE.relative_to(REPO)
    cmd = [*policylint_command(), "lint", str(rel), "--format", "json"]
    ours, codes = median_wall(cmd, runs)
    note = f"median of {runs}; {count_lines(SMALL_FILE)} lines; `{' '.join([Path(cmd[0]).name, *cmd[1:]])}`"
    if codes - {0, 1}:
        note += f"; policylint exit codes {sorted(codes)} (2+ = tool/input error)"
    if vtysh is None:
        return [Row("startup", "start + lint 1 file", _ms(ours), "n/a", note + "; vtysh not installed")]
    peer, peer_codes = median_wall([vtysh, "--dryrun", "--inputfile", str(rel)], runs)
    if peer_codes != {0}:
        note += f"; vtysh exit codes {sorted(peer_codes)}"
    return [Row("startup", "start + lint 1 file", _ms(ours), _ms(peer), note)]


# --------------------------------------------------------------------------- output


def frr_version(vtysh: str | None) -> str:
    if vtysh is None:
        return "not installed"
    for bgpd in (Path("/usr/lib/frr/bgpd"), Path("/usr/sbin/bgpd")):
        if bgpd.exists():
            proc = subprocess.run([str(bgpd), "-v"], capture_output=True, text=True, check=False, timeout=10)
            first = proc.stdout.splitlines()[:1]
            if first:
                return first[0].strip()
    return vtysh


def print_table(rows: Sequence[Row]) -> None:
    head = Row("benchmark", "metric", "policylint", "vtysh --dryrun (FRR)", "notes")
    table = [head, *rows]
    widths = [max(len(getattr(r, f)) for r in table) for f in ("bench", "metric", "ours", "peer")]
    for i, r in enumerate(table):
        cells = (r.bench, r.metric, r.ours, r.peer)
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + ("  " + r.note if r.note else ""))
        if i == 0:
            print("  ".join("-" * w for w in widths) + "  -----")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable)")
    ap.add_argument("--devices", type=int, default=500, help="generated repository: devices (default 500)")
    ap.add_argument("--lines", type=int, default=2000, help="generated repository: lines per device (default 2000)")
    ap.add_argument("--seed", type=int, default=64500, help="generator seed (default 64500)")
    ap.add_argument("--vtysh-sample", type=int, default=20, help="generated files given to vtysh (default 20)")
    ap.add_argument("--runs", type=int, default=10, help="start-up benchmark runs, median (default 10)")
    ap.add_argument("--keep", type=Path, help="write the generated repository here and keep it")
    ap.add_argument("--no-vtysh", action="store_true", help="do not run the FRR peer")
    args = ap.parse_args(argv)

    selected = args.only or list(BENCHMARKS)
    vtysh = None if args.no_vtysh else shutil.which("vtysh")
    print(f"policylint benchmarks  python {platform.python_version()}  {platform.machine()}  "
          f"cpus {os.cpu_count()}  FRR: {frr_version(vtysh)}")  # fmt: skip
    rows: list[Row] = []
    if "corpus" in selected:
        rows += bench_corpus(vtysh)
    if "generated" in selected:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
        rows += bench_generated(vtysh, args.devices, args.lines, args.seed, args.vtysh_sample, args.keep)
    if "startup" in selected:
        rows += bench_startup(vtysh, args.runs)
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
