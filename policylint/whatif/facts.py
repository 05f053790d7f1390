"""Observed paths -> facts about the ASes on them (issue 9).

The site of an observed path is recognised, in this order, by: a community the site map names; the
path's last ASN as a site-map ``origin`` marker; the origin-end neighbor (the AS just before the
first ASN of a site) as a site-map ``neighbor``; a community that the configs show exactly one
site attaching (a per-site tag that survived the way to the collector); the announcements
themselves, when exactly one site announces to that neighbor with exactly that tail (the site's
AS, its prepends, marker or poisoning ASNs); and last the origin-end neighbor alone, when only one
site announces to it.  A path without a site's AS, or whose site stays ambiguous, is counted and not
used.

Every used path ``m a1 a2 … n S…`` says: ``m`` used ``a1``'s route to that site, ``a1`` used
``a2``'s, …, and ``n`` used the site's own announcement.  Two paths that disagree about one AS
(different monitors' routers, or different times) resolve to the latest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from policylint.whatif.adjacency import linked
from policylint.whatif.measured import SiteMap
from policylint.whatif.observed import ObservedPath, collapse
from policylint.whatif.overrides import SEED_HOP, Overrides
from policylint.whatif.sites import Announcement, Service
from policylint.whatif.topology import Topology


@dataclass(slots=True)
class Facts:
    pins: dict[int, tuple[int, int]] = field(default_factory=dict)  # AS index -> (hop, site)
    allow: set[tuple[int, int]] = field(default_factory=set)
    extra: set[tuple[int, int]] = field(default_factory=set)
    used: int = 0
    unrecognised: int = 0
    no_site_as: int = 0
    unknown_ases: set[int] = field(default_factory=set)  # ASNs on paths that the topology lacks
    conflicts: int = 0

    def overrides(self) -> Overrides:
        return Overrides(pins=dict(self.pins), allow=frozenset(self.allow), extra=tuple(sorted(self.extra)))


def site_tags(anns: Sequence[Announcement]) -> dict[str, str]:
    """Communities that exactly one site puts on its announcements: community -> that site."""
    sites: dict[str, set[str]] = {}
    for a in anns:
        if a.permitted:
            for c in a.communities:
                sites.setdefault(c, set()).add(a.site)
    return {c: next(iter(s)) for c, s in sites.items() if len(s) == 1}


@dataclass(frozen=True, slots=True)
class Recogniser:
    """The site-recognition tables of one service, built once for all its observed paths."""

    index: dict[str, int]  # site name -> site index
    site_asns: frozenset[int]
    site_map: SiteMap | None
    tags: dict[str, str]  # community -> the one site that attaches it
    exact: dict[tuple[int, tuple[int, ...]], frozenset[str]]  # (neighbor, collapsed tail) -> sites
    by_nbr: dict[int, frozenset[str]]  # neighbor -> sites announcing to it

    @classmethod
    def build(
        cls, service: Service, site_asns: set[int], anns: Sequence[Announcement], site_map: SiteMap | None
    ) -> Recogniser:
        exact: dict[tuple[int, tuple[int, ...]], set[str]] = {}
        by_nbr: dict[int, set[str]] = {}
        for a in anns:
            if a.permitted:
                exact.setdefault((a.neighbor_asn, collapse(a.path)), set()).add(a.site)
                by_nbr.setdefault(a.neighbor_asn, set()).add(a.site)
        return cls(
            {s: i for i, s in enumerate(service.sites)}, frozenset(site_asns), site_map, site_tags(anns),
            {k: frozenset(v) for k, v in exact.items()}, {k: frozenset(v) for k, v in by_nbr.items()},
        )  # fmt: skip

    def __call__(self, path: tuple[int, ...], communities: tuple[str, ...]) -> tuple[int | None, int]:
        """(site index or None, position of the first site ASN in the path, -1 when there is none)."""
        k = next((i for i, a in enumerate(path) if a in self.site_asns), -1)
        if k <= 0:
            return None, k
        index, site_map, nbr = self.index, self.site_map, path[k - 1]
        if site_map is not None:
            for c in communities:
                if c in site_map.community and site_map.community[c] in index:
                    return index[site_map.community[c]], k
            for table, key in ((site_map.origin, path[-1]), (site_map.neighbor, nbr)):
                if key in table and table[key] in index:
                    return index[table[key]], k
        tagged = {self.tags[c] for c in communities if c in self.tags and self.tags[c] in index}
        if len(tagged) == 1:
            return index[tagged.pop()], k
        exact = self.exact.get((nbr, path[k:]), frozenset())
        if len(exact) == 1:
            return index[next(iter(exact))], k
        if exact:
            return None, k
        by_nbr = self.by_nbr.get(nbr, frozenset())
        if len(by_nbr) == 1:
            return index[next(iter(by_nbr))], k
        return None, k


def gather(
    topo: Topology,
    paths: Iterable[ObservedPath],
    service: Service,
    *,
    site_asns: set[int],
    anns: Sequence[Announcement],
    site_map: SiteMap | None,
) -> Facts:
    """Pins, links in use and links missing from the topology, from the paths of one prefix."""
    f = Facts()
    recognise_ = Recogniser.build(service, site_asns, anns, site_map)
    # by time; equal times by monitor, peer and path, so the reading order of the files never matters
    paths = sorted(paths, key=lambda p: (p.time, p.monitor, p.peer, p.path, p.communities))
    asns = np.unique(np.asarray([a for p in paths for a in p.path], dtype=np.int64))
    pos = np.searchsorted(topo.asns, asns)
    hit = pos < topo.size
    hit[hit] = topo.asns[pos[hit]] == asns[hit]
    where = dict(zip(asns[hit].tolist(), pos[hit].tolist(), strict=True))
    seen: dict[tuple[tuple[int, ...], tuple[str, ...]], tuple[int | None, int]] = {}
    for p in paths:
        got = seen.get((p.path, p.communities))
        if got is None:
            got = seen[p.path, p.communities] = recognise_(p.path, p.communities)
        site, k = got
        if k <= 0:
            f.no_site_as += 1
            continue
        if site is None:
            f.unrecognised += 1
            continue
        f.used += 1
        hops = p.path[:k]
        idx = [where.get(a) for a in hops]
        f.unknown_ases.update(a for a, i in zip(hops, idx, strict=True) if i is None)
        last = len(idx) - 1
        for j, x in enumerate(idx):
            if x is None:
                continue
            if j == last:
                hop = SEED_HOP
            else:
                nxt = idx[j + 1]
                if nxt is None:
                    continue
                hop = nxt
                f.allow.add((x, hop))
            old = f.pins.get(x)
            if old is not None and old != (hop, site):
                f.conflicts += 1  # the later path wins (sorted by time, as above)
            f.pins[x] = (hop, site)
    if f.allow:
        pairs = np.asarray(sorted(f.allow), dtype=np.int64)
        missing = ~linked(topo, pairs[:, 0], pairs[:, 1])
        f.extra.update((int(a), int(b)) for a, b in pairs[missing].tolist())
    return f
