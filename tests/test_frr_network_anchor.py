"""Real FRR decides what RF102 claims: a `network` without an exact route is not announced.

Two network namespaces joined by a veth pair.  The originator runs the real zebra, staticd and
bgpd (so ``bgp network import-check``, FRR's default, consults a real routing table); its
``network`` statements are anchored by a blackhole static route, by an interface subnet, by a
more-specific static route only, or by nothing.  The receiver (bgpd alone) shows what was
announced.  policylint lints the same configuration as one integrated ``frr.conf`` and must
flag exactly the statements whose prefixes the receiver never gets.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from labproc import stop_lab

from policylint.engine import lint_paths

FRR = Path("/usr/lib/frr")
VTYSH = shutil.which("vtysh")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root"),
    pytest.mark.skipif(shutil.which("ip") is None, reason="iproute2 is not installed"),
    pytest.mark.skipif(
        VTYSH is None or not all((FRR / d).exists() for d in ("zebra", "staticd", "bgpd")),
        reason="FRR (zebra, staticd, bgpd) is not installed",
    ),
]

ZEBRA = """\
interface lo
 ip address 198.51.100.1/32
exit
"""
STATICD = """\
ip route 192.0.2.0/24 blackhole
ip route 203.0.113.0/25 blackhole
ipv6 route 2001:db8:53::/48 blackhole
"""
BGPD = """\
router bgp 64500
 bgp router-id 10.255.7.1
 no bgp ebgp-requires-policy
 neighbor 10.255.7.2 remote-as 64496
 neighbor 10.255.7.2 timers 3 9
 address-family ipv4 unicast
  network 192.0.2.0/24
  network 198.51.100.1/32
  network 203.0.113.0/24
  network 100.64.0.0/24
 exit-address-family
exit
"""
RECEIVER = """\
router bgp 64496
 bgp router-id 10.255.7.2
 no bgp ebgp-requires-policy
 neighbor 10.255.7.1 remote-as 64500
 neighbor 10.255.7.1 timers 3 9
exit
"""
ORIGINATED = {"192.0.2.0/24", "198.51.100.1/32", "203.0.113.0/24", "100.64.0.0/24"}


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=30)


@dataclass
class Lab:
    work: Path
    receiver_ns: str

    def received(self) -> set[str]:
        out = subprocess.run(
            ["ip", "netns", "exec", self.receiver_ns, VTYSH or "vtysh", "--vty_socket",
             str(self.work / "rcv"), "-c", "show bgp ipv4 unicast json"],
            capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
        try:
            routes = json.loads(out.stdout).get("routes", {})
        except ValueError:
            return set()
        return set(routes)


def _daemon(ns: str, name: str, conf: Path, zsock: Path | None, *extra: str) -> list[str]:
    run = conf.parent
    cmd = ["ip", "netns", "exec", ns, str(FRR / name), "-f", str(conf), "-i", str(run / f"{name}.pid"),
           "--vty_socket", str(run), "--log", f"file:{run / f'{name}.log'}"]  # fmt: skip
    cmd += ["-z", str(zsock)] if zsock is not None else ["-Z"]
    return cmd + list(extra)


@pytest.fixture
def lab() -> Iterator[Lab]:
    tag = uuid.uuid4().hex[:6]
    ns_o, ns_r = f"pao{tag}", f"par{tag}"
    work = Path(tempfile.mkdtemp(prefix="policylint-anchor-"))  # bgpd drops to the frr user
    work.chmod(0o755)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        _run("ip", "netns", "add", ns_o)
        _run("ip", "netns", "add", ns_r)
        _run("ip", "link", "add", f"pao{tag}", "type", "veth", "peer", "name", f"par{tag}")
        for ns, dev, addr in ((ns_o, f"pao{tag}", "10.255.7.1/30"), (ns_r, f"par{tag}", "10.255.7.2/30")):
            _run("ip", "link", "set", dev, "netns", ns)
            _run("ip", "-n", ns, "addr", "add", addr, "dev", dev)
            _run("ip", "-n", ns, "link", "set", "lo", "up")
            _run("ip", "-n", ns, "link", "set", dev, "up")
        for sub in ("orig", "rcv"):
            (work / sub).mkdir(mode=0o777)
            (work / sub).chmod(0o777)
        files = {"zebra": ZEBRA, "staticd": STATICD, "bgpd": BGPD}
        for name, text in files.items():
            (work / "orig" / f"{name}.conf").write_text(text, encoding="utf-8")
        (work / "rcv" / "bgpd.conf").write_text(RECEIVER, encoding="utf-8")
        zsock = work / "orig" / "zserv.api"
        procs.append(subprocess.Popen(_daemon(ns_o, "zebra", work / "orig" / "zebra.conf", zsock),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
        for _ in range(100):  # the clients connect to zebra's socket
            if zsock.exists():
                break
            time.sleep(0.05)
        for name in ("staticd", "bgpd"):
            extra = ("-P", "0") if name == "bgpd" else ()
            procs.append(subprocess.Popen(
                _daemon(ns_o, name, work / "orig" / f"{name}.conf", zsock, *extra),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
        procs.append(subprocess.Popen(_daemon(ns_r, "bgpd", work / "rcv" / "bgpd.conf", None, "-P", "0"),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
        yield Lab(work, ns_r)
    finally:
        stop_lab(procs, (ns_o, ns_r), work)


def test_rf102_fires_exactly_on_the_networks_frr_does_not_announce(lab: Lab, tmp_path: Path) -> None:
    deadline = time.monotonic() + 60
    received: set[str] = set()
    while time.monotonic() < deadline:
        received = lab.received()
        if {"192.0.2.0/24", "198.51.100.1/32"} <= received:
            time.sleep(4)  # a few more update rounds: anything else would have arrived by now
            received = lab.received()
            break
        time.sleep(0.5)
    announced = received & ORIGINATED
    assert announced == {"192.0.2.0/24", "198.51.100.1/32"}, f"FRR announced {sorted(received)}"

    integrated = tmp_path / "frr.conf"
    text = "frr version 8.4\nfrr defaults traditional\nhostname orig\n" + ZEBRA + STATICD + BGPD
    integrated.write_text(text, encoding="utf-8")
    result = lint_paths([str(integrated)], jobs=1)
    lines = text.splitlines()
    flagged = {lines[f.line - 1].split()[1] for f in result.findings if f.rule == "RF102"}
    assert flagged == ORIGINATED - announced
