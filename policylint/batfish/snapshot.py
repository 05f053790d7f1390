"""A Batfish snapshot directory built from a config set.

Layout (Batfish's "Packaging snapshots for analysis" page, github.com/batfish/batfish/wiki): a
top-level folder with ``configs/`` holding one file per network device; the optional ``hosts/``,
``iptables/`` and ``batfish/`` folders are not needed for BGP policy questions and are not written.

Vendors:

- Cisco IOS files are written as they are (Batfish detects the format from the content).
- FRR has no stand-alone format in Batfish; it is read as "Cumulus concatenated" (pybatfish docs,
  formats.html "Cumulus configuration files"; batfish/batfish issues #8696, #8697 and #9300): the
  hostname on the first line, the sentinel ``# This file describes the network interfaces`` that
  opens the (here empty) ``/etc/network/interfaces`` part, then ``frr version`` and ``frr.conf``.
  The lines put in front shift Batfish's line numbers: :attr:`SnapshotFile.line_offset` maps them back.
- ExaBGP is not modelled by Batfish: such devices are listed in :attr:`Snapshot.skipped` and the
  caller evaluates them with the embedded engine.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass

from policylint.batfish.errors import BatfishError
from policylint.model import Device, Network

CONFIGS = "configs"
FRR_INTERFACES_SENTINEL = "# This file describes the network interfaces"
FRR_SECTION_SENTINEL = "frr version"
BATFISH_VENDORS = frozenset({"frr", "ios"})
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True, slots=True)
class SnapshotFile:
    name: str  # path inside the snapshot, e.g. "configs/fra1.cfg"
    source: str  # the config file it was made from (Device.source)
    vendor: str
    hostnames: tuple[str, ...]
    line_offset: int  # Batfish line N is line N - line_offset of ``source``


@dataclass(frozen=True, slots=True)
class Snapshot:
    directory: str
    files: tuple[SnapshotFile, ...]
    skipped: tuple[tuple[str, str], ...]  # (hostname, reason): devices Batfish cannot model

    def file_for(self, name: str) -> SnapshotFile | None:
        """The snapshot file Batfish calls ``name`` (it reports paths relative to the snapshot)."""
        for f in self.files:
            if name == f.name or name.endswith("/" + f.name):
                return f
        return None


def node_name(hostname: str) -> str:
    """Batfish's node name for a hostname: node names are lower case in its answers."""
    return hostname.lower()


def read_source(source: str) -> str:
    """The text of a device's config file: a path, or ``git:REV:PATH`` (as the what-if loader names them)."""
    if source.startswith("git:"):
        rev, _, path = source[4:].partition(":")
        try:
            proc = subprocess.run(
                ["git", "show", f"{rev}:{path}"], capture_output=True, check=False, timeout=120
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BatfishError(f"{source}: cannot read it for the Batfish snapshot: {exc}") from None
        if proc.returncode != 0:
            raise BatfishError(f"{source}: cannot read it for the Batfish snapshot (git show failed)")
        return proc.stdout.decode("utf-8", "replace")
    try:
        with open(source, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BatfishError(f"{source}: cannot read it for the Batfish snapshot: {reason}") from None


def frr_concatenated(hostname: str, text: str) -> tuple[str, int]:
    """An FRR config in Batfish's concatenated layout, and how many lines were put in front."""
    head = [hostname, FRR_INTERFACES_SENTINEL, "", FRR_SECTION_SENTINEL]
    body = text if text.endswith("\n") else text + "\n"
    return "\n".join(head) + "\n" + body, len(head)


def _file_name(hostnames: tuple[str, ...], source: str, taken: set[str]) -> str:
    stem = _UNSAFE.sub("_", hostnames[0] if len(hostnames) == 1 else os.path.basename(source)) or "device"
    name = f"{CONFIGS}/{stem}.cfg"
    n = 2
    while name in taken:
        name = f"{CONFIGS}/{stem}-{n}.cfg"
        n += 1
    taken.add(name)
    return name


def _by_source(devices: Iterable[Device]) -> dict[str, list[Device]]:
    out: dict[str, list[Device]] = {}
    for d in devices:
        out.setdefault(d.source, []).append(d)
    return out


def build(network: Network, directory: str) -> Snapshot:
    """Write ``directory/configs/*`` for every device Batfish can model; nothing else is written."""
    os.makedirs(os.path.join(directory, CONFIGS), exist_ok=True)
    files: list[SnapshotFile] = []
    skipped: list[tuple[str, str]] = []
    taken: set[str] = set()
    for source, devices in sorted(_by_source(network.devices).items()):
        vendor = devices[0].vendor
        hostnames = tuple(d.hostname for d in devices)
        if vendor not in BATFISH_VENDORS:
            skipped.extend((h, f"Batfish does not model {vendor} configurations") for h in hostnames)
            continue
        text = read_source(source)
        offset = 0
        if vendor == "frr":
            text, offset = frr_concatenated(hostnames[0], text)
        name = _file_name(hostnames, source, taken)
        with open(os.path.join(directory, name), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        files.append(SnapshotFile(name, source, vendor, hostnames, offset))
    if not files:
        raise BatfishError("no configuration Batfish can model (FRR or Cisco IOS) in this config set")
    return Snapshot(directory, tuple(files), tuple(skipped))
