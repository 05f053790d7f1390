"""The check contract: a function of a Device (or the Network) yielding Findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from policylint.findings import Finding
from policylint.model import Device, Network
from policylint.options import Options

DeviceCheck = Callable[[Device, Options], Iterable[Finding]]
NetworkCheck = Callable[[Network, Options], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    code: str
    device: DeviceCheck | None = None
    network: NetworkCheck | None = None
