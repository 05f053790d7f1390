"""Test helpers for the what-if engine: a random AS-hierarchy generator and a slow, obviously-correct
reference solver (per-AS fixpoint iteration with full AS paths) to check the array engine against."""

from __future__ import annotations

import random

from policylint.whatif.propagate import Seed

CLASS = {"customer": 0, "peer": 1, "provider": 2}


def random_hierarchy(rng: random.Random, size: int, *, tier1: int = 3) -> tuple[str, list[int]]:
    """A CAIDA serial-2 text for a valley-free hierarchy of about ``size`` ASes, and its stub ASNs.

    ASNs increase with the tier: tier-1 ASes 100.., tier-2 ASes 200.., stubs 300.. (so a 200-AS lab
    still fits FRR's 16-bit community and router-id schemes)."""
    t1 = [100 + i for i in range(tier1)]
    n2 = max(2, size // 4)
    t2 = [200 + i for i in range(n2)]
    stubs = [300 + i for i in range(max(2, size - tier1 - n2))]
    lines = [f"{a}|{b}|0|bgp" for i, a in enumerate(t1) for b in t1[i + 1 :]]
    for b in t2:
        for a in rng.sample(t1, rng.randint(1, min(2, len(t1)))):
            lines.append(f"{a}|{b}|-1|bgp")
    seen = set()
    for _ in range(len(t2)):
        a, b = sorted(rng.sample(t2, 2))
        if (a, b) not in seen:
            seen.add((a, b))
            lines.append(f"{a}|{b}|0|bgp")
    for s in stubs:
        pool = t2 if rng.random() < 0.85 else t1
        for a in rng.sample(pool, rng.randint(1, min(2, len(pool)))):
            lines.append(f"{a}|{s}|-1|bgp")
    for _ in range(len(stubs) // 6):
        a, b = sorted(rng.sample(stubs, 2))
        if (a, b) not in seen:
            seen.add((a, b))
            lines.append(f"{a}|{b}|0|bgp")
    return "\n".join(lines) + "\n", stubs


Route = tuple[int, int, int, int, int, tuple[int, ...], bool]  # cls, len, nbr, site, mask, path, exportable


def reference(text: str, seeds: list[Seed]) -> dict[int, tuple[int, list[int]]]:
    """asn -> (chosen site, candidate sites) by plain fixpoint iteration over full AS paths."""
    rel: dict[int, dict[int, int]] = {}  # rel[x][y]: the class of a route x learns from y
    for line in text.splitlines():
        a, b, r = (int(v) for v in line.split("|")[:3])
        rel.setdefault(a, {})
        rel.setdefault(b, {})
        if r == -1:
            rel[a][b] = 0  # a learns customer routes from b
            rel[b][a] = 2
        else:
            rel[a][b] = rel[b][a] = 1
    best: dict[int, Route | None] = dict.fromkeys(rel)
    for _ in range(500):
        new: dict[int, Route | None] = {}
        for x, links in rel.items():
            cands: list[Route] = []
            for s in seeds:
                if s.neighbor == x and x not in s.path:
                    cands.append((CLASS[s.learned_as], len(s.path), s.path[0], s.site, 1 << s.site, s.path,
                                  not s.no_export))  # fmt: skip
            for y, cls in links.items():
                ry = best[y]
                if ry is None or not ry[6]:
                    continue
                if ry[0] != 0 and cls != 2:  # y only exports non-customer routes to its customers
                    continue
                path = (y, *ry[5])
                if x in path:
                    continue
                cands.append((cls, len(path), y, ry[3], ry[4], path, True))
            if not cands:
                new[x] = None
                continue
            top = min(cands, key=lambda c: (c[0], c[1], c[2], c[3]))
            mask = 0
            for c in cands:
                if c[0] == top[0] and c[1] == top[1]:
                    mask |= c[4]
            new[x] = (*top[:4], mask, top[5], top[6])
        if new == best:
            break
        best = new
    else:
        raise AssertionError("reference solver did not converge")
    out = {}
    for x, rx in best.items():
        out[x] = (-1, []) if rx is None else (rx[3], [s for s in range(63) if rx[4] >> s & 1])
    return out
