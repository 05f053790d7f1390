"""Cisco IOS lint throughput beside ciscoconfparse parsing the same files, in the same run.

    python benchmarks/bench_ios.py                    # 500 generated devices
    python benchmarks/bench_ios.py --devices 50 --lines 1000

A deterministic (seeded) repository of N IOS/IOS-XE devices (interfaces, a `router bgp` with
transits, peers and customers in peer-groups, prefix-lists, AS-path and community lists,
route-maps, static Null0 anchors) is written to a temporary directory. Then, in one process:

* policylint: the full lint (read, detect, parse, assemble, every check) of the directory;
* policylint parse only (read + detect + parse + assemble), for reference;
* ciscoconfparse (the design's named library, GPL-3.0, a test-only dependency here):
  ``CiscoConfParse(lines, syntax="ios")`` of every file, its loguru logging silenced.

Lines are counted once, by this script, for all of them. The figures are printed, never
asserted: timings depend on the machine. Targets from the issue: full lint >= 5x faster than
ciscoconfparse's parse alone, and >= 100,000 lines/s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from ipaddress import IPv4Network
from pathlib import Path

_BOGONS = ("0.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
           "192.168.0.0/16", "224.0.0.0/3")  # fmt: skip
_MAX_PREFIX = {"transit": 1200000, "peer": 200000, "customer": 500}


class IosRepo:
    """Seeded generator of IOS edge configs, the IOS twin of ``bench_lint.py``'s FRR generator.

    Same policy shapes (imports dropping RPKI invalids and bogons, customer prefix/AS-path
    filters, exports by anycast list and customer community plus an IRR-style aggregate
    list that pads each device to ~``lines`` lines), written in IOS syntax with interfaces
    and peer-groups as IOS configs have them.
    """

    def __init__(self, seed: int, lines: int) -> None:
        self.rng = random.Random(seed)
        self.target = lines

    def _v4(self, length: int) -> IPv4Network:
        host = 0x0A000000 | self.rng.getrandbits(24)
        return IPv4Network((host, length), strict=False)

    def _asn(self) -> int:
        r = self.rng
        return r.randint(64512, 65534) if r.random() < 0.7 else r.randint(4200000000, 4200099999)

    def _header(self, index: int, links: int) -> list[str]:
        out = [
            "!", "version 17.9", "service timestamps debug datetime msec",
            f"hostname edge{index:03d}", "!", "boot-start-marker", "boot-end-marker", "!",
        ]  # fmt: skip
        for i in range(links):
            out += [
                f"interface GigabitEthernet0/0/{i}",
                f" ip address 198.51.{i}.{index % 250 + 1} 255.255.255.0",
                " negotiation auto",
                "!",
            ]
        return out

    def _bgp(self, index: int, neighbors: list[tuple[str, int, str, str]]) -> list[str]:
        r = self.rng
        out = [
            "router bgp 64500",
            f" bgp router-id 10.255.{index // 250}.{index % 250 + 1}",
            " bgp log-neighbor-changes",
            f" bgp rpki server tcp 192.0.2.{200 + index % 50} port 3323 refresh 600",
            " neighbor TRANSIT peer-group",
            " neighbor TRANSIT route-map TO-TRANSIT out",
        ]
        for addr, nasn, kind, tag in neighbors:
            out += [f" neighbor {addr} remote-as {nasn}", f" neighbor {addr} description {tag} {kind}"]
            if kind == "transit":
                out.append(f" neighbor {addr} peer-group TRANSIT")
            if r.random() < 0.3:
                out.append(f" neighbor {addr} password 7 {r.randrange(16**12):012X}")
        out += [" !", " address-family ipv4", "  network 192.0.2.0 mask 255.255.255.0"]
        for addr, _nasn, kind, tag in neighbors:
            out += [
                f"  neighbor {addr} activate",
                f"  neighbor {addr} send-community both",
                f"  neighbor {addr} route-map FROM-{tag} in",
                f"  neighbor {addr} maximum-prefix {_MAX_PREFIX[kind]} 90",
            ]
            if kind != "transit":
                out.append(f"  neighbor {addr} route-map TO-{kind.upper()} out")
                out.append(f"  neighbor {addr} soft-reconfiguration inbound")
        return [*out, " exit-address-family", "!", "ip route 192.0.2.0 255.255.255.0 Null0", "!"]

    def _shared(self) -> list[str]:
        out = [
            "ip prefix-list ANYCAST-V4 seq 5 permit 192.0.2.0/24",
            "ip prefix-list V4-MAX24 seq 5 permit 0.0.0.0/0 le 24",
        ]
        out += [f"ip prefix-list BOGONS-V4 seq {5 * (i + 1)} permit {p} le 32" for i, p in enumerate(_BOGONS)]
        out += [
            "ip community-list standard CUSTOMER-ROUTES permit 64500:1000",
            "ip community-list standard BLACKHOLE permit 65535:666",
            "ip community-list expanded NO-EXPORT-TO-PEERS permit ^64500:(2|3)[0-9][0-9]$",
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

    def _imports(self, neighbors: list[tuple[str, int, str, str]]) -> list[str]:
        r = self.rng
        out: list[str] = []
        for n, (_addr, nasn, kind, tag) in enumerate(neighbors):
            out += [f"route-map FROM-{tag} deny 5", " match rpki invalid"]
            out += [f"route-map FROM-{tag} deny 10", " match ip address prefix-list BOGONS-V4"]
            if kind == "customer":
                out.append(f"ip as-path access-list {n + 1} permit ^{nasn}(_{nasn})*$")
                nets = sorted({self._v4(r.choice((16, 20, 22, 24))) for _ in range(r.randint(3, 15))})
                out += [f"ip prefix-list PL-{tag} seq {5 * (i + 1)} permit {p}" for i, p in enumerate(nets)]
                out += [
                    f"route-map FROM-{tag} permit 100",
                    f" match ip address prefix-list PL-{tag}",
                    f" match as-path {n + 1}",
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
        neighbors: list[tuple[str, int, str, str]] = []
        for n in range(r.randint(40, 70)):
            kind = r.choices(("transit", "peer", "customer"), weights=(1, 4, 6))[0]
            neighbors.append((f"198.51.100.{n + 1}", self._asn(), kind, f"{kind.upper()}-{n}"))
        out = self._header(index, r.randint(4, 12)) + self._bgp(index, neighbors)
        out += self._shared() + self._imports(neighbors)
        irr: set[IPv4Network] = set()
        while len(out) + len(irr) < target - 4:
            irr.add(self._v4(r.choice((16, 19, 20, 22, 23, 24))))
        out += [
            f"ip prefix-list IRR-AS-CUSTOMERS seq {5 * (i + 1)} permit {p} le 24"
            for i, p in enumerate(sorted(irr))
        ]
        out += ["line vty 0 4", " transport input ssh", "!", "end"]
        return "\n".join(out) + "\n"


def _ciscoconfparse(files: list[Path]) -> float | None:
    try:
        from ciscoconfparse import CiscoConfParse
        from loguru import logger
    except ImportError:
        return None
    logger.remove()  # after the import: ciscoconfparse installs its own stderr handler
    start = time.perf_counter()
    for f in files:
        CiscoConfParse(f.read_text(encoding="utf-8").splitlines(), syntax="ios")
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=500)
    ap.add_argument("--lines", type=int, default=2000, help="approximate lines per device")
    ap.add_argument("--seed", type=int, default=64500)
    args = ap.parse_args()

    from policylint.engine import Options, lint_paths
    from policylint.loader import load_paths

    with tempfile.TemporaryDirectory() as tmp:
        gen = IosRepo(args.seed, args.lines)
        files = []
        for i in range(args.devices):
            path = Path(tmp) / f"edge{i:04d}.cfg"
            path.write_text(gen.device(i), encoding="utf-8")
            files.append(path)
        lines = sum(f.read_text(encoding="utf-8").count("\n") for f in files)
        print(f"generated {len(files)} IOS devices, {lines:,} lines (seed {args.seed})", file=sys.stderr)

        start = time.perf_counter()
        loaded = load_paths([tmp], Options())
        parse_s = time.perf_counter() - start
        assert all(r.vendor == "ios" and r.error is None for r in loaded)

        start = time.perf_counter()
        result = lint_paths([tmp], Options())
        lint_s = time.perf_counter() - start
        findings = len(result.findings)

        ccp_s = _ciscoconfparse(files)

    def rate(seconds: float) -> str:
        return f"{lines / seconds:>12,.0f} lines/s  ({seconds:6.2f} s)"

    print(f"{'':34}{'throughput':>26}")
    print(f"{'policylint lint (all checks)':34}{rate(lint_s)}   {findings} findings")
    print(f"{'policylint parse only':34}{rate(parse_s)}")
    if ccp_s is None:
        print("ciscoconfparse is not installed (pip install ciscoconfparse): no peer figure")
        return 0
    print(f"{'ciscoconfparse parse only':34}{rate(ccp_s)}")
    print(f"\nfull lint is {ccp_s / lint_s:.1f}x faster than ciscoconfparse's parse alone (target >= 5x)")
    print(f"full lint rate {lines / lint_s:,.0f} lines/s (target >= 100,000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
