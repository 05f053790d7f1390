"""``policylint whatif``: load inputs, run the scenario or the failure sweep, report, gate.

Exit codes: 0 within ``--max-shift`` (or no gate), 1 when more traffic than ``--max-shift`` percent
moves (in any service, or for ``--failures`` in any single-site withdrawal), 2 input error.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TextIO

from policylint.model import IPNetwork
from policylint.whatif import report_json
from policylint.whatif.backend import Backend, EmbeddedBackend
from policylint.whatif.calibrate import Calibration, PathStats
from policylint.whatif.inputs import ConfigSet, InputError, load_config_set
from policylint.whatif.observed import ObservationError
from policylint.whatif.propagate import Settings
from policylint.whatif.scenario import Diff, Inputs, compare, failures
from policylint.whatif.sites import Change, ScenarioError, check_change
from policylint.whatif.topology import TopologyError, load_rov_ases, load_topology, load_weights

DEFAULT_TOPOLOGY = "topology.txt"
DEFAULT_WEIGHTS = "traffic.csv"


class WhatifError(Exception):
    """Bad input: one line on stderr, exit code 2."""


@dataclass(frozen=True, slots=True)
class WhatifArgs:
    base: str
    proposed: str | None = None
    withdraw: tuple[str, ...] = ()
    fail_sessions: tuple[str, ...] = ()
    topology: str | None = None
    weights: str | None = None
    rov_ases: str | None = None
    vrps: str | None = None
    max_shift: float | None = None
    failures: bool = False
    fmt: str = "full"
    per_as: bool = False
    prefixes: tuple[str, ...] = ()
    max_v4: int = 24
    max_v6: int = 48
    observed_paths: tuple[str, ...] = ()
    measured_catchment: str | None = None
    site_map: str | None = None


def _change(args: WhatifArgs) -> Change:
    fails = []
    for spec in args.fail_sessions:
        site, sep, nb = spec.partition(":")
        if not sep or not site or not nb:
            raise WhatifError(f"--fail-session {spec!r}: expected SITE:NEIGHBOR (neighbor address or ASN)")
        fails.append((site, nb))
    return Change(frozenset(args.withdraw), frozenset(fails))


def _named(args: WhatifArgs) -> tuple[IPNetwork, ...]:
    out = []
    for p in args.prefixes:
        try:
            out.append(ipaddress.ip_network(p, strict=False))
        except ValueError:
            raise WhatifError(f"--prefix {p!r} is not an IP prefix") from None
    return tuple(out)


def _defaults(args: WhatifArgs, base: ConfigSet) -> tuple[str, str | None]:
    topo = args.topology
    weights = args.weights
    if topo is None:
        where = base.directory
        cand = os.path.join(where, DEFAULT_TOPOLOGY) if where else None
        if cand is None or not os.path.isfile(cand):
            raise WhatifError(
                f"no topology: pass --topology FILE (CAIDA AS relationships), or put {DEFAULT_TOPOLOGY} "
                f"in {where or 'the config directory'}"
            )
        topo = cand
        near = os.path.join(os.path.dirname(cand), DEFAULT_WEIGHTS)
        if weights is None and os.path.isfile(near):
            weights = near
    return topo, weights


def _settings(args: WhatifArgs) -> Settings:
    rov = load_rov_ases(args.rov_ases) if args.rov_ases else frozenset()
    validator = None
    if args.vrps:
        from policylint.whatif.vrps import load_vrps

        validator = load_vrps(args.vrps)
    return Settings(max_v4=args.max_v4, max_v6=args.max_v6, rov_ases=rov, validator=validator)


Progress = Callable[[int, int], None]


def warn(lines: list[str]) -> None:
    """Warnings go to stderr at once (they do not change the exit code)."""
    import sys

    for line in lines:
        sys.stderr.write(f"policylint: warning: {line}\n")


def run(
    args: WhatifArgs, out: TextIO, progress: Progress | None = None, backend: Backend | None = None
) -> tuple[int, list[str]]:
    """Write the report; returns (exit code, error lines for stderr)."""
    try:
        return _run(args, out, progress, backend or EmbeddedBackend())
    except (TopologyError, InputError, ScenarioError, ObservationError) as exc:
        raise WhatifError(str(exc)) from None


def _calibration(args: WhatifArgs) -> Calibration | None:
    """The measurements given (None: a plain prediction), loaded before any config is parsed; the
    observed paths come later (:func:`_observe`), once the services' prefixes are known."""
    if not (args.observed_paths or args.measured_catchment):
        if args.site_map:
            raise WhatifError("--site-map tells the sites of observed paths: pass --observed-paths too")
        return None
    from policylint.whatif.measured import load_measured, load_site_map

    return Calibration(
        None,
        load_measured(args.measured_catchment) if args.measured_catchment else None,
        load_site_map(args.site_map) if args.site_map else None,
    )


def _observe(
    args: WhatifArgs, cal: Calibration, sets: list[ConfigSet], named: tuple[IPNetwork, ...]
) -> Calibration:
    """The observed paths about the services' prefixes (and prefixes inside them): the other
    prefixes of a raw collector file are skipped without being decoded."""
    if not args.observed_paths:
        return cal
    from policylint.whatif.observed import load_observed
    from policylint.whatif.sites import find_services

    prefixes = {p for svc in find_services([c.network for c in sets], named, []) for p in svc.prefixes}
    return replace(cal, observations=load_observed(args.observed_paths, prefixes))


