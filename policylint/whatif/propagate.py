"""Route propagation over the AS graph: Gao-Rexford preference, valley-free export.

Every AS picks, for one prefix, the best route by: relationship class (a route learned from a
customer beats one from a peer beats one from a provider), then the shortest AS path, then the
lowest neighbor ASN (a deterministic stand-in for route age / router id).  Routes learned from
customers are exported to everyone; routes learned from peers or providers only to customers.

The propagation runs in three stages over integer arrays, level by level (a level is an AS-path
length), so the Internet graph (78k ASes, 570k links) takes tens of milliseconds:

1. customer routes climb provider links (breadth first, by path length, from the announcements
   that reach a site's providers);
2. ASes without a customer route take one peer hop from a peer that has one;
3. every AS with a route passes it down to its customers, again level by level.

Each AS is settled once, at the first level and the best class it can get, which is exactly the
Gao-Rexford decision.  **Ties are first-class**: besides the chosen site, every AS carries the set
of sites it is indifferent between after class and path length (a bitmask): the union of the
candidate sets of all its equally good neighbors.  The lowest-ASN neighbor decides the chosen site;
in a real network route age or router ids decide, so the truth is any site in the set.

Also modelled: announcements longer than /24 (IPv4) or /48 (IPv6) are dropped; an AS that receives
an announcement carrying NO_EXPORT or NO_ADVERTISE uses it but does not pass it on; an AS drops a
route whose AS path already contains its own ASN (so a prepended foreign ASN poisons that AS); ASes
that enforce ROV drop RPKI-invalid routes when an origin validator is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from policylint.model import IPNetwork, RpkiState
from policylint.whatif.topology import BoolArray, Csr, IntArray, Topology

CUSTOMER, PEER, PROVIDER, NONE = 0, 1, 2, 3
LEARNED = {"customer": CUSTOMER, "peer": PEER, "provider": PROVIDER}
MAX_SITES = 63  # candidate sets are int64 bitmasks
_INF = np.iinfo(np.int64).max


class OriginValidator(Protocol):
    """RPKI route-origin validation of (prefix, origin ASN); issue 6's VRP index plugs in here."""

    def state(self, prefix: IPNetwork, origin: int) -> RpkiState: ...


@dataclass(frozen=True, slots=True)
class Seed:
    """One announcement of one site to one eBGP neighbor, as the neighbor receives it."""

    site: int  # index of the site (bit in the candidate mask)
    neighbor: int  # the neighbor's ASN
    learned_as: str  # how the neighbor classifies it: "customer" (we are its customer), "peer", "provider"
    path: tuple[int, ...]  # AS path as received (first ASN: the site's AS)
    no_export: bool = False  # NO_EXPORT or NO_ADVERTISE: the neighbor keeps it but passes it on to nobody


@dataclass(frozen=True, slots=True)
class Settings:
    max_v4: int = 24
    max_v6: int = 48
    rov_ases: frozenset[int] = frozenset()
    validator: OriginValidator | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Catchment:
    """Per AS index: the chosen site (-1: no route), the candidate-site bitmask, class and length."""

    prefix: IPNetwork
    site: IntArray
    mask: IntArray
    cls: IntArray
    length: IntArray
    notes: tuple[str, ...] = field(default=())
    nbr: IntArray | None = None  # the ASN the route was learned from (the site's AS for a seed)
    seed: IntArray | None = None  # index of the seed the route descends from
    exp: BoolArray | None = None  # the AS passes its route on (False after NO_EXPORT)
    invalid: BoolArray | None = None  # the route is RPKI-invalid

    @property
    def reached(self) -> BoolArray:
        return self.site >= 0


@dataclass(slots=True)
class _State:
    fin: BoolArray
    cls: IntArray
    length: IntArray
    nbr: IntArray
    site: IntArray
    mask: IntArray
    seed: IntArray
    exp: BoolArray
    invalid: BoolArray


@dataclass(frozen=True, slots=True, eq=False)
class _Cands:
    dst: IntArray
    length: IntArray
    nbr: IntArray
    site: IntArray
    mask: IntArray
    seed: IntArray
    exp: BoolArray
    invalid: BoolArray

    @staticmethod
    def cat(parts: list[_Cands]) -> _Cands:
        return _Cands(*(np.concatenate([getattr(p, f) for p in parts]) for f in _Cands.__slots__))


