"""RPKI data rules (RV105-RV108): will what each site announces be RPKI-valid?

Fed by ``--vrps FILE`` / ``--rtr HOST:PORT`` through ``Options.vrps``; silent without
data.  An *announcement* is an originated prefix (``network``, ``aggregate-address``;
through its own route-map when it has one) as an eBGP neighbor receives it after the
export policy: its origin is the last ASN of the path the neighbor sees (the local AS,
or an ASN a policy prepended).  A device
with no eBGP session originates with its own AS (it is announced elsewhere in the AS).
Validation is RFC 6811 against the loaded VRPs; networks that enforce ROV drop invalid
routes (RFC 8893 discussion, RFC 9319 on maxLength).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from policylint.evaluate import Route, evaluate_policy, evaluate_session, export_path
from policylint.findings import Finding
from policylint.model import Afi, Device, IPNetwork, RpkiState, Span
from policylint.options import Options

if TYPE_CHECKING:  # the RPKI package loads only when a run has VRP data
    from policylint.rpki.index import Validation, VrpIndex
    from policylint.rpki.vrp import Vrp

DROP = (
    "networks that enforce route-origin validation drop it, so their customers' traffic to {p} "
    "follows a covering route to wherever it is announced, or has no route at all"
)


@dataclass(frozen=True, slots=True)
class Announced:
    """One originated prefix as eBGP neighbors receive it (small and picklable: a gathered fact)."""

    site: str  # the device's hostname
    span: Span  # the origination (network / aggregate-address statement)
    prefix: IPNetwork
    origin: int
    neighbors: tuple[str, ...]  # eBGP neighbors that receive it (empty: no eBGP session here)


_MEMO: dict[int, tuple[Device, list[Announced]]] = {}
_MEMO_MAX = 4096


def announcements(device: Device) -> list[Announced]:
    """Every (originated prefix, origin ASN) this device sends to eBGP neighbors.

    Four rules ask for the same device's announcements; devices are immutable, so the
    answer is remembered by identity (bounded).
    """
    hit = _MEMO.get(id(device))
    if hit is not None and hit[0] is device:
        return hit[1]
    out = _announcements(device)
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[id(device)] = (device, out)
    return out


def _announcements(device: Device) -> list[Announced]:
    out: list[Announced] = []
    ebgp = device.ebgp_neighbors
    for orig in device.originations:
        if orig.prefix is None:
            continue
        route = Route(orig.prefix)
        if orig.route_map is not None:  # `network P route-map RM`: RM can deny it or prepend
            made = evaluate_policy(device, orig.route_map.name, route, local_as=device.asn)
            if not made.permitted:
                continue
            route = made.route
        afi = Afi.IPV4 if orig.prefix.version == 4 else Afi.IPV6
        if not ebgp:
            origin = route.as_path[-1] if route.as_path else device.asn
            if origin is not None:
                out.append(Announced(device.hostname, orig.span, orig.prefix, origin, ()))
            continue
        by_origin: dict[int, list[str]] = {}
        for nb in ebgp:
            decision = evaluate_session(device, nb, afi, "export", route)
            if not decision.permitted:
                continue
            path = export_path(device, nb, decision)
            if path:
                by_origin.setdefault(path[-1], []).append(nb.label)
        out.extend(
            Announced(device.hostname, orig.span, orig.prefix, o, tuple(n)) for o, n in by_origin.items()
        )
    return out


def vrp_text(vrps: tuple[Vrp, ...], limit: int = 3) -> str:
    shown = ", ".join(f"VRP {v}" for v in vrps[:limit])
    return shown + (f" and {len(vrps) - limit} more" if len(vrps) > limit else "")


def _to(a: Announced) -> str:
    if not a.neighbors:
        return f"originated by AS{a.origin}"
    who = ", ".join(a.neighbors[:2]) + (f" and {len(a.neighbors) - 2} more" if len(a.neighbors) > 2 else "")
    return f"announced to {who} with origin AS{a.origin}"


def invalid_reason(a: Announced, v: Validation) -> str:
    own = tuple(x for x in v.covering if x.asn == a.origin)
    length = a.prefix.prefixlen
    if own:
        return (
            f"too specific: {vrp_text(own)} authorise{'s' if len(own) == 1 else ''} AS{a.origin} only up to "
            f"/{max(x.max_length for x in own)}, and it is a /{length}"
        )
    asns = sorted({x.asn for x in v.covering})
    who = "AS0 (nobody may originate it)" if asns == [0] else ", ".join(f"AS{n}" for n in asns)
    return f"wrong origin: {vrp_text(v.covering)} authorise{'s' if len(v.covering) == 1 else ''} {who}"


def _checked(device: Device, index: VrpIndex) -> Iterator[tuple[Announced, Validation]]:
    for a in announcements(device):
        yield a, index.validate(a.prefix, a.origin)


# --------------------------------------------------------------------------- RV105


def rv105(device: Device, options: Options) -> Iterator[Finding]:
    """An announced prefix that is RPKI-invalid (wrong origin, or longer than maxLength)."""
    if options.vrps is None:
        return
    for a, v in _checked(device, options.vrps):
        if v.state is RpkiState.INVALID:
            yield Finding(
                a.span,
                f"{a.prefix} {_to(a)} is RPKI-invalid ({invalid_reason(a, v)}): {DROP.format(p=a.prefix)}.",
            )


# --------------------------------------------------------------------------- RV106


def rv106(device: Device, options: Options) -> Iterator[Finding]:
    """An announced prefix no ROA covers (RPKI not-found)."""
    if options.vrps is None:
        return
    for a, v in _checked(device, options.vrps):
        if v.state is RpkiState.NOTFOUND:
            yield Finding(
                a.span,
                f"{a.prefix} {_to(a)} is RPKI not-found: no VRP covers it. Validating networks accept it, "
                f"but they equally accept anyone else originating {a.prefix} or a more-specific of it, so a "
                f"hijack takes its traffic unopposed; publish a ROA for AS{a.origin} with maxLength "
                f"{a.prefix.prefixlen}.",
            )


# --------------------------------------------------------------------------- RV107


def gather_announced(device: Device, options: Options) -> Iterator[Announced]:
    """RV107/RV108 facts: the device's announcements (none without RPKI data)."""
    if options.vrps is not None:
        yield from announcements(device)


