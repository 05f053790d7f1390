"""Community tags as route provenance: is "routes carrying tag T" the same as "customer routes"?

A common, correct export policy toward providers and peers matches a community
that customer import policies set (`match community CUSTOMER-ROUTES`).  That is
only safe when no provider or peer can deliver a route already carrying the tag:
each of their import policies must overwrite or clear communities, and every
customer that sets the tag must itself be prefix-filtered.
"""

from __future__ import annotations

from dataclasses import dataclass

from policylint.checks.common import ebgp_afs
from policylint.evaluate import normalize_community
from policylint.model import (
    Action,
    Afi,
    Device,
    MatchCommunity,
    Neighbor,
    Role,
    SetCommunity,
    Term,
    UndefinedPolicy,
)
from policylint.policyspace import permit_space
from policylint.prefixes import PrefixSet


@dataclass(frozen=True, slots=True)
class TagVerdict:
    safe: bool
    reason: str  # why a tag does not prove customer provenance ("" when safe)


def _tags(device: Device, match: MatchCommunity) -> frozenset[str] | None:
    """The values a standard community list permits on; None when not a plain tag list."""
    clist = (device.large_community_lists if match.large else device.community_lists).get(match.name)
    if clist is None or any(e.expanded for e in clist.entries):
        return None
    values = {normalize_community(v) for e in clist.entries if e.action is Action.PERMIT for v in e.values}
    return frozenset(values) or None


def _clears(term: Term, tags: frozenset[str]) -> bool:
    for s in term.sets:
        if isinstance(s, SetCommunity) and not s.large:
            if s.none:
                return True
            if not s.additive and not tags & {normalize_community(v) for v in s.values}:
                return True
    return False


def _sets_tag(term: Term, tags: frozenset[str]) -> bool:
    return any(
        isinstance(s, SetCommunity) and bool(tags & {normalize_community(v) for v in s.values})
        for s in term.sets
    )


def _import_terms(device: Device, nb: Neighbor, afi: Afi) -> tuple[Term, ...] | None:
    """Permit terms of the session's import route-map; () = nothing accepted; None = no route-map."""
    af = nb.af(afi)
    if af is None or not af.activated:
        return ()
    if af.imports.empty:
        return () if device.semantics.ebgp_requires_policy else None
    ref = af.imports.route_map
    if ref is None:
        return None
    policy = device.policies.get(ref.name)
    if policy is None:
        return () if device.semantics.undefined_neighbor_policy is UndefinedPolicy.DENY_ALL else None
    return tuple(t for t in policy.terms if t.action is Action.PERMIT)


def customer_tag(device: Device, afi: Afi, match: MatchCommunity) -> TagVerdict:
    tags = _tags(device, match)
    if tags is None:
        return TagVerdict(False, f"community-list {match.name} is not a plain list of tags")
    tag_text = ", ".join(sorted(tags))
    setters = 0
    for nb, af in ebgp_afs(device):
        if af.afi is not afi:
            continue
        terms = _import_terms(device, nb, afi)
        if nb.role is Role.CUSTOMER:
            if terms and any(_sets_tag(t, tags) for t in terms):
                setters += 1
                if PrefixSet.all(afi) <= permit_space(device, nb, afi, "import").possible:
                    return TagVerdict(False, f"unfiltered customer {nb.label} gets the tag ({tag_text})")
            continue
        if terms is None or not all(_clears(t, tags) for t in terms):
            return TagVerdict(
                False,
                f"the import from {nb.label} does not clear the tag ({tag_text}), so a provider or peer "
                "that sends it has its routes exported as if they were customer routes",
            )
    if not setters:
        return TagVerdict(False, f"no customer import sets the tag ({tag_text})")
    return TagVerdict(True, "")


def customer_gated(device: Device, afi: Afi, term: Term) -> TagVerdict | None:
    """Verdict for a term gated by a community match; None when it has no such match."""
    verdicts = [customer_tag(device, afi, m) for m in term.matches if isinstance(m, MatchCommunity)]
    if not verdicts:
        return None
    safe = next((v for v in verdicts if v.safe), None)
    return safe or verdicts[0]