@dataclass(frozen=True, slots=True, eq=False)
class SeedTable:
    """The sites' announcements as arrays (one row per seed whose neighbor is in the topology), with
    the ASes that drop RPKI-invalid routes and the loop check of the seeds' own paths: what the plain
    propagation and the override engine (:mod:`policylint.whatif.overrides`) both start from."""

    dst: IntArray  # the receiving AS index
    cls: IntArray  # the class of the route at the receiver
    length: IntArray
    nbr: IntArray  # the ASN the receiver hears it from (the path's first ASN)
    site: IntArray
    k: IntArray  # the seed's index in the list given
    exp: BoolArray  # exportable onward (no NO_EXPORT)
    invalid: BoolArray  # RPKI-invalid (with a validator)
    rov: BoolArray  # per AS index: drops RPKI-invalid routes
    poisoned: IntArray  # AS index * nseeds + seed, for every AS on a seed's path (it drops that route)
    nseeds: int
    notes: tuple[str, ...]

    @classmethod
    def build(cls, topo: Topology, prefix: IPNetwork, seeds: list[Seed], settings: Settings) -> SeedTable:
        n = topo.size
        rov = np.zeros(n, np.bool_)
        for asn in settings.rov_ases:
            i = topo.index(asn)
            if i is not None:
                rov[i] = True
        nseeds = max(len(seeds), 1)
        poisoned: list[int] = []
        rows: list[tuple[int, int, int, int, int, int]] = []
        flags: list[tuple[bool, bool]] = []
        notes: list[str] = []
        for k, s in enumerate(seeds):
            for asn in set(s.path):
                i = topo.index(asn)
                if i is not None:
                    poisoned.append(i * nseeds + k)
            dst = topo.index(s.neighbor)
            if dst is None:
                notes.append(f"AS{s.neighbor} is not in the topology: the announcement to it goes nowhere")
                continue
            invalid = False
            if settings.validator is not None and s.path:
                invalid = settings.validator.state(prefix, s.path[-1]) is RpkiState.INVALID
            rows.append((dst, LEARNED[s.learned_as], len(s.path), s.path[0] if s.path else 0, s.site, k))
            flags.append((not s.no_export, invalid))
        a = np.asarray(rows, dtype=np.int64).reshape(-1, 6)
        f = np.asarray(flags, dtype=np.bool_).reshape(-1, 2)
        return cls(
            a[:, 0], a[:, 1], a[:, 2], a[:, 3], a[:, 4], a[:, 5], f[:, 0], f[:, 1], rov,
            np.unique(np.asarray(poisoned, dtype=np.int64)), nseeds, tuple(dict.fromkeys(notes)),
        )  # fmt: skip

    def dropped(self, dst: IntArray, seed: IntArray, invalid: BoolArray) -> BoolArray:
        """Routes (receiver, seed, invalid) that the receiver drops: its own AS on the seed's path, or
        RPKI-invalid at an ROV AS."""
        out = self.rov[dst] & invalid
        if self.poisoned.size:
            out |= np.isin(dst * self.nseeds + seed, self.poisoned)
        return out


def edge_positions(ptr: IntArray, rows: IntArray) -> tuple[IntArray, IntArray]:
    """For the CSR rows ``rows``: (each row repeated once per edge, the edges' positions in the CSR)."""
    starts = ptr[rows]
    counts = ptr[rows + 1] - starts
    total = int(counts.sum())
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(rows, counts), np.repeat(starts, counts) + offsets


def _expand(csr: Csr, frontier: IntArray) -> tuple[IntArray, IntArray]:
    """(src, dst) for every edge out of ``frontier``."""
    src, pos = edge_positions(csr.ptr, frontier)
    return src, csr.idx[pos]


