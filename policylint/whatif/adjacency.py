"""Every AS's neighbors in one CSR structure, with the class of the route it learns from each
(customer, peer, provider): what the override engine (:mod:`overrides`) reads a route's offers from.
The last topology's structure is kept (building it for the Internet graph takes a tenth of a second).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from policylint.whatif.propagate import CUSTOMER, PEER, PROVIDER
from policylint.whatif.topology import BoolArray, IntArray, Topology


@dataclass(frozen=True, slots=True, eq=False)
class Adjacency:
    ptr: IntArray
    src: IntArray
    cls: IntArray  # the class of a route the row's AS learns from src
    keys: IntArray  # row * n + src for every entry, ascending (rows ascending, neighbors within)


_CACHE: dict[int, tuple[Topology, Adjacency]] = {}


def linked(topo: Topology, a: IntArray, b: IntArray) -> BoolArray:
    """For each pair, whether AS indexes ``a[i]`` and ``b[i]`` share a link of the topology."""
    keys = adjacency(topo).keys
    want = a.astype(np.int64) * topo.size + b
    at = np.minimum(np.searchsorted(keys, want), max(keys.shape[0] - 1, 0))
    return keys[at] == want if keys.shape[0] else np.zeros(want.shape[0], np.bool_)


def adjacency(topo: Topology) -> Adjacency:
    """Row ``i``: the neighbors of AS ``i`` (ascending) in ``src``, the class of their routes in ``cls``."""
    hit = _CACHE.get(id(topo))
    if hit is not None and hit[0] is topo:
        return hit[1]
    n = topo.size
    dst, src, cls = [], [], []
    for csr, c in ((topo.customers, CUSTOMER), (topo.peers, PEER), (topo.providers, PROVIDER)):
        counts = np.diff(csr.ptr)
        dst.append(np.repeat(np.arange(n, dtype=np.int64), counts))
        src.append(csr.idx)
        cls.append(np.full(csr.idx.shape[0], c, np.int64))
    d, s, c_ = np.concatenate(dst), np.concatenate(src), np.concatenate(cls)
    order = np.lexsort((s, d))
    ptr = np.concatenate([[0], np.cumsum(np.bincount(d, minlength=n))]).astype(np.int64)
    adj = Adjacency(ptr, s[order], c_[order], d[order] * n + s[order])
    _CACHE.clear()
    _CACHE[id(topo)] = (topo, adj)
    return adj