def _run(args: WhatifArgs, out: TextIO, progress: Progress | None, backend: Backend) -> tuple[int, list[str]]:
    change = _change(args)
    named = _named(args)
    if args.observed_paths:
        from policylint.whatif.observed import expand

        args = replace(args, observed_paths=expand(args.observed_paths))
    cal = _calibration(args)
    base = load_config_set(args.base)
    proposed = load_config_set(args.proposed) if args.proposed else base
    if cal is not None:
        cal = _observe(args, cal, [base, proposed], named)
    if args.failures and (args.proposed or change.withdraw or change.fail_sessions):
        raise WhatifError("--failures sweeps the base alone: drop PROPOSED, --withdraw and --fail-session")
    check_change([proposed.network], change)
    topo_path, weights_path = _defaults(args, base)
    topo = load_topology(topo_path)
    weights = load_weights(weights_path) if weights_path else None
    inputs = Inputs(topo, weights, _settings(args), named, backend)
    errors = list(dict.fromkeys([*base.errors, *proposed.errors]))
    skipped: list[str] = []
    header = report_json.Header(
        base.label, proposed.label if args.proposed else None, topo_path, topo.size, topo.links, weights_path,
        tuple(sorted(change.withdraw)), tuple(f"{s}:{n}" for s, n in sorted(change.fail_sessions)),
        args.rov_ases, args.vrps, args.max_shift, tuple(errors), skipped, args.observed_paths,
        args.measured_catchment, args.site_map, engine=backend.name,
    )  # fmt: skip
    if args.failures:
        if cal is None:
            sweeps = failures(inputs, base.network, progress, skipped)
        else:
            from policylint.whatif.calibrate import calibrated_failures

            sweeps, stats = calibrated_failures(inputs, base.network, cal, progress, skipped)
            header = replace(header, path_stats=stats)
            _calibration_warnings(cal, stats, skipped)
        warn(skipped)
        worst = max((r.moved()[1] for _, runs in sweeps for r in runs), default=0.0)
        code, gate = _gate(args, worst, errors)
        if args.fmt == "json":
            docs: list[dict[str, Any]] = [report_json.failure_service(b, r, args.per_as) for b, r in sweeps]
            report_json.write(out, header, docs, "failures", code, worst)
        else:
            from policylint.whatif.report_human import render_sweep

            render_sweep(out, header, sweeps, gate)
        return code, errors
    if cal is None:
        diffs = compare(inputs, base.network, proposed.network, change, skipped)
    else:
        from policylint.whatif.calibrate import calibrated_compare

        diffs, stats = calibrated_compare(
            inputs, base.network, proposed.network, change, cal, skipped=skipped
        )
        header = replace(header, path_stats=stats)
        _calibration_warnings(cal, stats, skipped)
    warn(skipped)
    worst = max((d.moved()[1] for d in diffs), default=0.0)
    code, gate = _gate(args, worst, errors)
    if args.fmt == "json":
        report_json.write(
            out, header, [report_json.service(d, args.per_as) for d in diffs], "compare", code, worst
        )
    else:
        from policylint.whatif.report_human import render

        render(out, header, diffs, gate)
        if args.per_as:
            _per_as_table(out, diffs)
    return code, errors


def _calibration_warnings(cal: Calibration, stats: PathStats | None, out: list[str]) -> None:
    if stats is not None and stats.as_set:
        out.append(f"{stats.as_set} observed paths with an AS_SET were skipped")
    if stats is not None and stats.unrecognised:
        out.append(
            f"{stats.unrecognised} observed paths lead to a site that cannot be told apart: give a --site-map"
        )
    if cal.measured is not None and cal.measured.split:
        out.append(
            f"{cal.measured.path}: {cal.measured.split} ASes are listed with several sites; each counts "
            "for the site with the largest weight"
        )


def _gate(args: WhatifArgs, worst: float, errors: list[str]) -> tuple[int, str | None]:
    code = 2 if errors else 0
    if args.max_shift is None:
        return code, None
    if worst > args.max_shift:
        return max(
            code, 1
        ), f"FAIL: {worst:.1f}% of the traffic moves, more than --max-shift {args.max_shift:g}%"
    return code, f"ok: {worst:.1f}% of the traffic moves, within --max-shift {args.max_shift:g}%"


def _per_as_table(out: TextIO, diffs: list[Diff]) -> None:
    for d in diffs:
        out.write(
            f"\nper AS, service {d.service.prefix}: asn weight before [candidates] -> after [candidates]\n"
        )
        for row in report_json.per_as(d):
            bc = ",".join(row["before_candidates"])
            ac = ",".join(row["after_candidates"])
            before, after = row["before"] or "-", row["after"] or "-"
            basis = f" ({row['basis']})" if d.calibration is not None else ""
            out.write(f"AS{row['asn']} {row['weight']:g} {before} [{bc}] -> {after} [{ac}]{basis}\n")