class _Run:
    def __init__(self, topo: Topology, prefix: IPNetwork, seeds: list[Seed], settings: Settings) -> None:
        n = topo.size
        self.topo = topo
        self.st = _State(
            fin=np.zeros(n, np.bool_),
            cls=np.full(n, NONE, np.int64),
            length=np.full(n, _INF, np.int64),
            nbr=np.zeros(n, np.int64),
            site=np.full(n, -1, np.int64),
            mask=np.zeros(n, np.int64),
            seed=np.full(n, -1, np.int64),
            exp=np.zeros(n, np.bool_),
            invalid=np.zeros(n, np.bool_),
        )
        self.t = SeedTable.build(topo, prefix, seeds, settings)

    def seeds(self, cls: int, length: int | None = None) -> _Cands:
        t = self.t
        sel = t.cls == cls
        if length is not None:
            sel &= t.length == length
        return _Cands(
            dst=t.dst[sel],
            length=t.length[sel],
            nbr=t.nbr[sel],
            site=t.site[sel],
            mask=np.left_shift(np.int64(1), t.site[sel]),
            seed=t.k[sel],
            exp=t.exp[sel],
            invalid=t.invalid[sel],
        )

    def offers(self, csr: Csr, frontier: IntArray) -> _Cands:
        """What every AS in ``frontier`` sends over ``csr`` edges (its best route, one AS longer)."""
        st = self.st
        src, dst = _expand(csr, frontier)
        return _Cands(
            dst=dst,
            length=st.length[src] + 1,
            nbr=self.topo.asns[src],
            site=st.site[src],
            mask=st.mask[src],
            seed=st.seed[src],
            exp=np.ones(dst.shape[0], np.bool_),
            invalid=st.invalid[src],
        )

    def settle(self, c: _Cands, cls: int) -> IntArray:
        """Each unsettled AS takes its best candidate (shortest, then lowest neighbor ASN)."""
        st = self.st
        keep = ~st.fin[c.dst] & ~self.t.dropped(c.dst, c.seed, c.invalid)
        if not keep.all():
            c = _Cands(*(getattr(c, f)[keep] for f in _Cands.__slots__))
        if c.dst.size == 0:
            return np.zeros(0, np.int64)
        order = np.lexsort((c.site, c.nbr, c.length, c.dst))
        dst, length = c.dst[order], c.length[order]
        starts = np.flatnonzero(np.r_[True, dst[1:] != dst[:-1]])
        group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, dst.size]))
        best = length[starts]
        masks = np.where(length == best[group], c.mask[order], 0)
        union = np.bitwise_or.reduceat(masks, starts)
        win = order[starts]
        nodes = dst[starts]
        st.fin[nodes] = True
        st.cls[nodes] = cls
        st.length[nodes] = best
        st.nbr[nodes] = c.nbr[win]
        st.site[nodes] = c.site[win]
        st.mask[nodes] = union
        st.seed[nodes] = c.seed[win]
        st.exp[nodes] = c.exp[win]
        st.invalid[nodes] = c.invalid[win]
        return nodes

    def run(self) -> None:
        st, topo = self.st, self.topo
        # 1. customer routes climb to providers, one AS-path length at a time
        lengths = self.t.length[self.t.cls == CUSTOMER].tolist()
        if lengths:
            level, last = min(lengths), max(lengths)
            frontier = np.zeros(0, np.int64)
            while frontier.size or level <= last:
                parts = [self.offers(topo.providers, frontier), self.seeds(CUSTOMER, level)]
                settled = self.settle(_Cands.cat(parts), CUSTOMER)
                frontier = settled[st.exp[settled]]
                level += 1
        # 2. one peer hop from ASes holding a customer route
        holders = np.flatnonzero(st.fin & (st.cls == CUSTOMER) & st.exp)
        self.settle(_Cands.cat([self.offers(topo.peers, holders), self.seeds(PEER)]), PEER)
        # 3. everything flows down to customers, one length at a time
        pending = self.t.length[self.t.cls == PROVIDER].tolist()
        known = st.length[st.fin]
        starts = [p - 1 for p in pending] + ([int(known.min())] if known.size else [])
        if not starts:
            return
        level = min(starts)
        while True:
            top = int(st.length[st.fin].max()) if st.fin.any() else level - 1
            if level > top and all(p - 1 < level for p in pending):
                break
            frontier = np.flatnonzero(st.fin & st.exp & (st.length == level))
            parts = [self.offers(topo.customers, frontier), self.seeds(PROVIDER, level + 1)]
            self.settle(_Cands.cat(parts), PROVIDER)
            level += 1


def too_long(prefix: IPNetwork, settings: Settings) -> bool:
    limit = settings.max_v4 if prefix.version == 4 else settings.max_v6
    return prefix.prefixlen > limit


def propagate(topo: Topology, prefix: IPNetwork, seeds: list[Seed], settings: Settings) -> Catchment:
    """Where every AS sends traffic for ``prefix`` given the sites' announcements."""
    if too_long(prefix, settings):
        limit = settings.max_v4 if prefix.version == 4 else settings.max_v6
        note = f"{prefix} is longer than /{limit}: dropped by every network (the limit is configurable)"
        seeds = []
        notes: tuple[str, ...] = (note,)
    else:
        notes = ()
    if any(s.site > MAX_SITES - 1 for s in seeds):
        raise ValueError(f"at most {MAX_SITES} sites per service are supported")
    run = _Run(topo, prefix, seeds, settings)
    run.run()
    st = run.st
    notes += run.t.notes
    return Catchment(prefix, st.site, st.mask, st.cls, st.length, notes, st.nbr, st.seed, st.exp, st.invalid)
