"""Propagation with per-AS overrides (issue 9): observed route choices pinned, learned preferences.

The Gao-Rexford result of :mod:`policylint.whatif.propagate` is a fixed point of the per-AS decision
below when there are no overrides, so the run starts there and recomputes only what the overrides
touch: first the ASes that carry one, then every AS that hears from an AS whose route changed,
until nothing changes.  Preferences that contradict the relationship model can make BGP oscillate;
the run stops after ``MAX_ROUNDS`` rounds and says so in a note.

One AS's decision, over every route its neighbors export to it and every seed it receives:

* a neighbor exports a route it learned from a customer to everyone and any other route to its
  customers only (valley-free), except over links an observed path shows in use, which carry
  whatever the sender uses (``allow``; links missing from the topology are added, ``extra``);
* routes whose AS path contains the AS are dropped (the next-hop chain and the seed's own path), and
  RPKI-invalid routes at ROV ASes;
* a pinned AS (its route was observed, base state only) takes the route from its observed neighbor
  toward its observed site whenever that route is offered, and is then not tied;
* otherwise the ranking is: a learned preference for the neighbor (like a local-preference set
  toward that neighbor), relationship class, AS-path length, a learned tie preference (the neighbor
  it was seen using wins among equals, like route age), lowest neighbor ASN, lowest site.  The
  candidate sites are those of every route equal to the winner in preference, class and length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from policylint.model import IPNetwork
from policylint.whatif.adjacency import adjacency
from policylint.whatif.propagate import (
    CUSTOMER,
    NONE,
    PEER,
    PROVIDER,
    Catchment,
    Seed,
    SeedTable,
    Settings,
    edge_positions,
)
from policylint.whatif.topology import BoolArray, IntArray, Topology

MAX_ROUNDS = 200
MAX_LENGTH = 255
NO_PIN = -2
SEED_HOP = -1  # the route came straight from a site (a seed)
_INF = np.iinfo(np.int64).max
_P = np.uint64(1000003)
_Q = np.uint64(0x9E3779B97F4A7C15)
UIntArray = np.ndarray[tuple[int], np.dtype[np.uint64]]


@dataclass(frozen=True, slots=True)
class Overrides:
    """AS indexes; a hop is a neighbor's AS index or ``SEED_HOP``."""

    pins: dict[int, tuple[int, int]] = field(default_factory=dict)  # AS -> (hop, site) observed
    prefer: frozenset[tuple[int, int]] = frozenset()  # (AS, hop): preferred above the model's ranking
    sticky: frozenset[tuple[int, int]] = frozenset()  # (AS, hop): wins ties
    allow: frozenset[tuple[int, int]] = frozenset()  # (receiver, sender): an observed link in use
    extra: tuple[tuple[int, int], ...] = ()  # (receiver, sender): observed links not in the topology

    def touched(self) -> IntArray:
        ases = {a for a in self.pins} | {a for a, _ in self.prefer} | {a for a, _ in self.sticky}
        ases |= {a for a, _ in self.allow} | {a for a, _ in self.extra}
        return np.asarray(sorted(ases), dtype=np.int64)


@dataclass(slots=True, eq=False)
class RouteState:
    """Per AS index: chosen site (-1 none), candidate mask, class, length, next hop, seed, flags."""

    site: IntArray
    mask: IntArray
    cls: IntArray
    length: IntArray
    hop: IntArray
    seed: IntArray
    exp: BoolArray
    invalid: BoolArray
    ph: UIntArray  # a hash of the whole AS path, so that a change upstream is a change here
    notes: list[str] = field(default_factory=list)

    def copy(self) -> RouteState:
        return RouteState(
            self.site.copy(), self.mask.copy(), self.cls.copy(), self.length.copy(), self.hop.copy(),
            self.seed.copy(), self.exp.copy(), self.invalid.copy(), self.ph.copy(), list(self.notes),
        )  # fmt: skip

    def catchment(self, prefix: IPNetwork) -> Catchment:
        return Catchment(prefix, self.site, self.mask, self.cls, self.length, tuple(self.notes))


