"""RPKI route-origin validation rules (RV): is ROV configured, and does it drop invalids?

Facts from FRR's ``bgp_rpki.c``: while no cache is configured (or none has
synchronised) a route gets no validation state at all, so *no* ``match rpki``
clause matches, not even ``notfound``.  ROV only protects traffic when RPKI-invalid
routes are dropped (RFC 6811 §2, RFC 8893 discussion): a lower local-preference
keeps an invalid route as the only path for a hijacked sub-prefix.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from policylint.checks.common import ebgp_afs, main_ref, neighbor_text, ref_text, role_text
from policylint.checks.usage import policy_uses
from policylint.findings import Finding
from policylint.model import Action, Device, MatchRpki, Neighbor, RefKind, RpkiState, Term
from policylint.options import Options
from policylint.policyspace import permit_space

MAX_DEPTH = 10


def has_cache(device: Device) -> bool:
    return device.rpki is not None and bool(device.rpki.caches)


def excludes_invalid(device: Device) -> bool:
    """Does the device drop RPKI-invalid routes from best-path selection by itself (IOS default)?"""
    return device.rpki is not None and bool(device.rpki.caches) and device.rpki.invalid_excluded


def _accepts(device: Device, nb: Neighbor) -> bool:
    """Can any activated address family of this eBGP session accept a route?"""
    return any(
        af.activated and not permit_space(device, nb, af.afi, "import").possible.is_empty() for af in nb.afs
    )


# --------------------------------------------------------------------------- RV101


def rv101(device: Device, options: Options) -> Iterator[Finding]:
    """eBGP sessions accept routes but there is no RPKI cache: no route-origin validation."""
    if has_cache(device):
        return
    sessions = [nb for nb in device.ebgp_neighbors if _accepts(device, nb)]
    if not sessions:
        return
    names = ", ".join(neighbor_text(nb) for nb in sessions[:3])
    more = f" and {len(sessions) - 3} more" if len(sessions) > 3 else ""
    rpki = device.rpki
    if rpki is not None:
        span = rpki.span
        what = "the `rpki` block configures no cache"
    else:
        span = device.bgp_span or sessions[0].span
        what = "no RPKI cache is configured"
    n = len(sessions)
    count = f"{n} eBGP session{'s' if n != 1 else ''} ({names}{more}) accept{'s' if n == 1 else ''}"
    yield Finding(
        span,
        f"{what}: {count} routes without route-origin validation, so hijacked and mis-originated "
        "routes (RFC 6811 invalid) are accepted like any other and traffic follows them.",
    )


# --------------------------------------------------------------------------- RV102


@dataclass(frozen=True, slots=True)
class RovVerdict:
    drops: bool  # RPKI-invalid routes are denied before anything can permit them
    gap: Term | None  # the first term that can permit an invalid route first
    gap_policy: str | None


def _only_invalid(term: Term) -> bool:
    return (
        len(term.matches) == 1
        and isinstance(term.matches[0], MatchRpki)
        and (term.matches[0].state is RpkiState.INVALID)
    )


def _permits_invalid(term: Term) -> bool:
    return term.action is Action.PERMIT and any(
        isinstance(m, MatchRpki) and m.state is RpkiState.INVALID for m in term.matches
    )


def _excludes_invalid(term: Term) -> bool:
    """The term can never match an invalid route (``match rpki valid|notfound``)."""
    return any(isinstance(m, MatchRpki) and m.state is not RpkiState.INVALID for m in term.matches)


def rov_verdict(device: Device, name: str, stack: tuple[str, ...] = ()) -> RovVerdict:
    """Walk route-map ``name`` in order: is an invalid route dropped before a term can permit it?

    ``call`` into a route-map that drops invalids counts as dropping them when the calling
    term matches everything; a permit with ``on-match`` does not decide, so it is skipped.
    A permit term that matches ``rpki invalid`` is returned as the gap (RV103's finding).
    """
    policy = device.policies.get(name)
    if policy is None or name in stack or len(stack) >= MAX_DEPTH:
        return RovVerdict(False, None, None)
    for term in sorted(policy.terms, key=lambda t: t.seq):
        if _excludes_invalid(term):
            continue
        if term.action is Action.DENY:
            if _only_invalid(term):
                return RovVerdict(True, None, None)
            continue
        if _permits_invalid(term):
            return RovVerdict(False, term, name)  # RV103 judges it (including on-match next + later deny)
        if term.call is not None and not term.matches:
            sub = rov_verdict(device, term.call, (*stack, name))
            if sub.drops or sub.gap is not None:
                return sub
        if term.on_match is not None:
            continue
        return RovVerdict(False, term, name)
    return RovVerdict(False, None, None)


def _has_drop(device: Device, name: str, stack: tuple[str, ...] = ()) -> bool:
    """Is there a deny term with only ``match rpki invalid`` anywhere in ``name`` or what it calls?"""
    policy = device.policies.get(name)
    if policy is None or name in stack or len(stack) >= MAX_DEPTH:
        return False
    return any(
        (t.action is Action.DENY and _only_invalid(t))
        or (t.call is not None and _has_drop(device, t.call, (*stack, name)))
        for t in policy.terms
    )


def rv102(device: Device, options: Options) -> Iterator[Finding]:
    """An eBGP import that does not drop RPKI-invalid routes although a cache is configured."""
    if not has_cache(device):
        return  # RV101 / RV104
    if excludes_invalid(device):
        return  # the router itself keeps invalid routes out of best-path selection
    for nb, af in ebgp_afs(device):
        if permit_space(device, nb, af.afi, "import").possible.is_empty():
            continue  # nothing is accepted (RFC 8212 without policy, deny-all policy)
        rmap = af.imports.route_map
        if rmap is None:
            ref = main_ref(af.imports)
            span = ref.span if ref is not None else nb.span
            how = f"its import is only {ref_text(ref)}" if ref is not None else "it has no import policy"
            yield Finding(
                span,
                f"{af.afi.value} unicast routes from {role_text(nb)} are not checked against RPKI ({how}): "
                "RPKI-invalid routes, such as a hijack of someone's prefix, are accepted and traffic "
                "follows them.",
            )
            continue
        verdict = rov_verdict(device, rmap.name)
        if verdict.drops or (verdict.gap is not None and _permits_invalid(verdict.gap)):
            continue  # dropped, or a permit term matching `rpki invalid` (RV103's finding)
        if verdict.gap is not None and _has_drop(device, rmap.name):
            detail = (
                f"route-map {verdict.gap_policy} seq {verdict.gap.seq} permits routes before the "
                "`match rpki invalid` deny term is reached"
            )
        else:
            detail = f"route-map {rmap.name} has no deny term with just `match rpki invalid`"
        yield Finding(
            rmap.span,
            f"{af.afi.value} unicast routes from {role_text(nb)} are not dropped when RPKI-invalid: "
            f"{detail}. Hijacked and mis-originated routes are accepted and traffic follows them.",
        )


# --------------------------------------------------------------------------- RV103


def _ebgp_import_maps(device: Device) -> dict[str, list[Neighbor]]:
    """Route-maps used (directly or via ``call``) as eBGP import policies, with their neighbors."""
    out: dict[str, list[Neighbor]] = {}
    for name, uses in policy_uses(device).items():
        for use in uses:
            if use.direction == "import" and use.neighbor.is_ebgp:
                users = out.setdefault(name, [])
                if use.neighbor not in users:
                    users.append(use.neighbor)
    return out


def _referenced(device: Device) -> set[str]:
    return {r.name for r in device.refs if r.kind is RefKind.ROUTE_MAP}


def _later_drop(terms: list[Term], i: int) -> bool:
    return any(t.action is Action.DENY and _only_invalid(t) for t in terms[i + 1 :])


def rv103(device: Device, options: Options) -> Iterator[Finding]:
    """A permit term matching ``rpki invalid``: invalid routes stay eligible."""
    if excludes_invalid(device):
        return  # permitted or not, invalid routes never become best paths here
    users = _ebgp_import_maps(device)
    referenced = _referenced(device)
    for name, policy in sorted(device.policies.items()):
        if name not in users and name in referenced:
            continue  # used, but not as an eBGP import policy
        terms = sorted(policy.terms, key=lambda t: t.seq)
        for i, term in enumerate(terms):
            if not _permits_invalid(term) or (term.on_match is not None and _later_drop(terms, i)):
                continue
            nbs = users.get(name, [])
            if nbs:
                who = ", ".join(role_text(nb) for nb in nbs[:2])
                who = f"routes from {who}" + (f" and {len(nbs) - 2} more" if len(nbs) > 2 else "")
            else:
                who = "routes (the route-map is not used yet)"
            yield Finding(
                term.span,
                f"route-map {name} seq {term.seq} permits RPKI-invalid {who}: invalid routes stay "
                "eligible, and when one is the only path (a hijack of unannounced space, or a more-specific "
                "sub-prefix hijack that wins by longest match) traffic follows it. Deny them instead.",
            )


# --------------------------------------------------------------------------- RV104


_NO_CACHE_EFFECT = {
    RpkiState.INVALID: "invalid routes are never dropped and route-origin validation silently does nothing",
    RpkiState.VALID: "valid routes get no preference",
    RpkiState.NOTFOUND: "routes without a ROA are not singled out either (no state is not `notfound`)",
}


def rv104(device: Device, options: Options) -> Iterator[Finding]:
    """``match rpki`` without any RPKI cache: the clause never matches."""
    if has_cache(device):
        return
    for name, policy in sorted(device.policies.items()):
        for term in policy.terms:
            for m in term.matches:
                if not isinstance(m, MatchRpki):
                    continue
                yield Finding(
                    m.span,
                    f"route-map {name} seq {term.seq} uses `match rpki {m.state.value}` but no RPKI cache "
                    f"is configured: routes get no validation state, so the clause never matches; "
                    f"{_NO_CACHE_EFFECT[m.state]}.",
                )
