"""Calibrated what-if (issue 9): anchor the prediction to what is observed now.

For each service and each of its prefixes:

1. the plain model (Gao-Rexford, :mod:`propagate`) gives the base and the proposed state;
2. observed paths pin the route choice of every AS on them in the base state, and the rest of the
   base state follows from the corrected choices (:mod:`overrides`);
3. every pinned AS whose observed route loses to another route under the relationship model (a peer
   route over a customer route, a provider over a peer, a longer path over a shorter one) teaches a
   preference for that neighbor; one that only won a tie teaches a tie preference;
4. every AS of the measured catchment whose calibrated base site is not its measured site gets a
   preference for the best neighbor offering the measured site, when one does (re-anchoring);
5. the proposed state runs with the learned preferences (not the pins: those describe the base).

Then, per AS of the measured catchment: before = measured site; after = the calibrated proposed site
where the calibrated model says the AS's choice changes, the measured site otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from policylint.model import IPNetwork, Network
from policylint.whatif import facts as factsmod
from policylint.whatif.basis import INFERRED, MODEL, OBSERVED, ServiceCalibration
from policylint.whatif.measured import Measured, SiteMap, check_sites
from policylint.whatif.observed import Observations, ObservedPath
from policylint.whatif.overrides import Engine, Overrides, RouteState
from policylint.whatif.propagate import Catchment
from policylint.whatif.scenario import (
    Diff,
    FloatArray,
    Inputs,
    Outcome,
    _origin_asns,
    _site_infos,
    weight_array,
)
from policylint.whatif.sites import Announcement, Change, Service, find_services, seeds
from policylint.whatif.topology import BoolArray, IntArray, Topology


@dataclass(frozen=True, slots=True)
class Calibration:
    observations: Observations | None = None
    measured: Measured | None = None
    site_map: SiteMap | None = None


@dataclass(frozen=True, slots=True)
class PathStats:
    records: int  # announcements and withdrawals read
    current: int  # routes held at the end (latest per monitor, peer and prefix)
    used: int  # recognised and used for some service
    other_prefixes: int  # routes for prefixes of no service
    unrecognised: int
    no_site_as: int
    as_set: int
    unknown_ases: int  # ASNs on used paths that the topology lacks
    conflicts: int
    skipped_other: int = 0  # records about prefixes of no service, skipped undecoded


@dataclass(slots=True)
class _Prefix:
    plain_b: Catchment
    plain_a: Catchment
    cal_b: RouteState
    cal_a: RouteState
    influenced: BoolArray  # calibrated route (base or proposed) descends from a correction of the model
    pinned: BoolArray
    prefs: int
    ties: int
    reanchored: int
    unreproduced: int
    used: int


def _within(p: IPNetwork, q: IPNetwork) -> bool:
    return p.version == q.version and p.subnet_of(q)  # type: ignore[arg-type]


def _by_prefix(paths: list[ObservedPath], service: Service) -> dict[IPNetwork, list[ObservedPath]]:
    out: dict[IPNetwork, list[ObservedPath]] = {}
    for p in paths:
        cover = [q for q in service.prefixes if _within(p.prefix, q)]
        if cover:
            out.setdefault(cover[-1], []).append(p)  # longest announced prefix that covers it
    return out


def _differs(st: RouteState, plain: RouteState) -> BoolArray:
    """ASes whose calibrated route is not the plain model's (another site or another next hop)."""
    out: BoolArray = (st.site != plain.site) | ((st.hop != plain.hop) & (st.site >= 0))
    return out


def _influenced(st: RouteState, marks: BoolArray) -> BoolArray:
    """ASes whose route's next-hop chain passes through a marked AS (or that are marked)."""
    out = marks & (st.site >= 0)
    reached = st.site >= 0
    for level in np.unique(st.length[reached]):
        at = np.flatnonzero(reached & (st.length == level) & (st.hop >= 0))
        out[at] |= out[st.hop[at]]
    return out


