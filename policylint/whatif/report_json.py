"""The what-if JSON report (``schema_version: 1``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TextIO

from policylint import __version__
from policylint.whatif.calibrate import PathStats
from policylint.whatif.scenario import Diff, Outcome

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Header:
    base: str
    proposed: str | None
    topology: str
    ases: int
    links: int
    weights: str | None
    withdraw: tuple[str, ...] = ()
    fail_sessions: tuple[str, ...] = ()
    rov_ases: str | None = None
    vrps: str | None = None
    max_shift: float | None = None
    errors: tuple[str, ...] = field(default=())
    warnings: list[str] = field(default_factory=list)  # filled while the scenario runs
    observed_paths: tuple[str, ...] = ()
    measured_catchment: str | None = None
    site_map: str | None = None
    path_stats: PathStats | None = None
    engine: str = "embedded"  # which backend produced the announcements (embedded, batfish)

    @property
    def calibrated(self) -> bool:
        return bool(self.observed_paths or self.measured_catchment)


def _r(x: float) -> float:
    return round(x, 3)


def shares(d: Diff, o: Outcome) -> dict[str, dict[str, float | int]]:
    return {
        s.site: {"share": _r(s.value), "min": _r(s.low), "max": _r(s.high), "ases": s.ases}
        for s in d.shares(o)
    }


def _count(pair: tuple[int, float]) -> dict[str, float | int]:
    return {"ases": pair[0], "weight": _r(pair[1])}


def moves(d: Diff) -> list[dict[str, Any]]:
    return [{"from": m.source, "to": m.target, "ases": m.ases, "weight": _r(m.weight)} for m in d.moves()]


def per_as(d: Diff) -> list[dict[str, Any]]:
    out = []
    asns = d.topo.asns
    for i in range(d.topo.size):
        if d.weights[i] <= 0:
            continue
        b, a = int(d.before.site[i]), int(d.after.site[i])
        out.append(
            {
                "asn": int(asns[i]),
                "weight": float(d.weights[i]),
                "before": d.name(b) if b >= 0 else None,
                "after": d.name(a) if a >= 0 else None,
                "before_candidates": d.candidates(int(d.before.mask[i])),
                "after_candidates": d.candidates(int(d.after.mask[i])),
                "basis": d.basis_name(i),
            }
        )
    return out


def _sites(d: Diff) -> list[dict[str, Any]]:
    return [{"name": s.name, "asn": s.asn, "neighbors": list(s.neighbors)} for s in d.sites]


def service(d: Diff, with_per_as: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "prefix": str(d.service.prefix),
        "prefixes": [str(p) for p in d.service.prefixes],
        "sites": _sites(d),
        "before": shares(d, d.before),
        "after": shares(d, d.after),
        "moves": moves(d),
        "moved": _count(d.moved()),
        "unreachable": {"before": _count(d.unreachable(d.before)), "after": _count(d.unreachable(d.after))},
        "tied": {"before": _count(d.tied(d.before)), "after": _count(d.tied(d.after))},
        "notes": list(dict.fromkeys([*d.before.notes, *d.after.notes])),
        "calibration": service_calibration(d),
    }
    if with_per_as:
        out["per_as"] = per_as(d)
    return out


def service_calibration(d: Diff) -> dict[str, Any] | None:
    c = d.calibration
    if c is None:
        return None
    obs, inf, mod = d.moved_by_basis()
    counts = d.basis_counts()
    return {
        "moved_weight_basis": {"observed": _r(obs), "inferred": _r(inf), "model": _r(mod)},
        "basis": {name: _count(counts[i]) for i, name in enumerate(("observed", "inferred", "model"))},
        "observed_paths": c.paths,
        "unrecognised_paths": c.unrecognised,
        "pinned_ases": c.pinned,
        "learned_preferences": c.preferences,
        "tie_preferences": c.tie_preferences,
        "measured_ases": c.measured,
        "reanchored_ases": c.reanchored,
        "unreproduced_ases": c.unreproduced,
        "changed_from_model": {"before": c.changed_before, "after": c.changed_after},
        "model_moved": _count(c.plain_moved),
    }


def calibration(h: Header) -> dict[str, Any] | None:
    if not h.calibrated:
        return None
    s = h.path_stats
    paths = None
    if s is not None:
        paths = {
            "records": s.records, "current": s.current, "used": s.used, "other_prefixes": s.other_prefixes,
            "unrecognised": s.unrecognised, "without_site_as": s.no_site_as, "as_set": s.as_set,
            "ases_not_in_topology": s.unknown_ases, "conflicts": s.conflicts,
            "skipped_other_prefixes": s.skipped_other,
        }  # fmt: skip
    return {
        "observed_paths": list(h.observed_paths),
        "measured_catchment": h.measured_catchment,
        "site_map": h.site_map,
        "paths": paths,
    }


def failure_service(base: Diff, runs: list[Diff], with_per_as: bool) -> dict[str, Any]:
    return {
        "prefix": str(base.service.prefix),
        "prefixes": [str(p) for p in base.service.prefixes],
        "sites": _sites(base),
        "before": shares(base, base.before),
        "unreachable": _count(base.unreachable(base.before)),
        "tied": _count(base.tied(base.before)),
        "failures": [
            {
                "withdrawn": run.label.removeprefix("withdraw "),
                "after": shares(run, run.after),
                "moves": moves(run),
                "moved": _count(run.moved()),
                "unreachable": _count(run.unreachable(run.after)),
                "newly_unreachable": _count(_newly_unreachable(run)),
                "tied": _count(run.tied(run.after)),
                "calibration": service_calibration(run),
                **({"per_as": per_as(run)} if with_per_as else {}),
            }
            for run in runs
        ],
        "notes": list(base.before.notes),
    }


def _newly_unreachable(d: Diff) -> tuple[int, float]:
    lost = (d.before.site >= 0) & (d.after.site < 0) & (d.weights > 0)
    total = d.total
    return int(lost.sum()), (100.0 * float(d.weights[lost].sum()) / total if total else 0.0)


def newly_unreachable(d: Diff) -> tuple[int, float]:
    return _newly_unreachable(d)


def write(  # noqa: PLR0917
    out: TextIO, header: Header, services: list[dict[str, Any]], mode: str, exit_code: int, worst: float
) -> None:
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "policylint", "version": __version__},
        "mode": mode,
        "engine": header.engine,
        "scenario": {
            "base": header.base,
            "proposed": header.proposed,
            "withdraw": list(header.withdraw),
            "fail_sessions": list(header.fail_sessions),
        },
        "topology": {"path": header.topology, "ases": header.ases, "links": header.links},
        "weights": header.weights,
        "rov_ases": header.rov_ases,
        "vrps": header.vrps,
        "calibration": calibration(header),
        "services": services,
        "errors": list(header.errors),
        "warnings": list(header.warnings),
        "summary": {
            "services": len(services),
            "max_moved": _r(worst),
            "max_shift": header.max_shift,
            "exit_code": exit_code,
        },
    }
    json.dump(doc, out, indent=2, ensure_ascii=True)
    out.write("\n")
