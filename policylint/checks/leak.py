"""Leak rules (LK): sessions and policies that can send routes where they must not go.

RFC 7908 classifies route leaks; the common, expensive ones are routes learned
from one provider or peer re-advertised to another provider or peer (type 1/4).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from policylint.checks.common import ebgp_afs, role_text, terms_by_span
from policylint.checks.tags import customer_gated
from policylint.findings import Finding
from policylint.model import Afi, Device, Role, Span, Term
from policylint.options import Options
from policylint.policyspace import Space, permit_space
from policylint.prefixes import PrefixSet

_NON_CUSTOMER = frozenset({Role.PROVIDER, Role.PEER, Role.ROUTE_SERVER})


def lk101(device: Device, options: Options) -> Iterator[Finding]:
    """eBGP session with no export policy on a device that then sends every route."""
    if device.semantics.ebgp_requires_policy:
        return
    for nb, af in ebgp_afs(device):
        if not af.exports.empty or nb.role in (Role.CUSTOMER, Role.RS_CLIENT):
            continue
        yield Finding(
            nb.span,
            f"no outbound policy toward {role_text(nb)} for {af.afi.value} unicast, and RFC 8212 "
            f"enforcement is off ({device.semantics.no_rfc8212_reason}): every best "
            "route, including those learned from other providers and peers, is advertised to it. "
            "That is a route leak (RFC 7908 type 1/4) that can pull third-party traffic "
            "through this network.",
        )


def _family(afi: Afi) -> PrefixSet:
    return PrefixSet.all(afi)


def originated_space(device: Device) -> PrefixSet:
    return PrefixSet.of_prefixes(o.prefix for o in device.originations if o.prefix is not None)


def customer_space(device: Device, afi: Afi) -> PrefixSet:
    """Prefixes some customer session can deliver, when that session is filtered at all."""
    family = _family(afi)
    parts: list[PrefixSet] = []
    for nb in device.neighbors:
        af = nb.af(afi)
        if nb.role is not Role.CUSTOMER or af is None or not af.activated:
            continue
        accepted = permit_space(device, nb, afi, "import").possible
        if family <= accepted:
            continue  # an unfiltered customer (LK103) vouches for nothing
        parts.append(accepted)
    return PrefixSet.union_all(parts)


@dataclass(frozen=True, slots=True)
class _Leak:
    prefixes: PrefixSet  # what leaks (empty: nothing)
    witnesses: tuple[tuple[PrefixSet, Span], ...]
    why: str  # why a community gate does not make it safe ("" when none was tried)


def _leak(
    device: Device, afi: Afi, space: Space, allowed: PrefixSet, terms: dict[Span, tuple[str, Term]]
) -> _Leak:
    leaking = (space.unconditional | space.foreign_path_space) - allowed
    if leaking.is_empty():
        return _Leak(leaking, (), "")
    safe: list[PrefixSet] = []
    unsafe: list[PrefixSet] = []
    why = ""
    first = space.witness_for(leaking)
    for part, span in first:
        named = terms.get(span)
        verdict = customer_gated(device, afi, named[1]) if named is not None else None
        if verdict is not None and verdict.safe:
            safe.append(part)
        else:
            unsafe.append(part)
            why = why or (verdict.reason if verdict is not None else "")
    if not safe:
        return _Leak(leaking, first, why)
    leaking = leaking - (PrefixSet.union_all(safe) - PrefixSet.union_all(unsafe))
    if leaking.is_empty():
        return _Leak(leaking, (), why)
    return _Leak(leaking, space.witness_for(leaking), why)


def lk102(device: Device, options: Options) -> Iterator[Finding]:
    """Export policy to a provider/peer that permits routes neither originated here nor from customers."""
    allowed_cache: dict[Afi, PrefixSet] = {}
    redistributes = any(o.prefix is None for o in device.originations)
    terms = terms_by_span(device)
    leaks: dict[tuple[int, Afi], tuple[Space, _Leak]] = {}  # sessions sharing a policy share a Space
    for nb, af in ebgp_afs(device):
        if nb.role not in _NON_CUSTOMER or af.exports.empty:
            continue
        allowed = allowed_cache.get(af.afi)
        if allowed is None:
            allowed = allowed_cache[af.afi] = originated_space(device) | customer_space(device, af.afi)
        space = permit_space(device, nb, af.afi, "export")
        hit = leaks.get((id(space), af.afi))
        if hit is None or hit[0] is not space:
            hit = leaks[(id(space), af.afi)] = (space, _leak(device, af.afi, space, allowed, terms))
        leak = hit[1]
        if leak.prefixes.is_empty():
            continue
        witnesses = leak.witnesses
        span = witnesses[0][1] if witnesses else (af.exports.route_map or af.exports.prefix_list or nb).span
        sample = (witnesses[0][0] if witnesses else leak.prefixes).describe(2)
        ref = af.exports.route_map or af.exports.prefix_list or af.exports.filter_list
        policy = f"{ref.kind.value} {ref.name}" if ref else "the export policy"
        extra = " (redistributed routes are not counted as originated)" if redistributes else ""
        tag = f"; it relies on a community tag, but {leak.why}" if leak.why else ""
        yield Finding(
            span,
            f"{policy} toward {role_text(nb)} permits routes that are neither originated here nor "
            f"learned from a filtered customer (e.g. {sample}){extra}{tag}: routes learned from one "
            "provider or peer would be re-advertised to another, a route leak (RFC 7908 type 1/4) that "
            "can attract and blackhole or congest third-party traffic.",
        )


def lk103(device: Device, options: Options) -> Iterator[Finding]:
    """Customer session accepted without a prefix filter."""
    for nb, af in ebgp_afs(device):
        if nb.role is not Role.CUSTOMER:
            continue
        if af.imports.empty and device.semantics.ebgp_requires_policy:
            continue  # nothing is accepted at all (RFC 8212)
        space = permit_space(device, nb, af.afi, "import")
        if not _family(af.afi) <= space.possible:
            continue
        ref = af.imports.route_map or af.imports.prefix_list or af.imports.filter_list
        span = ref.span if ref else nb.span
        how = f"{ref.kind.value} {ref.name} lets any prefix through" if ref else "there is no import policy"
        yield Finding(
            span,
            f"{role_text(nb)} is accepted without a prefix filter ({how}, {af.afi.value} unicast): "
            "whatever the customer sends, a leaked full table or someone else's prefixes, is accepted "
            "and re-advertised to providers and peers, pulling their traffic toward the customer "
            "(RFC 7454 §6.1.3).",
        )
