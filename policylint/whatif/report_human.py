"""The rich what-if report: site shares before/after with tie intervals, moves, heaviest moved ASes."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from policylint.whatif.report_json import Header, newly_unreachable
from policylint.whatif.scenario import Diff, Outcome, Share

TOP_MOVED = 10


def _tty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def console(out: TextIO) -> Console:
    tty = _tty(out)
    color = tty and not os.environ.get("NO_COLOR")
    return Console(
        file=out, highlight=False, markup=False, emoji=False, no_color=not color,
        force_terminal=color, width=None if tty else 110,
    )  # fmt: skip


@contextmanager
def _console(out: TextIO) -> Iterator[Console]:
    """A console on a terminal; otherwise plain text without trailing blanks (stable for diffs)."""
    if _tty(out):
        yield console(out)
        return
    buf = io.StringIO()
    yield console(buf)
    out.write("\n".join(line.rstrip() for line in buf.getvalue().split("\n")))


def _pct(x: float) -> str:
    return f"{x:5.1f}%"


def _interval(s: Share) -> str:
    if abs(s.high - s.low) < 0.05:
        return ""
    return f"[{s.low:.1f}-{s.high:.1f}]"


def _delta(x: float) -> Text:
    if abs(x) < 0.05:
        return Text("   0.0")
    return Text(f"{x:+6.1f}", style="green" if x > 0 else "red")


def _sites_line(d: Diff) -> str:
    parts = []
    for s in d.sites:
        nb = ", ".join(f"AS{n}" for n in s.neighbors) or "no neighbor gets it"
        parts.append(f"{s.name} (AS{s.asn} -> {nb})")
    return "; ".join(parts)


def _header(c: Console, h: Header) -> None:
    scen = h.base if h.proposed is None else f"{h.base} -> {h.proposed}"
    extra = [f"withdraw {w}" for w in h.withdraw] + [f"fail session {f}" for f in h.fail_sessions]
    if extra:
        scen += " with " + ", ".join(extra)
    c.print(Text(f"What-if: {scen}", style="bold"))
    c.print(f"topology {h.topology}: {h.ases:,} ASes, {h.links:,} links")
    c.print(f"weights  {h.weights or 'none (every AS weighs 1)'}")
    if h.calibrated:
        parts = [f"observed paths {', '.join(h.observed_paths)}"] if h.observed_paths else []
        if h.measured_catchment:
            parts.append(f"measured catchment {h.measured_catchment}")
        if h.site_map:
            parts.append(f"site map {h.site_map}")
        c.print("calibrated by " + "; ".join(parts))
    if h.rov_ases:
        c.print(
            f"ROV ASes {h.rov_ases}" + (f", VRPs {h.vrps}" if h.vrps else " (no VRPs: nothing is invalid)")
        )


def _ases(n: int) -> str:
    return f"{n:,} AS" if n == 1 else f"{n:,} ASes"


def _counts(d: Diff, o: Outcome) -> str:
    tn, tw = d.tied(o)
    un, uw = d.unreachable(o)
    return f"{_ases(tn)} tied ({tw:.1f}%), {_ases(un)} unreachable ({uw:.1f}%)"


def render_diff(c: Console, d: Diff) -> None:
    svc = d.service
    more = [str(p) for p in svc.prefixes if p != svc.prefix]
    title = f"Service {svc.prefix}" + (f" (also {', '.join(more)})" if more else "")
    c.print()
    c.print(Text(title, style="bold cyan"))
    c.print(f"sites: {_sites_line(d)}")
    table = Table(box=None, pad_edge=False)
    for col in ("site", "before", "", "after", "", "delta"):
        table.add_column(col, justify="left" if col == "site" else "right")
    for b, a in zip(d.shares(d.before), d.shares(d.after), strict=True):
        table.add_row(
            b.site, _pct(b.value), _interval(b), _pct(a.value), _interval(a), _delta(a.value - b.value)
        )
    c.print(table)
    c.print("[min-max]: share range over tied ASes (each tied AS may pick any of its candidate sites)")
    c.print(f"before: {_counts(d, d.before)}")
    c.print(f"after:  {_counts(d, d.after)}")
    n, w = d.moved()
    c.print(Text(f"moved: {w:.1f}% of the traffic ({_ases(n)})", style="bold" if n else ""))
    moves = d.moves()
    if moves:
        mt = Table(box=None, pad_edge=False, title="moves (from -> to)", title_justify="left")
        for col in ("from", "to", "ASes", "weight"):
            mt.add_column(col, justify="left" if col in ("from", "to") else "right")
        for m in moves:
            mt.add_row(m.source, m.target, f"{m.ases:,}", _pct(m.weight))
        c.print(mt)
        top = d.top_moved(TOP_MOVED)
        tt = Table(box=None, pad_edge=False, title="largest moved ASes", title_justify="left")
        for col in ("AS", "weight", "from", "to"):
            tt.add_column(col, justify="right" if col == "weight" else "left")
        for asn, pct, frm, to in top:
            tt.add_row(f"AS{asn}", _pct(pct), frm, to)
        c.print(tt)
    if d.calibration is not None:
        _calibration(c, d)
    for note in dict.fromkeys([*d.before.notes, *d.after.notes]):
        c.print(Text(f"note: {note}", style="dim"))


def _calibration(c: Console, d: Diff) -> None:
    cal = d.calibration
    assert cal is not None
    obs, inf, mod = d.moved_by_basis()
    n, _ = d.moved()
    if n:
        c.print(
            Text(
                f"calibration: {obs:.0f}% of the moved weight is backed by observations "
                f"({inf:.0f}% inferred from them, {mod:.0f}% model alone)",
                style="bold",
            )
        )
    else:
        c.print(Text("calibration: nothing moves", style="bold"))
    (on, ow), (inn, iw), (mn, mw) = d.basis_counts()
    c.print(f"  basis: observed {_ases(on)} ({ow:.1f}%), inferred {_ases(inn)} ({iw:.1f}%), "
            f"model alone {_ases(mn)} ({mw:.1f}%)")  # fmt: skip
    c.print(
        f"  observed paths: {cal.paths:,} used, {cal.unrecognised:,} with an unrecognised site; "
        f"{_ases(cal.pinned)} pinned, {cal.preferences:,} learned preferences, "
        f"{cal.tie_preferences:,} tie preferences"
    )
    if cal.measured:
        c.print(f"  measured catchment: {_ases(cal.measured)}, {cal.reanchored:,} re-anchored by a learned "
                f"preference, {cal.unreproduced:,} not reproducible by the model")  # fmt: skip
    pn, pw = cal.plain_moved
    c.print(
        f"  plain model: {pw:.1f}% moves ({_ases(pn)}); calibration changed the predicted site of "
        f"{_ases(cal.changed_before)} before, {_ases(cal.changed_after)} after"
    )


def render_failures(c: Console, base: Diff, runs: list[Diff]) -> None:
    svc = base.service
    c.print()
    c.print(Text(f"Service {svc.prefix}: single-site failures", style="bold cyan"))
    c.print(f"sites: {_sites_line(base)}")
    c.print(f"base: {_counts(base, base.before)}")
    table = Table(box=None, pad_edge=False)
    for col in ("withdrawn", "share", "goes to", "newly unreachable"):
        table.add_column(col, justify="right" if col == "share" else "left")
    shares = {s.site: s for s in base.shares(base.before)}
    for run in runs:
        site = run.label.removeprefix("withdraw ")
        dest = ", ".join(f"{m.target} {m.weight:.1f}%" for m in run.moves() if m.source == site) or "-"
        n, w = newly_unreachable(run)
        lost = f"{_ases(n)} ({w:.1f}%)" if n else "none"
        table.add_row(site, _pct(shares[site].value), dest, Text(lost, style="red" if n else ""))
    c.print(table)
    for run in runs:
        if run.calibration is not None and run.moved()[0]:
            obs, inf, mod = run.moved_by_basis()
            c.print(f"calibration, {run.label}: {obs:.0f}% of the moved weight is backed by observations "
                    f"({inf:.0f}% inferred, {mod:.0f}% model alone)")  # fmt: skip
    for note in base.before.notes:
        c.print(Text(f"note: {note}", style="dim"))


def render(out: TextIO, header: Header, diffs: list[Diff], gate: str | None) -> None:
    with _console(out) as c:
        _render(c, header, diffs, gate)


def _render(c: Console, header: Header, diffs: list[Diff], gate: str | None) -> None:
    _header(c, header)
    if not diffs:
        c.print(
            "no anycast service found (a prefix originated by two or more devices, or named with --prefix)"
        )
    for d in diffs:
        render_diff(c, d)
    if gate:
        c.print()
        c.print(Text(gate, style="bold"))


Sweeps = list[tuple[Diff, list[Diff]]]


def render_sweep(out: TextIO, header: Header, sweeps: Sweeps, gate: str | None) -> None:
    with _console(out) as c:
        _render_sweep(c, header, sweeps, gate)


def _render_sweep(c: Console, header: Header, sweeps: Sweeps, gate: str | None) -> None:
    _header(c, header)
    if not sweeps:
        c.print(
            "no anycast service found (a prefix originated by two or more devices, or named with --prefix)"
        )
    for base, runs in sweeps:
        render_failures(c, base, runs)
    if gate:
        c.print()
        c.print(Text(gate, style="bold"))
