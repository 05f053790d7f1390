"""A real FRR lab for the what-if engine: one ``bgpd`` per AS (and per anycast site) in its own
network namespace, connected by veth pairs whose addresses exist only inside those namespaces.

Every AS runs Gao-Rexford policy: local-preference by relationship (customer 300, peer 200,
provider 100) and valley-free export (routes with local-preference 300, i.e. learned from a
customer, go to providers and peers; everything goes to customers), IPv4 prefixes longer than
/24 dropped on import, ``bgp bestpath compare-routerid`` with router ids that increase with the ASN
(``10.0.0.0 + ASN*256 + n``) so that ties break like the model (lowest neighbor ASN; sites of one
origin AS by their site index).  Sites are real FRR configs (written by the test, parsed by
policylint, run by bgpd); each tags its origination with a large community naming the site, which
is how the lab tells which site an AS's best path leads to.

Used by tests/test_whatif_lab.py; needs root, ``ip netns`` and FRR's bgpd/vtysh.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from frrlab_configs import ORIGIN, Site, SiteConfig, as_config, parse_topology, site_config

BGPD = "/usr/lib/frr/bgpd"


def lab_available() -> str | None:
    """None when a lab can run here, else the reason to skip."""
    if os.geteuid() != 0:
        return "the FRR lab needs root (network namespaces)"
    if not os.path.exists(BGPD) or shutil.which("vtysh") is None:
        return "FRR (bgpd, vtysh) is not installed"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    probe = f"plprobe{os.getpid()}"
    ok = subprocess.run(["ip", "netns", "add", probe], capture_output=True, check=False).returncode == 0
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None if ok else "cannot create network namespaces here (ip netns add failed)"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):  # a zombie of ours is gone for our purposes
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    return True


def _run(*cmd: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {proc.stderr.strip()}")


class Lab:
    """Build with :meth:`start`; always :meth:`stop` (``with Lab(...) as lab`` does)."""

    def __init__(
        self, workdir: Path, topology: str, sites: list[Site], prefer: dict[int, dict[int, int]] | None = None
    ) -> None:
        self.dir = workdir
        self.prefer = prefer or {}  # AS -> neighbor AS -> local-preference (breaks Gao-Rexford)
        self.links = parse_topology(topology)
        self.sites = sorted(sites, key=lambda s: s.name)
        self.ases = sorted({a for a, _, _ in self.links} | {b for _, b, _ in self.links})
        self.tag = f"pl{os.getpid() % 100000}"
        self.namespaces: list[str] = []
        self.site_addr: dict[str, dict[int, str]] = {}  # site -> neighbor AS -> neighbor address
        self.running: dict[str, str] = {}  # site -> the config its bgpd runs
        self._k = 0

    # ------------------------------------------------------------------ plumbing

    def ns(self, node: str) -> str:
        return f"{self.tag}-{node}"

    def _link(self, a: str, b: str) -> tuple[str, str]:
        """A veth pair between nodes a and b; returns (address in a, address in b)."""
        k = self._k
        self._k += 1
        base = ipaddress.IPv4Address("10.128.0.0") + 4 * k
        ia, ib = str(base + 1), str(base + 2)
        va, vb = f"{self.tag}v{k}a", f"{self.tag}v{k}b"
        _run(
            "ip",
            "link",
            "add",
            va,
            "netns",
            self.ns(a),
            "type",
            "veth",
            "peer",
            "name",
            vb,
            "netns",
            self.ns(b),
        )
        for node, dev, ip in ((a, va, ia), (b, vb, ib)):
            _run("ip", "-n", self.ns(node), "addr", "add", f"{ip}/30", "dev", dev)
            _run("ip", "-n", self.ns(node), "link", "set", dev, "up")
        return ia, ib

    def _add_ns(self, node: str) -> None:
        name = self.ns(node)
        _run("ip", "netns", "add", name)
        self.namespaces.append(name)
        _run("ip", "-n", name, "link", "set", "lo", "up")
        (self.dir / node).mkdir(parents=True, exist_ok=True)

    def _start(self, node: str, config: str) -> None:
        d = self.dir / node
        (d / "bgpd.conf").write_text(config)
        pid = d / "bgpd.pid"
        with contextlib.suppress(FileNotFoundError):
            pid.unlink()
        _run(
            "ip", "netns", "exec", self.ns(node), BGPD, "-d", "-Z", "-S", "-P", "0",
            "-f", str(d / "bgpd.conf"), "-i", str(pid), "--vty_socket", str(d),
            "--log", f"file:{d / 'bgpd.log'}",
        )  # fmt: skip
        for _ in range(100):
            if pid.exists() and pid.read_text().strip():
                return
            time.sleep(0.05)
        raise RuntimeError(f"bgpd for {node} did not start")

    def _kill(self, node: str) -> None:
        pid = self.dir / node / "bgpd.pid"
        try:
            n = int(pid.read_text().strip())
        except (OSError, ValueError):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(n, signal.SIGTERM)
        for _ in range(100):
            try:
                os.kill(n, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(n, signal.SIGKILL)
        with contextlib.suppress(FileNotFoundError):
            pid.unlink()

    # ------------------------------------------------------------------ lifecycle

    def start(self, configs: dict[str, SiteConfig]) -> None:
        sessions: dict[int, list[tuple[str, int, str]]] = {a: [] for a in self.ases}
        for asn in self.ases:
            self._add_ns(f"as{asn}")
        for site in self.sites:
            self._add_ns(site.name)
        for a, b, rel in self.links:
            ia, ib = self._link(f"as{a}", f"as{b}")
            sessions[a].append((ib, b, "customer" if rel == -1 else "peer"))
            sessions[b].append((ia, a, "provider" if rel == -1 else "peer"))
        for site in self.sites:
            addrs = {}
            for link in site.links:
                i_site, i_as = self._link(site.name, f"as{link.neighbor}")
                addrs[link.neighbor] = i_as
                back = {"provider": "customer", "customer": "provider", "peer": "peer"}[link.role]
                sessions[link.neighbor].append((i_site, ORIGIN, back))
            self.site_addr[site.name] = addrs
        for asn in self.ases:
            self._start(f"as{asn}", as_config(asn, sessions[asn], self.prefer.get(asn)))
        self.apply(configs)

    def config_text(self, name: str, cfg: SiteConfig) -> str:
        index = next(i for i, s in enumerate(self.sites) if s.name == name)
        return site_config(self.sites[index], index, cfg, self.site_addr[name])

    def apply(self, configs: dict[str, SiteConfig]) -> None:
        """Restart the sites whose config changes; sites not listed or not ``up`` stop."""
        for site in self.sites:
            cfg = configs.get(site.name)
            text = self.config_text(site.name, cfg) if cfg is not None and cfg.up else None
            if text == self.running.get(site.name):
                continue
            self._kill(site.name)
            self.running.pop(site.name, None)
            if text is not None:
                self._start(site.name, text)
                self.running[site.name] = text

    def stop(self) -> None:
        """Stop every bgpd (all signalled at once, then waited for) and delete the namespaces."""
        pids = []
        for node in [*(f"as{a}" for a in self.ases), *(s.name for s in self.sites)]:
            with contextlib.suppress(OSError, ValueError):
                pid = int((self.dir / node / "bgpd.pid").read_text().strip())
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
                    pids.append(pid)
        deadline = time.monotonic() + 10
        while pids and time.monotonic() < deadline:
            pids = [p for p in pids if _alive(p)]
            time.sleep(0.1)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for name in self.namespaces:
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
        self.namespaces.clear()

    def memory_mib(self) -> float:
        """Total resident memory of the lab's bgpd processes."""
        total = 0
        for node in [*(f"as{a}" for a in self.ases), *(s.name for s in self.sites)]:
            with contextlib.suppress(OSError, ValueError):
                pid = int((self.dir / node / "bgpd.pid").read_text().strip())
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total / 1024

    def dump_rib(self, asn: int, path: Path) -> None:
        """FRR's own MRT RIB dump (TABLE_DUMP_V2) of AS ``asn``: every neighbor's best path, as a
        route collector peering with those neighbors records it."""
        d = self.dir / f"as{asn}"
        subprocess.run(
            ["vtysh", "--vty_socket", str(d), "-d", "bgpd", "-c", "configure terminal",
             "-c", f"dump bgp routes-mrt {path}"],
            capture_output=True, text=True, check=True, timeout=30,
        )  # fmt: skip
        size = -1
        for _ in range(200):  # the dump runs as an event in bgpd: wait until the file stops growing
            time.sleep(0.05)
            now = path.stat().st_size if path.exists() else -1
            if now > 0 and now == size:
                return
            size = now
        raise RuntimeError(f"AS{asn} wrote no MRT dump to {path}")

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ observation

    def best_site(self, asn: int, address: str) -> tuple[str | None, str]:
        """(site name or None, AS path) of the AS's best route toward ``address`` (longest match)."""
        d = self.dir / f"as{asn}"
        proc = subprocess.run(
            ["vtysh", "--vty_socket", str(d), "-d", "bgpd", "-c", f"show bgp ipv4 unicast {address} json"],
            capture_output=True, text=True, check=False, timeout=30,
        )  # fmt: skip
        try:
            doc = json.loads(proc.stdout or "{}")
        except json.JSONDecodeError:
            return None, f"unreadable: {proc.stdout[:80]!r} {proc.stderr[:80]!r}"
        for path in doc.get("paths", []):
            if path.get("bestpath", {}).get("overall"):
                comm = path.get("largeCommunity", {}).get("string", "")
                site = None
                for token in comm.split():
                    parts = token.split(":")
                    if len(parts) == 3 and parts[0] == str(ORIGIN):
                        site = self.sites[int(parts[2]) - 1].name
                return site, path.get("aspath", {}).get("string", "")
        return None, ""

    def snapshot(self, address: str) -> dict[int, tuple[str | None, str]]:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda a: self.best_site(a, address), self.ases))
        return dict(zip(self.ases, results, strict=True))

    def _sessions_down(self, node: str) -> int:
        d = self.dir / node
        proc = subprocess.run(
            ["vtysh", "--vty_socket", str(d), "-d", "bgpd", "-c", "show bgp ipv4 unicast summary json"],
            capture_output=True, text=True, check=False, timeout=30,
        )  # fmt: skip
        try:
            peers = json.loads(proc.stdout or "{}").get("peers", {})
        except json.JSONDecodeError:
            return 1
        return sum(1 for p in peers.values() if p.get("state") != "Established")

    def wait_sessions(self, down_sites: set[str], timeout: float = 120.0) -> None:
        """Until every session not toward a stopped site is Established."""
        expected_down: dict[str, int] = {}
        for site in self.sites:
            if site.name in down_sites:
                for link in site.links:
                    key = f"as{link.neighbor}"
                    expected_down[key] = expected_down.get(key, 0) + 1
        nodes = [f"as{a}" for a in self.ases] + [s.name for s in self.sites if s.name not in down_sites]
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            with ThreadPoolExecutor(max_workers=8) as pool:
                down = list(pool.map(self._sessions_down, nodes))
            if all(n <= expected_down.get(node, 0) for node, n in zip(nodes, down, strict=True)):
                return
            time.sleep(0.5)
        raise RuntimeError(f"BGP sessions did not come up within {timeout:.0f} s")

    def converge(
        self, address: str, down_sites: set[str], *, settle: float = 3.0, timeout: float = 180.0
    ) -> dict[int, tuple[str | None, str]]:
        """Wait for the sessions, then poll until the best paths have not changed for ``settle`` seconds."""
        self.wait_sessions(down_sites)
        start = time.monotonic()
        last = self.snapshot(address)
        stable_since = time.monotonic()
        while time.monotonic() - start < timeout:
            time.sleep(1.0)
            now = self.snapshot(address)
            if now != last:
                last, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since >= settle:
                return now
        raise RuntimeError(f"the lab did not converge within {timeout:.0f} s")


@contextlib.contextmanager
def running(workdir: Path, topology: str, sites: list[Site], configs: dict[str, SiteConfig]) -> Iterator[Lab]:
    lab = Lab(workdir, topology, sites)
    try:
        lab.start(configs)
        yield lab
    finally:
        lab.stop()
