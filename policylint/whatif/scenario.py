"""Scenarios: base vs proposed (plus withdrawals and failed sessions), the single-site failure sweep,
and the diff: site shares with tie intervals, the from->to move matrix, unreachable and tied ASes.

Every AS of the topology is a traffic source except the sites' own ASes.  Without a weights file
each AS weighs 1 (shares are shares of ASes); with one, an AS weighs what the file says and ASes
not listed weigh 0.  An AS that reaches the service through two or more announced prefixes uses
the longest one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from policylint.model import IPNetwork, Network
from policylint.whatif.backend import Backend, EmbeddedBackend
from policylint.whatif.basis import MODEL, NAMES, ServiceCalibration
from policylint.whatif.propagate import Settings
from policylint.whatif.sites import Announcement, Change, Service, find_services, seeds
from policylint.whatif.topology import IntArray, Topology

FloatArray = npt.NDArray[np.float64]
NOWHERE = "(unreachable)"


@dataclass(frozen=True, slots=True)
class SiteInfo:
    name: str
    asn: int | None
    neighbors: tuple[int, ...]  # eBGP neighbor ASNs the site announces the service to (base or proposed)


@dataclass(frozen=True, slots=True, eq=False)
class Outcome:
    site: IntArray  # per AS index: chosen site index, -1 unreachable
    mask: IntArray  # candidate sites (bitmask)
    announcements: tuple[Announcement, ...]
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Share:
    site: str
    value: float  # percent of the weight, with the chosen site of tied ASes
    low: float  # only ASes that can go nowhere else
    high: float  # every AS that has this site among its candidates
    ases: int


@dataclass(frozen=True, slots=True)
class Move:
    source: str
    target: str
    ases: int
    weight: float  # percent of the total weight


@dataclass(frozen=True, slots=True, eq=False)
class Diff:
    service: Service
    sites: tuple[SiteInfo, ...]
    before: Outcome
    after: Outcome
    weights: FloatArray  # per AS index; 0 for the sites' own ASes
    topo: Topology
    label: str = ""  # e.g. "withdraw ams1" in a failure sweep
    basis: IntArray | None = None  # per AS index: basis.OBSERVED / INFERRED / MODEL (None: all model)
    calibration: ServiceCalibration | None = None

    @property
    def total(self) -> float:
        return float(self.weights.sum())

    def _pct(self, w: float) -> float:
        return 100.0 * w / self.total if self.total > 0 else 0.0

    def name(self, i: int) -> str:
        return self.service.sites[i] if i >= 0 else NOWHERE

    def shares(self, o: Outcome) -> list[Share]:
        out = []
        w = self.weights
        counted = w > 0
        for i, site in enumerate(self.service.sites):
            bit = np.int64(1) << np.int64(i)
            chosen = o.site == i
            has = (o.mask & bit) != 0
            only = has & (o.mask == bit)
            out.append(
                Share(
                    site, self._pct(float(w[chosen].sum())), self._pct(float(w[only].sum())),
                    self._pct(float(w[has].sum())), int((chosen & counted).sum()),
                )
            )  # fmt: skip
        return out

    def unreachable(self, o: Outcome) -> tuple[int, float]:
        lost = (o.site < 0) & (self.weights > 0)
        return int(lost.sum()), self._pct(float(self.weights[lost].sum()))

    def tied(self, o: Outcome) -> tuple[int, float]:
        sel = _multi(o.mask) & (self.weights > 0)
        return int(sel.sum()), self._pct(float(self.weights[sel].sum()))

    def moved_mask(self) -> npt.NDArray[np.bool_]:
        moved: npt.NDArray[np.bool_] = (self.before.site != self.after.site) & (self.weights > 0)
        return moved

    def moved(self) -> tuple[int, float]:
        m = self.moved_mask()
        return int(m.sum()), self._pct(float(self.weights[m].sum()))

    def moves(self) -> list[Move]:
        m = self.moved_mask()
        if not m.any():
            return []
        k = len(self.service.sites) + 1
        key = (self.before.site[m] + 1) * k + (self.after.site[m] + 1)
        uniq, inv = np.unique(key, return_inverse=True)
        counts = np.bincount(inv)
        weight = np.bincount(inv, weights=self.weights[m])
        rows = [
            Move(self.name(int(u) // k - 1), self.name(int(u) % k - 1), int(c), self._pct(float(wt)))
            for u, c, wt in zip(uniq, counts, weight, strict=True)
        ]
        return sorted(rows, key=lambda r: (-r.weight, -r.ases, r.source, r.target))

    def top_moved(self, limit: int = 10) -> list[tuple[int, float, str, str]]:
        """(asn, percent, from, to) of the heaviest moved ASes."""
        idx = np.flatnonzero(self.moved_mask())
        order = idx[np.lexsort((self.topo.asns[idx], -self.weights[idx]))][:limit]
        return [
            (int(self.topo.asns[i]), self._pct(float(self.weights[i])), self.name(int(self.before.site[i])),
             self.name(int(self.after.site[i])))
            for i in order
        ]  # fmt: skip

    def basis_name(self, i: int) -> str:
        return NAMES[MODEL if self.basis is None else int(self.basis[i])]

    def moved_by_basis(self) -> tuple[float, float, float]:
        """Percent of the moved weight that rests on observation, inference and the model alone."""
        m = self.moved_mask()
        total = float(self.weights[m].sum())
        if total <= 0:
            return 0.0, 0.0, 0.0
        basis = self.basis if self.basis is not None else np.full(self.topo.size, MODEL, np.int64)
        parts = [100.0 * float(self.weights[m & (basis == b)].sum()) / total for b in range(3)]
        return parts[0], parts[1], parts[2]

    def basis_counts(self) -> list[tuple[int, float]]:
        """(ASes, percent of the weight) per basis over every weighted AS."""
        basis = self.basis if self.basis is not None else np.full(self.topo.size, MODEL, np.int64)
        counted = self.weights > 0
        return [
            (int((counted & (basis == b)).sum()), self._pct(float(self.weights[basis == b].sum())))
            for b in range(3)
        ]

    def candidates(self, mask: int) -> list[str]:
        return [s for i, s in enumerate(self.service.sites) if mask >> i & 1]


def _multi(mask: IntArray) -> npt.NDArray[np.bool_]:
    """Popcount > 1 without a Python loop: clear the lowest bit, see if anything is left."""
    multi: npt.NDArray[np.bool_] = (mask & (mask - 1)) != 0
    return multi


@dataclass(frozen=True, slots=True)
class Inputs:
    topo: Topology
    weights: dict[int, float] | None = None
    settings: Settings = field(default_factory=Settings)
    named: tuple[IPNetwork, ...] = ()
    backend: Backend = field(default_factory=EmbeddedBackend)


def weight_array(topo: Topology, weights: dict[int, float] | None, exclude: set[int]) -> FloatArray:
    if weights is None:
        w = np.ones(topo.size, np.float64)
    else:
        w = np.zeros(topo.size, np.float64)
        for asn, value in weights.items():
            i = topo.index(asn)
            if i is not None:
                w[i] = value
    for asn in exclude:
        i = topo.index(asn)
        if i is not None:
            w[i] = 0.0
    return w


def outcome(inputs: Inputs, network: Network, service: Service, change: Change) -> Outcome:
    topo, backend = inputs.topo, inputs.backend
    anns = backend.announcements(network, service, topo, change)
    site = np.full(topo.size, -1, np.int64)
    mask = np.zeros(topo.size, np.int64)
    notes: list[str] = []
    for prefix in service.prefixes:  # shortest first: longer prefixes overwrite (longest match)
        cat = backend.catchment(topo, prefix, seeds(service, anns, prefix), inputs.settings)
        hit = cat.site >= 0
        site[hit] = cat.site[hit]
        mask[hit] = cat.mask[hit]
        notes.extend(cat.notes)
    for a in anns:
        notes.extend(a.notes)
    return Outcome(site, mask, tuple(anns), tuple(dict.fromkeys(notes)))


def _site_infos(
    service: Service, networks: Sequence[Network], outcomes: Sequence[Outcome]
) -> tuple[SiteInfo, ...]:
    asn: dict[str, int | None] = {}
    for net in networks:
        for d in net.devices:
            if d.hostname in service.sites:
                asn.setdefault(d.hostname, d.asn)
    nbrs: dict[str, set[int]] = {s: set() for s in service.sites}
    for o in outcomes:
        for a in o.announcements:
            if a.permitted:
                nbrs[a.site].add(a.neighbor_asn)
    return tuple(SiteInfo(s, asn.get(s), tuple(sorted(nbrs[s]))) for s in service.sites)


def _origin_asns(networks: Sequence[Network], services: Sequence[Service]) -> set[int]:
    names = {s for svc in services for s in svc.sites}
    return {d.asn for net in networks for d in net.devices if d.hostname in names and d.asn is not None}


def compare(
    inputs: Inputs,
    base: Network,
    proposed: Network,
    change: Change | None = None,
    skipped: list[str] | None = None,
) -> list[Diff]:
    """One Diff per service: base as configured vs proposed with ``change`` applied."""
    services = find_services([base, proposed], inputs.named, skipped)
    w = weight_array(inputs.topo, inputs.weights, _origin_asns([base, proposed], services))
    out = []
    for svc in services:
        before = outcome(inputs, base, svc, Change())
        after = outcome(inputs, proposed, svc, change or Change())
        out.append(
            Diff(svc, _site_infos(svc, [base, proposed], [before, after]), before, after, w, inputs.topo)
        )
    return out


def failures(
    inputs: Inputs,
    base: Network,
    progress: Callable[[int, int], None] | None = None,
    skipped: list[str] | None = None,
) -> list[tuple[Diff, list[Diff]]]:
    """For each service: the base, and one Diff per single-site withdrawal."""
    services = find_services([base], inputs.named, skipped)
    w = weight_array(inputs.topo, inputs.weights, _origin_asns([base], services))
    total = sum(len(s.sites) for s in services)
    done = 0
    out = []
    for svc in services:
        before = outcome(inputs, base, svc, Change())
        infos = _site_infos(svc, [base], [before])
        runs = []
        for site in svc.sites:
            after = outcome(inputs, base, svc, Change(withdraw=frozenset({site})))
            runs.append(Diff(svc, infos, before, after, w, inputs.topo, f"withdraw {site}"))
            done += 1
            if progress is not None:
                progress(done, total)
        out.append((Diff(svc, infos, before, before, w, inputs.topo), runs))
    return out