def learn(eng: Engine, st: RouteState, pins: dict[int, tuple[int, int]]) -> tuple[set[tuple[int, int]], ...]:
    """(preferences, tie preferences) from pinned ASes whose observed route held."""
    xs = np.asarray(sorted(pins), dtype=np.int64)
    prefer: set[tuple[int, int]] = set()
    sticky: set[tuple[int, int]] = set()
    if xs.size == 0:
        return prefer, sticky
    held = [x for x in xs.tolist() if st.site[x] == pins[x][1] and st.hop[x] == pins[x][0]]
    if not held:
        return prefer, sticky
    rows = np.asarray(held, dtype=np.int64)
    nodes, win, _, c = eng.decide(eng.candidates(st, rows), pins=False, prefs=False)
    model = {
        int(x): (int(c.cls[w]), int(c.length[w]), int(c.hop[w])) for x, w in zip(nodes, win, strict=True)
    }
    for x in held:
        mc, ml, mh = model.get(x, (99, 1 << 62, -9))
        mine = (int(st.cls[x]), int(st.length[x]))
        if mine > (mc, ml):
            prefer.add((x, int(st.hop[x])))
        elif mh != int(st.hop[x]):
            sticky.add((x, int(st.hop[x])))
    return prefer, sticky


def _anchor(eng: Engine, st: RouteState, want: dict[int, int]) -> tuple[set[tuple[int, int]], int]:
    """Preferences that make measured ASes pick their measured site; and how many cannot."""
    wrong = [x for x, s in want.items() if st.site[x] != s]
    if not wrong:
        return set(), 0
    c = eng.candidates(st, np.asarray(sorted(wrong), dtype=np.int64))
    ok = c.site == np.asarray([want[int(x)] for x in c.dst], dtype=np.int64).reshape(-1)
    nodes, win, _, c = eng.decide(c.take(ok), pins=False, prefs=True)
    prefs = {(int(x), int(c.hop[w])) for x, w in zip(nodes, win, strict=True)}
    return prefs, len(wrong) - len(prefs)


def _one_prefix(  # noqa: PLR0917
    inputs: Inputs,
    prefix: IPNetwork,
    svc: Service,
    anns: tuple[list[Announcement], list[Announcement]],
    paths: list[ObservedPath],
    site_asns: set[int],
    cal: Calibration,
    want: dict[int, int],
) -> tuple[_Prefix, factsmod.Facts]:
    topo, settings, backend = inputs.topo, inputs.settings, inputs.backend
    sb, sa = seeds(svc, anns[0], prefix), seeds(svc, anns[1], prefix)
    plain_b = backend.catchment(topo, prefix, sb, settings)
    plain_a = backend.catchment(topo, prefix, sa, settings)
    f = factsmod.gather(topo, paths, svc, site_asns=site_asns, anns=anns[0], site_map=cal.site_map)
    ov = f.overrides()
    eng_b = Engine(topo, prefix, sb, settings, ov)
    warm_b = eng_b.warm(plain_b)
    cal_b = eng_b.run(warm_b, ov.touched(), pins=True, prefs=True)
    prefer, sticky = learn(eng_b, cal_b, f.pins)
    anchored, unreproduced = _anchor(eng_b, cal_b, {x: s for x, s in want.items() if x not in f.pins})
    learned = Overrides(f.pins, frozenset(prefer | anchored), frozenset(sticky), ov.allow, ov.extra)
    if anchored:
        eng_b = Engine(topo, prefix, sb, settings, learned)
        cal_b = eng_b.run(
            cal_b, np.asarray(sorted(x for x, _ in anchored), dtype=np.int64), pins=True, prefs=True
        )
    proposed = Overrides({}, learned.prefer, learned.sticky, ov.allow, ov.extra)
    eng_a = Engine(topo, prefix, sa, settings, proposed)
    warm_a = eng_a.warm(plain_a)
    cal_a = eng_a.run(warm_a, proposed.touched(), pins=False, prefs=True)
    marks = np.zeros(topo.size, np.bool_)
    marks[np.asarray(sorted(x for x, _ in learned.prefer), dtype=np.int64)] = True
    pinned = np.zeros(topo.size, np.bool_)
    held = [x for x, (h, s) in f.pins.items() if cal_b.site[x] == s and cal_b.hop[x] == h]
    pinned[np.asarray(held, dtype=np.int64)] = True
    infl = _influenced(cal_b, marks | _differs(cal_b, warm_b)) | _influenced(
        cal_a, marks | _differs(cal_a, warm_a)
    )
    res = _Prefix(plain_b, plain_a, cal_b, cal_a, infl, pinned, len(prefer), len(sticky), len(anchored),
                  unreproduced, f.used)  # fmt: skip
    return res, f


