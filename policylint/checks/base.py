"""The check contract: a function of a Device (or the Network) yielding Findings.

Three shapes, all registered explicitly in :mod:`policylint.checks.registry`:

* ``device``: sees one Device at a time (most rules);
* ``gather`` + ``reduce``: network scope in two steps.  ``gather`` turns one Device into small,
  picklable facts; ``reduce`` sees the facts of every linted device at once.  The engine can
  run ``gather`` in worker processes next to the parser, so only the facts cross processes;
* ``network``: sees the whole Network at once (needs every Device in one process, so the
  engine lints serially when such a check is selected).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from policylint.findings import Finding
from policylint.model import Device, Network
from policylint.options import Options

DeviceCheck = Callable[[Device, Options], Iterable[Finding]]
NetworkCheck = Callable[[Network, Options], Iterable[Finding]]
Gather = Callable[[Device, Options], Iterable[object]]
Reduce = Callable[[Sequence[object], Options], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Check:
    code: str
    device: DeviceCheck | None = None
    network: NetworkCheck | None = None
    gather: Gather | None = None
    reduce: Reduce | None = None