def rv107(facts: Sequence[object], options: Options) -> Iterator[Finding]:
    """A ROA whose maxLength is longer than anything announced under it (RFC 9319)."""
    index = options.vrps
    if index is None:
        return
    checked = [(a, index.validate(a.prefix, a.origin)) for a in facts if isinstance(a, Announced)]
    longest: dict[tuple[int, int, int, int], int] = {}  # (version, network, length, asn) -> announced
    for a, v in checked:
        for m in v.matched:
            key = (m.version, m.network, m.length, m.asn)
            longest[key] = max(longest.get(key, 0), a.prefix.prefixlen)
    for a, v in checked:
        loose = [m for m in v.matched if m.max_length > longest[(m.version, m.network, m.length, m.asn)]]
        for m in loose:
            top = longest[(m.version, m.network, m.length, m.asn)]
            yield Finding(
                a.span,
                f"{a.prefix} is RPKI-valid through VRP {m}, whose maxLength {m.max_length} is longer than "
                f"anything the linted devices announce under it (/{top} at most): a forged-origin hijack "
                f"announcing a "
                f"/{m.max_length} inside {m.prefix} with a path ending in AS{m.asn} is also RPKI-valid and "
                f"wins by longest match, pulling that traffic away (RFC 9319). Publish a ROA with maxLength "
                f"{top}, or one ROA per announced prefix.",
                device=a.site,
            )


# --------------------------------------------------------------------------- RV108


def rv108(facts: Sequence[object], options: Options) -> Iterator[Finding]:
    """Anycast sites of one prefix originate from different ASNs and not all are RPKI-valid."""
    index = options.vrps
    if index is None:
        return
    by_prefix: dict[IPNetwork, list[Announced]] = {}
    for a in facts:
        if isinstance(a, Announced):
            by_prefix.setdefault(a.prefix, []).append(a)
    for prefix, anns in sorted(by_prefix.items(), key=lambda kv: (kv[0].version, kv[0])):
        sites = {a.site for a in anns}
        origins = sorted({a.origin for a in anns})
        if len(sites) < 2 or len(origins) < 2:
            continue
        states = {o: index.validate(prefix, o) for o in origins}
        if all(v.state is RpkiState.VALID for v in states.values()):
            continue
        layout = "; ".join(
            f"AS{o} at {', '.join(sorted({a.site for a in anns if a.origin == o}))} ({states[o].state.value})"
            for o in origins
        )
        valid_sites = {a.site for a in anns if states[a.origin].state is RpkiState.VALID}
        covering = states[origins[0]].covering
        for a in sorted(anns, key=lambda x: (x.site, x.span.line)):
            state = states[a.origin]
            if state.state is RpkiState.VALID:
                continue
            site = a.site
            others = sorted(valid_sites - {site})
            rest = f"traffic shifts to {', '.join(others)}" if others else "no other site takes over"
            if site in valid_sites:
                rest += f" (and to {site}'s own valid announcements)"
            vrps = f"covered by {vrp_text(covering)}" if covering else "covered by no VRP"
            effect = (
                f"validating networks drop {site}'s route {_to(a)}, so that catchment shrinks to "
                f"networks that do not validate and {rest}"
                if state.state is RpkiState.INVALID
                else "a ROA published for one origin makes the other sites invalid at once"
            )
            yield Finding(
                a.span,
                f"anycast {prefix} is originated from different ASNs ({layout}); {vrps}: {effect}.",
                device=a.site,
            )