def _compose(cats: Sequence[tuple[IntArray, IntArray]], n: int) -> tuple[IntArray, IntArray]:
    site = np.full(n, -1, np.int64)
    mask = np.zeros(n, np.int64)
    for s, m in cats:  # shortest prefix first: longer prefixes overwrite (longest match)
        hit = s >= 0
        site[hit], mask[hit] = s[hit], m[hit]
    return site, mask


def calibrated_compare(
    inputs: Inputs,
    base: Network,
    proposed: Network,
    change: Change,
    cal: Calibration,
    *,
    skipped: list[str] | None = None,
) -> tuple[list[Diff], PathStats | None]:
    topo, backend = inputs.topo, inputs.backend
    services = find_services([base, proposed], inputs.named, skipped)
    check_sites(
        {s for svc in services for s in svc.sites}, cal.measured, cal.site_map,
        prefixes=[p for svc in services for p in svc.prefixes],
    )  # fmt: skip
    w = weight_array(topo, inputs.weights, _origin_asns([base, proposed], services))
    obs = cal.observations
    held = list(obs.held) if obs is not None else []
    totals = factsmod.Facts()
    claimed = 0
    out = []
    for svc in services:
        anns = (
            backend.announcements(base, svc, topo, Change()),
            backend.announcements(proposed, svc, topo, change),
        )
        site_asns = {a.site_asn for a in anns[0] + anns[1]}
        by_prefix = _by_prefix(held, svc)
        claimed += sum(len(v) for v in by_prefix.values())
        measured = _measured(topo, svc, cal.measured)
        per = []
        unrecognised = 0
        for prefix in svc.prefixes:
            res, f = _one_prefix(
                inputs, prefix, svc, anns, by_prefix.get(prefix, []), site_asns, cal, measured
            )
            per.append(res)
            totals.used += f.used
            totals.unrecognised += f.unrecognised
            unrecognised += f.unrecognised
            totals.no_site_as += f.no_site_as
            totals.conflicts += f.conflicts
            totals.unknown_ases |= f.unknown_ases
        out.append(_diff(inputs, svc, (base, proposed), anns, per, measured, w, unrecognised))
    stats = None
    if obs is not None:
        stats = PathStats(
            obs.records, len(held), totals.used, len(held) - claimed, totals.unrecognised,
            totals.no_site_as, obs.skipped_as_set, len(totals.unknown_ases), totals.conflicts,
            obs.skipped_other,
        )  # fmt: skip
    return out, stats


def calibrated_failures(
    inputs: Inputs,
    base: Network,
    cal: Calibration,
    progress: Callable[[int, int], None] | None = None,
    skipped: list[str] | None = None,
) -> tuple[list[tuple[Diff, list[Diff]]], PathStats | None]:
    """The single-site failure sweep, calibrated: each withdrawal is a calibrated comparison."""
    services = find_services([base], inputs.named, skipped)
    total = sum(len(s.sites) for s in services)
    done = 0
    by_site: dict[str, list[Diff]] = {}
    stats = None
    out = []
    for svc in services:
        runs = []
        for site in svc.sites:
            if site not in by_site:
                by_site[site], stats = calibrated_compare(
                    inputs, base, base, Change(withdraw=frozenset({site})), cal
                )
            d = next(x for x in by_site[site] if x.service.prefix == svc.prefix)
            runs.append(replace(d, label=f"withdraw {site}"))
            done += 1
            if progress is not None:
                progress(done, total)
        first = runs[0]
        out.append((replace(first, after=first.before, label=""), runs))
    return out, stats