@dataclass(frozen=True, slots=True, eq=False)
class _Cands:
    dst: IntArray
    cls: IntArray
    length: IntArray
    hop: IntArray
    nbr: IntArray
    site: IntArray
    mask: IntArray
    seed: IntArray
    exp: BoolArray
    invalid: BoolArray
    ph: UIntArray

    def take(self, keep: BoolArray | IntArray) -> _Cands:
        return _Cands(*(getattr(self, f)[keep] for f in _Cands.__slots__))

    @staticmethod
    def cat(a: _Cands, b: _Cands) -> _Cands:
        return _Cands(*(np.concatenate([getattr(a, f), getattr(b, f)]) for f in _Cands.__slots__))


def _keys(pairs: frozenset[tuple[int, int]], m: int) -> IntArray:
    return np.asarray(sorted(a * m + h + 1 for a, h in pairs), dtype=np.int64)


class Engine:
    """One prefix over one topology with one set of seeds; runs states to their fixed point."""

    def __init__(
        self, topo: Topology, prefix: IPNetwork, seeds: list[Seed], settings: Settings, ov: Overrides
    ) -> None:
        n = topo.size
        self.topo, self.prefix, self.n, self.m, self.ov = topo, prefix, n, n + 1, ov
        self.adj = adjacency(topo)
        self._uasn = topo.asns.astype(np.uint64)
        self.t = t = SeedTable.build(topo, prefix, seeds, settings)
        self.on_seed_path = np.zeros(n, np.bool_)  # only these ASes can be poisoned
        self.on_seed_path[t.poisoned // t.nseeds] = True
        self.seed_dst = np.full(t.nseeds, -1, np.int64)  # by seed index: receiver (-1: not in topology)
        self.seed_dst[t.k] = t.dst
        self.seed_len = np.zeros(t.nseeds, np.int64)
        self.seed_len[t.k] = t.length
        self.allow = np.asarray(sorted(r * self.m + s for r, s in ov.allow), dtype=np.int64)
        self.prefer, self.sticky = _keys(ov.prefer, self.m), _keys(ov.sticky, self.m)
        self.pin_hop = np.full(n, NO_PIN, np.int64)
        self.pin_site = np.full(n, -1, np.int64)
        for x, (h, site) in ov.pins.items():
            self.pin_hop[x], self.pin_site[x] = h, site
        ex = np.asarray(ov.extra, dtype=np.int64).reshape(-1, 2)
        self.ex_dst, self.ex_src = ex[:, 0], ex[:, 1]

    # ------------------------------------------------------------------ states

    def warm(self, cat: Catchment) -> RouteState:
        """The plain model's catchment as a state (``propagate`` keeps what this needs)."""
        assert cat.nbr is not None and cat.seed is not None and cat.exp is not None
        assert cat.invalid is not None
        n, reached = self.n, cat.site >= 0
        seed = np.where(reached, cat.seed, -1)
        k = np.maximum(seed, 0)
        own = np.zeros(n, np.bool_)
        if self.t.k.size:
            own = reached & (self.seed_dst[k] == np.arange(n)) & (cat.length == self.seed_len[k])
        hop = np.where(own, SEED_HOP, np.searchsorted(self.topo.asns, cat.nbr))
        hop = np.where(reached, hop, SEED_HOP)
        st = RouteState(
            cat.site.copy(), cat.mask.copy(), cat.cls.copy(), cat.length.copy(), hop, seed,
            cat.exp.copy() & reached, cat.invalid.copy() & reached, np.zeros(n, np.uint64), list(cat.notes),
        )  # fmt: skip
        asn = self.topo.asns.astype(np.uint64)
        for level in np.unique(cat.length[reached]):
            at = np.flatnonzero(reached & (cat.length == level))
            from_seed = own[at]
            st.ph[at] = np.where(
                from_seed,
                (seed[at].astype(np.uint64) + np.uint64(1)) * _Q + asn[at],
                st.ph[np.maximum(hop[at], 0)] * _P + asn[at],
            )
        return st

    # ------------------------------------------------------------------ one round

    def _offers(self, st: RouteState, rows: IntArray, in_r: BoolArray) -> _Cands:
        adj = self.adj
        dst, pos = edge_positions(adj.ptr, rows)
        src, cls = adj.src[pos], adj.cls[pos]
        if self.ex_dst.size:
            sel = in_r[self.ex_dst]
            dst = np.concatenate([dst, self.ex_dst[sel]])
            src = np.concatenate([src, self.ex_src[sel]])
            cls = np.concatenate([cls, np.full(int(sel.sum()), PEER, np.int64)])
        keep = (st.site[src] >= 0) & st.exp[src]
        valley = (st.cls[src] == CUSTOMER) | (cls == PROVIDER)
        if self.allow.size:
            need = np.flatnonzero(keep & ~valley)
            valley[need] = np.isin(dst[need] * self.m + src[need], self.allow)
        keep &= valley & ~(self.t.rov[dst] & st.invalid[src])
        if self.t.poisoned.size:
            maybe = np.flatnonzero(keep & self.on_seed_path[dst])
            keep[maybe] = ~self.t.dropped(dst[maybe], st.seed[src[maybe]], st.invalid[src[maybe]])
        dst, src, cls = dst[keep], src[keep], cls[keep]
        loop = np.zeros(dst.shape[0], np.bool_)
        cur = src.copy()
        for _ in range(MAX_LENGTH):
            act = cur >= 0
            if not act.any():
                break
            loop |= act & (cur == dst)
            cur = np.where(act, st.hop[np.maximum(cur, 0)], -1)
        else:
            loop |= cur >= 0  # a cycle among transient choices
        ok = ~loop
        dst, src, cls = dst[ok], src[ok], cls[ok]
        asn = self.topo.asns
        return _Cands(
            dst, cls, st.length[src] + 1, src, asn[src], st.site[src], st.mask[src], st.seed[src],
            np.ones(dst.shape[0], np.bool_), st.invalid[src],
            st.ph[src] * _P + asn[dst].astype(np.uint64),
        )  # fmt: skip

    def _seed_cands(self, in_r: BoolArray) -> _Cands:
        t = self.t
        sel = in_r[t.dst]
        idx = np.flatnonzero(sel)[~t.dropped(t.dst[sel], t.k[sel], t.invalid[sel])]
        dst, k = t.dst[idx], t.k[idx]
        return _Cands(
            dst, t.cls[idx], t.length[idx], np.full(idx.shape[0], SEED_HOP, np.int64), t.nbr[idx],
            t.site[idx], np.left_shift(np.int64(1), t.site[idx]), k, t.exp[idx],
            t.invalid[idx], (k.astype(np.uint64) + np.uint64(1)) * _Q + self._uasn[dst],
        )  # fmt: skip

    def candidates(self, st: RouteState, rows: IntArray) -> _Cands:
        in_r = np.zeros(self.n, np.bool_)
        in_r[rows] = True
        c = _Cands.cat(self._offers(st, rows, in_r), self._seed_cands(in_r))
        return c.take(c.length <= MAX_LENGTH)

    def decide(self, c: _Cands, pins: bool, prefs: bool) -> tuple[IntArray, IntArray, BoolArray, _Cands]:
        """(AS of each group, the index of its winner in ``c``, pinned-and-held, candidates kept)."""
        hopk = c.dst * self.m + c.hop + 1
        boost = (
            np.isin(hopk, self.prefer) if prefs and self.prefer.size else np.zeros(c.dst.shape[0], np.bool_)
        )
        stick = (
            np.isin(hopk, self.sticky) if prefs and self.sticky.size else np.zeros(c.dst.shape[0], np.bool_)
        )
        held = np.zeros(c.dst.shape[0], np.bool_)
        if pins:
            match = (c.hop == self.pin_hop[c.dst]) & (c.site == self.pin_site[c.dst])
            has = np.zeros(self.n, np.bool_)
            has[c.dst[match]] = True
            keep = ~has[c.dst] | match
            c, boost, stick, held = c.take(keep), boost[keep], stick[keep], has[c.dst[keep]]
        if c.dst.size == 0:
            z = np.zeros(0, np.int64)
            return z, z, np.zeros(0, np.bool_), c
        order = np.lexsort((c.site, c.nbr, ~stick, c.length, c.cls, ~boost, c.dst))
        dst = c.dst[order]
        starts = np.flatnonzero(np.r_[True, dst[1:] != dst[:-1]])
        group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, dst.size]))
        win = order[starts]
        same = (
            (boost[order] == boost[win][group])
            & (c.cls[order] == c.cls[win][group])
            & (c.length[order] == c.length[win][group])
        )
        union = np.bitwise_or.reduceat(np.where(same, c.mask[order], 0), starts)
        pinned = held[win]
        union = np.where(pinned, np.left_shift(np.int64(1), np.maximum(c.site[win], 0)), union)
        return dst[starts], win, pinned, _with_mask(c, win, union)

    # ------------------------------------------------------------------ to the fixed point

    def run(self, st: RouteState, start: IntArray, *, pins: bool, prefs: bool) -> RouteState:
        st = st.copy()
        rows = np.unique(start)
        for _ in range(MAX_ROUNDS):
            if rows.size == 0:
                return st
            c = self.candidates(st, rows)
            nodes, win, _, c = self.decide(c, pins, prefs)
            new = _blank(rows.size)
            pos = np.searchsorted(rows, nodes)
            for name, arr in (("site", c.site), ("mask", c.mask), ("cls", c.cls), ("length", c.length),
                              ("hop", c.hop), ("seed", c.seed), ("exp", c.exp), ("invalid", c.invalid),
                              ("ph", c.ph)):  # fmt: skip
                new[name][pos] = arr[win]
            changed = np.zeros(rows.size, np.bool_)
            for name, arr in new.items():
                changed |= getattr(st, name)[rows] != arr
            moved = rows[changed]
            before = self._affected(st, moved, pins, prefs)  # old offers: they may have tied
            for name, arr in new.items():
                getattr(st, name)[rows] = arr
            rows = np.union1d(before, self._affected(st, moved, pins, prefs))
        st.notes.append(
            f"calibrated propagation did not settle within {MAX_ROUNDS} rounds (preferences that "
            "contradict the relationship model can oscillate): the last round is reported"
        )
        return st

    def _affected(self, st: RouteState, moved: IntArray, pins: bool, prefs: bool) -> IntArray:
        """The ASes a change at ``moved`` can affect: those whose route came from a moved AS, those
        whose pinned neighbor moved, moved ASes next to other moved ASes, and those to which a moved
        AS offers a route at least as good as theirs (better: it wins; equal: ties and masks)."""
        if moved.size == 0:
            return moved
        adj = self.adj
        src, pos = edge_positions(adj.ptr, moved)
        total = pos.size
        x = adj.src[pos]
        learned = 2 - adj.cls[pos]  # the class of the route x learns from src
        has = st.site[src] >= 0
        ok = has & st.exp[src] & ((st.cls[src] == CUSTOMER) | (learned == PROVIDER))
        if self.allow.size:
            ok |= has & np.isin(x * self.m + src, self.allow)
        offer_up = np.zeros(total, np.int64)
        cur_up = np.zeros(total, np.int64)
        if prefs and self.prefer.size:
            offer_up = np.isin(x * self.m + src + 1, self.prefer).astype(np.int64)
            cur_up = np.isin(x * self.m + st.hop[x] + 1, self.prefer).astype(np.int64)
        length = np.where(has, st.length[src], 0) + 1
        cls_x, len_x = st.cls[x], st.length[x]
        ge = (offer_up > cur_up) | (
            (offer_up == cur_up) & ((learned < cls_x) | ((learned == cls_x) & (length <= len_x)))
        )
        in_moved = np.zeros(self.n, np.bool_)
        in_moved[moved] = True
        hit = ((st.hop[x] == src) & (st.site[x] >= 0)) | (ok & ge) | in_moved[x]
        if pins:
            hit |= self.pin_hop[x] == src
        parts = [x[hit]]
        if self.ex_src.size:
            parts.append(self.ex_dst[np.isin(self.ex_src, moved)])
        return np.unique(np.concatenate(parts))


def _with_mask(c: _Cands, win: IntArray, union: IntArray) -> _Cands:
    mask = c.mask.copy()
    mask[win] = union
    return _Cands(c.dst, c.cls, c.length, c.hop, c.nbr, c.site, mask, c.seed, c.exp, c.invalid, c.ph)


def _blank(k: int) -> dict[str, np.ndarray]:
    return {
        "site": np.full(k, -1, np.int64), "mask": np.zeros(k, np.int64), "cls": np.full(k, NONE, np.int64),
        "length": np.full(k, _INF, np.int64), "hop": np.full(k, SEED_HOP, np.int64),
        "seed": np.full(k, -1, np.int64), "exp": np.zeros(k, np.bool_), "invalid": np.zeros(k, np.bool_),
        "ph": np.zeros(k, np.uint64),
    }  # fmt: skip
