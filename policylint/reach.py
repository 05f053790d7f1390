"""Which route-map terms a route can still reach (first match wins).

Built on the prefix-space analysis of :mod:`policylint.policyspace`: a term is
unreachable when every prefix it matches is already decided by earlier terms
that end evaluation unconditionally (deny, or permit without on-match/call).
"""

from __future__ import annotations

from dataclasses import dataclass

from policylint.model import Action, Afi, Device, Policy, Term
from policylint.policyspace import TermContext, local_asns, term_condition, term_prefixes
from policylint.prefixes import PrefixSet


@dataclass(frozen=True, slots=True)
class Reach:
    reachable: bool
    shadowed_by: Term | None = None  # the first earlier term that takes routes this one wanted


def _final(term: Term) -> bool:
    """Does a match of this term end the route-map?"""
    return term.action is Action.DENY or (term.on_match is None and term.call is None)


def term_reach(device: Device, policy: Policy, index: int) -> Reach:
    target = policy.terms[index]
    shadow: Term | None = None
    local = local_asns(device)
    for afi in (Afi.IPV4, Afi.IPV6):
        ctx = TermContext(device, afi, PrefixSet.all(afi), local)
        if term_condition(ctx, target).never:
            return Reach(True)  # a dead match is RF101's finding, not a shadowing one
        want = term_prefixes(ctx, target)
        if want.is_empty():
            continue
        remaining = ctx.family
        for term in policy.terms[:index]:
            cond = term_condition(ctx, term)
            if cond.never or cond.conditional or not _final(term):
                continue
            taken = term_prefixes(ctx, term) & remaining
            if shadow is None and not (taken & want).is_empty():
                shadow = term
            remaining = remaining - taken
        if not (want & remaining).is_empty():
            return Reach(True)
    return Reach(False, shadow)
