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

from collections.abc import Iterable, Mapping, Sequence
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


def recognise(
    p: ObservedPath,
    service: Service,
    site_asns: set[int],
    anns: Sequence[Announcement],
    site_map: SiteMap | None,
    *,
    tags: Mapping[str, str] | None = None,
) -> tuple[int | None, int]:
    """(site index or None, position of the first site ASN in the path, -1 when there is none)."""
    k = next((i for i, a in enumerate(p.path) if a in site_asns), -1)
    if k <= 0:
        return None, k
    index = {s: i for i, s in enumerate(service.sites)}
    nbr = p.path[k - 1]
    if site_map is not None:
        for c in p.communities:
            if c in site_map.community and site_map.community[c] in index:
                return index[site_map.community[c]], k
        for table, key in ((site_map.origin, p.path[-1]), (site_map.neighbor, nbr)):
            if key in table and table[key] in index:
                return index[table[key]], k
    tags = site_tags(anns) if tags is None else tags
    tagged = {tags[c] for c in p.communities if c in tags and tags[c] in index}
    if len(tagged) == 1:
        return index[tagged.pop()], k
    tail = p.path[k:]
    exact = {a.site for a in anns if a.permitted and a.neighbor_asn == nbr and collapse(a.path) == tail}
    if len(exact) == 1:
        return index[exact.pop()], k
    if exact:
        return None, k
    by_nbr = {a.site for a in anns if a.permitted and a.neighbor_asn == nbr}
    if len(by_nbr) == 1:
        return index[by_nbr.pop()], k
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
    tags = site_tags(anns)
    paths = sorted(paths, key=lambda p: p.time)
    asns = np.unique(np.asarray([a for p in paths for a in p.path], dtype=np.int64))
    pos = np.searchsorted(topo.asns, asns)
    hit = pos < topo.size
    hit[hit] = topo.asns[pos[hit]] == asns[hit]
    where = dict(zip(asns[hit].tolist(), pos[hit].tolist(), strict=True))
    for p in paths:
        site, k = recognise(p, service, site_asns, anns, site_map, tags=tags)
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
        for j, x in enumerate(idx):
            if x is None:
                continue
            if j == len(idx) - 1:
                hop = SEED_HOP
            else:
                nxt = idx[j + 1]
                if nxt is None:
                    continue
                hop = nxt
                if (x, hop) not in f.allow:
                    f.allow.add((x, hop))
                    if not linked(topo, x, hop):
                        f.extra.add((x, hop))
            old = f.pins.get(x)
            if old is not None and old != (hop, site):
                f.conflicts += 1  # the later path wins (sorted by time)
            f.pins[x] = (hop, site)
    return f