def _measured(topo: Topology, svc: Service, m: Measured | None) -> dict[int, int]:
    if m is None:
        return {}
    index = {s: i for i, s in enumerate(svc.sites)}
    out = {}
    for asn, site in m.for_prefixes(svc.prefixes).items():
        i = topo.index(asn)
        if i is not None and site in index:
            out[i] = index[site]
    return out


def _diff(  # noqa: PLR0917
    inputs: Inputs,
    svc: Service,
    nets: tuple[Network, Network],
    anns: tuple[list[Announcement], list[Announcement]],
    per: list[_Prefix],
    measured: dict[int, int],
    w: FloatArray,
    unrecognised: int,
) -> Diff:
    n = inputs.topo.size
    pb = _compose([(r.plain_b.site, r.plain_b.mask) for r in per], n)
    pa = _compose([(r.plain_a.site, r.plain_a.mask) for r in per], n)
    cb = _compose([(r.cal_b.site, r.cal_b.mask) for r in per], n)
    ca = _compose([(r.cal_a.site, r.cal_a.mask) for r in per], n)
    before_site, before_mask = cb[0].copy(), cb[1].copy()
    after_site, after_mask = ca[0].copy(), ca[1].copy()
    if measured:
        xs = np.asarray(sorted(measured), dtype=np.int64)
        ms = np.asarray([measured[int(x)] for x in xs], dtype=np.int64)
        bit = np.left_shift(np.int64(1), ms)
        stays = cb[0][xs] == ca[0][xs]
        before_site[xs], before_mask[xs] = ms, bit
        after_site[xs] = np.where(stays, ms, ca[0][xs])
        after_mask[xs] = np.where(stays, bit, ca[1][xs])
    observed = np.zeros(n, np.bool_)
    for r in per:
        observed |= r.pinned
    if measured:
        observed[np.asarray(sorted(measured), dtype=np.int64)] = True
    infl = np.zeros(n, np.bool_)
    for r in per:
        infl |= r.influenced
    changed = (before_site != pb[0]) | (after_site != pa[0])
    basis = np.where(observed, OBSERVED, np.where(infl | changed, INFERRED, MODEL)).astype(np.int64)
    notes_b = tuple(dict.fromkeys(nt for r in per for nt in r.cal_b.notes))
    notes_a = tuple(dict.fromkeys(nt for r in per for nt in r.cal_a.notes))
    before = Outcome(before_site, before_mask, tuple(anns[0]), notes_b + _ann_notes(anns[0]))
    after = Outcome(after_site, after_mask, tuple(anns[1]), notes_a + _ann_notes(anns[1]))
    plain = Diff(svc, (), Outcome(pb[0], pb[1], ()), Outcome(pa[0], pa[1], ()), w, inputs.topo)
    counted = w > 0
    summary = ServiceCalibration(
        paths=sum(r.used for r in per),
        unrecognised=unrecognised,
        pinned=int(sum(int(r.pinned.sum()) for r in per)),
        preferences=sum(r.prefs for r in per),
        tie_preferences=sum(r.ties for r in per),
        measured=len(measured),
        reanchored=sum(r.reanchored for r in per),
        unreproduced=sum(r.unreproduced for r in per),
        changed_before=int(((before_site != pb[0]) & counted).sum()),
        changed_after=int(((after_site != pa[0]) & counted).sum()),
        plain_moved=plain.moved(),
    )
    infos = _site_infos(svc, list(nets), [before, after])
    return Diff(svc, infos, before, after, w, inputs.topo, basis=basis, calibration=summary)


def _ann_notes(anns: list[Announcement]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(nt for a in anns for nt in a.notes))
