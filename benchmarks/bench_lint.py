"""policylint lint throughput and start-up, with FRR's own parser beside it from the same run.

    python benchmarks/bench_lint.py                      # all three benchmarks
    python benchmarks/bench_lint.py --only startup       # one of: corpus, generated, startup
    python benchmarks/bench_lint.py --devices 50         # a smaller generated repository

(a) corpus:    lint every FRR config of ../shared/corpus/frr in-process (lines/s) three ways: one
               process, the default worker pool (one per CPU), and warm from the result cache;
               beside ``vtysh --dryrun --inputfile`` over the same files (one process per file).
(b) generated: a deterministic (seeded) repository of N devices x ~2,000 lines of FRR config,
               linted the same three ways; vtysh --dryrun runs over a sample of the files and its
               rate is taken for the whole repository (said in the output).
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
from ipaddress import IPv4Network
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


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True, slots=True)
class LintTimes:
    """One repository linted in-process three ways (all cold except ``warm_s``)."""

    serial_s: float  # one process, no cache
    parallel_s: float  # the default: one worker per CPU, no cache
    warm_s: float  # the default with every file already in the result cache
    jobs: int
    files: int
    findings: int


def lint_in_process(files: Sequence[Path]) -> LintTimes:
    """Lint ``files`` serially, with workers, and warm from the cache; the findings must agree."""
    from policylint.cache import Cache
    from policylint.checks.registry import CHECKS
    from policylint.cpus import default_jobs
    from policylint.engine import Options, lint_paths

    paths = [str(f) for f in files]
    opts = Options()
    progress(f"policylint: linting {len(files)} files in one process")
    start = time.perf_counter()
    serial = lint_paths(paths, opts, jobs=1)
    serial_s = time.perf_counter() - start
    jobs = default_jobs()
    progress(f"policylint: linting {len(files)} files with {jobs} worker processes")
    start = time.perf_counter()
    pooled = lint_paths(paths, opts, jobs=jobs)
    parallel_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="policylint-cache-") as tmp:
        cache = Cache.open(opts, CHECKS, Path(tmp))
        progress("policylint: filling a fresh result cache, then a warm run")
        lint_paths(paths, opts, jobs=jobs, cache=cache)
        start = time.perf_counter()
        warm = lint_paths(paths, opts, jobs=jobs, cache=cache)
        warm_s = time.perf_counter() - start
    if not serial.findings == pooled.findings == warm.findings:
        raise SystemExit("policylint: serial, parallel and cached runs disagree; this is a bug")
    return LintTimes(serial_s, parallel_s, warm_s, jobs, len(serial.files), len(serial.findings))


def lint_rows(bench: str, lines: int, t: LintTimes, peer: str) -> list[Row]:
    """Throughput rows; ``peer`` (vtysh's lines/s) goes beside the cold default run."""
    return [
        Row(bench, "throughput, 1 process", _rate(lines, t.serial_s), "",
            f"{_secs(t.serial_s)} cold, no cache; {t.findings} findings"),
        Row(bench, f"throughput, {t.jobs} workers", _rate(lines, t.parallel_s), peer,
            f"{_secs(t.parallel_s)} cold, no cache (the default for big runs)"),
        Row(bench, "throughput, warm cache", _rate(lines, t.warm_s), "",
            f"{_secs(t.warm_s)}; every file unchanged since the previous run"),
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class VtyshRun:
    seconds: float
    files: int
    failed: int  # files on which vtysh --dryrun exited non-zero


def vtysh_dryrun(vtysh: str, files: Sequence[Path]) -> VtyshRun:
    """Run ``vtysh --dryrun --inputfile`` once per file (vtysh has no multi-file mode)."""
    progress(f"vtysh --dryrun: {len(files)} files, one process each")
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


def median_wall(cmd: Sequence[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, set[int]]:
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
            env=env,
        )
        times.append(time.perf_counter() - start)
        codes.add(proc.returncode)
    return statistics.median(times), codes


# --------------------------------------------------------------------------- (b) generator


_OUR_ROLE: dict[str, str] = {"transit": "customer", "peer": "peer", "customer": "provider"}
_MAX_PREFIX: dict[str, int] = {"transit": 1200000, "peer": 5000, "customer": 200}


class DeviceGenerator:
    """Deterministic, realistic FRR edge-router configs.

    Addresses: documentation space for sessions and anycast, 10.0.0.0/8 as a stand-in for
    customer space; ASNs: 64500 for the operator, private ASNs for neighbors.
    """

    BOGONS = ("0.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
              "192.168.0.0/16", "224.0.0.0/3")  # fmt: skip

    def __init__(self, seed: int, target_lines: int) -> None:
        self.rng = random.Random(seed)
        self.target = target_lines

    def _v4(self, length: int) -> str:
        """A random network of 10.0.0.0/8 with the given length."""
        host = 0x0A000000 | self.rng.getrandbits(24)
        return str(IPv4Network((host, length), strict=False))

    def _asn(self) -> int:
        r = self.rng
        return r.randint(64512, 65534) if r.random() < 0.7 else r.randint(4200000000, 4200099999)

    def _header(self, index: int) -> list[str]:
        return [
            "frr version 8.4",
            "frr defaults traditional",
            f"hostname edge{index:03d}",
            "log syslog informational",
            "service integrated-vtysh-config",
            "!",
            "ip route 192.0.2.0/24 blackhole",
            "ipv6 route 2001:db8:53::/48 blackhole",
            "!",
            "rpki",
            " rpki polling_period 600",
            f" rpki cache 192.0.2.{200 + index % 50} 3323 preference 1",
            "exit",
            "!",
        ]

    def _bgp(self, index: int, neighbors: Sequence[tuple[str, int, str, str]]) -> list[str]:
        r = self.rng
        out = [
            "router bgp 64500",
            f" bgp router-id 10.255.{index // 250}.{index % 250 + 1}",
            " bgp log-neighbor-changes",
            " bgp bestpath as-path multipath-relax",
        ]
        for addr, nasn, kind, tag in neighbors:
            out += [
                f" neighbor {addr} remote-as {nasn}",
                f" neighbor {addr} description {tag} {kind}",
                f" neighbor {addr} local-role {_OUR_ROLE[kind]}",
            ]
            if r.random() < 0.3:
                out.append(f" neighbor {addr} password bench-{r.randrange(10**6):06d}")
            if r.random() < 0.2:
                out.append(f" neighbor {addr} bfd")
        out += [" !", " address-family ipv4 unicast", "  network 192.0.2.0/24"]
        for addr, _nasn, kind, tag in neighbors:
            out += [
                f"  neighbor {addr} route-map FROM-{tag} in",
                f"  neighbor {addr} route-map TO-{kind.upper()} out",
                f"  neighbor {addr} maximum-prefix {_MAX_PREFIX[kind]} 90",
            ]
            if kind != "transit":
                out.append(f"  neighbor {addr} soft-reconfiguration inbound")
        return [*out, " exit-address-family", "exit", "!"]

    def _shared(self) -> list[str]:
        out = [
            "ip prefix-list ANYCAST-V4 seq 5 permit 192.0.2.0/24",
            "ip prefix-list TOO-SPECIFIC-V4 seq 5 permit 0.0.0.0/0 ge 25",
            "ip prefix-list V4-MAX24 seq 5 permit 0.0.0.0/0 le 24",
        ]
        out += [
            f"ip prefix-list BOGONS-V4 seq {5 * (i + 1)} permit {p} le 32" for i, p in enumerate(self.BOGONS)
        ]
        out += [
            "bgp community-list standard CUSTOMER-ROUTES seq 5 permit 64500:1000",
            "bgp community-list standard BLACKHOLE seq 5 permit 65535:666",
            "bgp community-list expanded NO-EXPORT-TO-PEERS seq 5 permit ^64500:(2|3)[0-9][0-9]$",
            "route-map TO-TRANSIT permit 10", " match ip address prefix-list ANYCAST-V4",
            " set community 64500:100 additive",
            "route-map TO-TRANSIT permit 20", " match community CUSTOMER-ROUTES",
            " match ip address prefix-list IRR-AS-CUSTOMERS",
            "route-map TO-PEER permit 10", " match ip address prefix-list ANYCAST-V4",
            "route-map TO-PEER permit 20", " match community CUSTOMER-ROUTES",
            " match ip address prefix-list IRR-AS-CUSTOMERS",
            "route-map TO-CUSTOMER deny 5", " match community BLACKHOLE",
            "route-map TO-CUSTOMER permit 10", " match ip address prefix-list V4-MAX24",
        ]  # fmt: skip
        return out

    def _imports(self, neighbors: Sequence[tuple[str, int, str, str]]) -> list[str]:
        r = self.rng
        out: list[str] = []
        for _addr, nasn, kind, tag in neighbors:
            out += [f"route-map FROM-{tag} deny 5", " match rpki invalid"]
            out += [f"route-map FROM-{tag} deny 10", " match ip address prefix-list BOGONS-V4"]
            if kind == "customer":
                out.append(f"bgp as-path access-list AS-{tag} seq 5 permit ^{nasn}(_{nasn})*$")
                nets = sorted({self._v4(r.choice((16, 20, 22, 24))) for _ in range(r.randint(3, 15))})
                out += [f"ip prefix-list PL-{tag} seq {5 * (i + 1)} permit {n}" for i, n in enumerate(nets)]
                out += [
                    f"route-map FROM-{tag} permit 100",
                    f" match ip address prefix-list PL-{tag}",
                    f" match as-path AS-{tag}",
                    " set local-preference 200",
                    " set community 64500:1000 additive",
                ]
            else:
                out += [
                    f"route-map FROM-{tag} permit 100",
                    " match ip address prefix-list V4-MAX24",
                    f" set local-preference {100 if kind == 'transit' else 150}",
                ]
                if r.random() < 0.3:
                    out.append(" set metric 50")
        return out

    def device(self, index: int) -> str:
        r = self.rng
        target = r.randint(self.target * 9 // 10, self.target * 11 // 10)
        neighbors: list[tuple[str, int, str, str]] = []  # address, ASN, kind, tag
        for n in range(r.randint(40, 70)):
            kind = r.choices(("transit", "peer", "customer"), weights=(1, 4, 6))[0]
            neighbors.append((f"198.51.100.{n + 1}", self._asn(), kind, f"{kind.upper()}-{n}"))
        out = self._header(index) + self._bgp(index, neighbors) + self._shared() + self._imports(neighbors)
        # pad to the target with a large aggregate customer list, as IRR-generated lists are
        irr: set[str] = set()
        while len(out) + len(irr) < target - 1:
            irr.add(self._v4(r.choice((16, 19, 20, 22, 23, 24))))
        out += [
            f"ip prefix-list IRR-AS-CUSTOMERS seq {5 * (i + 1)} permit {n} le 24"
            for i, n in enumerate(sorted(irr))
        ]
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
    times = lint_in_process(files)
    rows = [Row("corpus", "files / lines", f"{len(files)} / {lines:,}", f"{len(files)} / {lines:,}")]
    if times.files != len(files):
        rows.append(Row("corpus", "note", f"{times.files} files linted", "", "policylint skipped some files"))
    if vtysh is None:
        return rows + lint_rows("corpus", lines, times, "n/a (vtysh not installed)")
    run = vtysh_dryrun(vtysh, files)
    rows.append(
        Row("corpus", "vtysh wall time", "", _secs(run.seconds),
            f"vtysh: 1 process per file, {run.failed} files rejected"),
    )  # fmt: skip
    return rows + lint_rows("corpus", lines, times, _rate(lines, run.seconds))


@dataclass(frozen=True, slots=True)
class GenSpec:
    devices: int
    lines: int
    seed: int
    vtysh_sample: int
    keep: Path | None


def bench_generated(vtysh: str | None, spec: GenSpec) -> list[Row]:
    tmp = None if spec.keep else tempfile.TemporaryDirectory(prefix="policylint-bench-")
    root = spec.keep if spec.keep is not None else Path(tmp.name) if tmp is not None else Path.cwd()
    seed, sample = spec.seed, spec.vtysh_sample
    try:
        progress(f"generating {spec.devices} devices x ~{spec.lines} lines (seed {seed})")
        t0 = time.perf_counter()
        files = generate_repository(root, spec.devices, spec.lines, seed)
        gen_s = time.perf_counter() - t0
        per_file = [count_lines(f) for f in files]
        total = sum(per_file)
        times = lint_in_process(files)
        rows = [
            Row("generated", "files / lines", f"{len(files)} / {total:,}", f"{len(files)} / {total:,}",
                f"seed {seed}, generated in {gen_s:.1f} s under {root}"),
        ]  # fmt: skip
        if vtysh is None:
            return rows + lint_rows("generated", total, times, "n/a (vtysh not installed)")
        k = max(1, min(sample, len(files)))
        picks = sorted({round(i * (len(files) - 1) / max(1, k - 1)) for i in range(k)})
        sample_files = [files[i] for i in picks]
        sample_lines = sum(per_file[i] for i in picks)
        run = vtysh_dryrun(vtysh, sample_files)
        peer_rate = sample_lines / run.seconds if run.seconds > 0 else 0.0
        rows.append(
            Row("generated", "vtysh sample", "", f"{peer_rate:,.0f} lines/s",
                f"vtysh measured on {len(sample_files)} files ({sample_lines:,} lines) in "
                f"{_secs(run.seconds)}, {run.failed} rejected; its rate stands for the whole repository"),
        )  # fmt: skip
        rows += lint_rows("generated", total, times, f"{peer_rate:,.0f} lines/s (sample)")
        return rows
    finally:
        if tmp is not None:
            tmp.cleanup()


def bench_startup(vtysh: str | None, runs: int) -> list[Row]:
    if not SMALL_FILE.is_file():
        return [Row("startup", "skipped", "-", "-", f"{SMALL_FILE} not found")]
    rel = SMALL_FILE.relative_to(REPO)
    cmd = [*policylint_command(), "lint", str(rel), "--format", "json"]
    progress(f"start-up: {runs} runs each of policylint and vtysh on {rel}")
    # As installed: Python's bytecode cache on (an environment may switch it off, which makes every
    # start recompile the package), written by one untimed run first.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    median_wall(cmd, 1, env)
    ours, codes = median_wall(cmd, runs, env)
    note = (
        f"median of {runs} after one untimed run (bytecode cached); {count_lines(SMALL_FILE)} lines; "
        f"`{' '.join([Path(cmd[0]).name, *cmd[1:]])}`"
    )
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
        line = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
        print(f"{line}  {r.note}" if r.note else line.rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths) + "  -----")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = ap.add_argument
    add("--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable)")
    add("--devices", type=int, default=500, help="generated repository: devices (default 500)")
    add("--lines", type=int, default=2000, help="generated repository: lines per device (default 2000)")
    add("--seed", type=int, default=64500, help="generator seed (default 64500)")
    add("--vtysh-sample", type=int, default=20, help="generated files given to vtysh (default 20)")
    add("--runs", type=int, default=10, help="start-up benchmark runs, median (default 10)")
    add("--keep", type=Path, help="write the generated repository here and keep it")
    add("--no-vtysh", action="store_true", help="do not run the FRR peer")
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
        spec = GenSpec(args.devices, args.lines, args.seed, args.vtysh_sample, args.keep)
        rows += bench_generated(vtysh, spec)
    if "startup" in selected:
        rows += bench_startup(vtysh, args.runs)
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
