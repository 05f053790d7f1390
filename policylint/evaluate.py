"""The one route-policy evaluator: a route in, permit/deny and changed attributes out.

Used by the lint checks, the what-if engine and the tests.  All vendor meaning
comes from ``device.semantics`` (:class:`~policylint.model.VendorSemantics`);
nothing here looks at ``device.vendor``.

Symbolic questions ("which prefixes can this policy permit?") live in
:mod:`policylint.policyspace`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

from policylint.aspath import aspath_list_matches, regex_matches, render_path
from policylint.model import (
    Action,
    Afi,
    Device,
    IPNetwork,
    Match,
    MatchAsPath,
    MatchCommunity,
    MatchOther,
    MatchPrefixList,
    MatchRpki,
    Neighbor,
    OnMatchKind,
    PrefixList,
    RpkiState,
    SetAction,
    SetCommunity,
    SetLocalPref,
    SetMetric,
    SetPrepend,
    SetPrependLastAs,
    Term,
    UndefinedMatch,
    UndefinedPolicy,
    VendorSemantics,
)
from policylint.prefixes import afi_of, prefix_list_matches

Direction = Literal["import", "export"]

MAX_CALL_DEPTH = 10  # FRR's route-map recursion limit

# --------------------------------------------------------------------------- communities

#: canonical names of well-known communities (as FRR displays them) and their values
WELL_KNOWN_COMMUNITIES: dict[str, tuple[int, int]] = {
    "internet": (0, 0),
    "graceful-shutdown": (65535, 0),
    "accept-own": (65535, 1),
    "llgr-stale": (65535, 6),
    "no-llgr": (65535, 7),
    "blackhole": (65535, 666),
    "no-export": (65535, 65281),
    "no-advertise": (65535, 65282),
    "local-AS": (65535, 65283),
    "no-peer": (65535, 65284),
}
NO_EXPORT = "no-export"
NO_ADVERTISE = "no-advertise"
_BY_VALUE = {v: k for k, v in WELL_KNOWN_COMMUNITIES.items()}
_ALIASES = {k.lower(): k for k in WELL_KNOWN_COMMUNITIES} | {
    "no-export-subconfed": "local-AS",
    "noexport": "no-export",
    "noadvertise": "no-advertise",
}
_PAIR = re.compile(r"(\d+):(\d+)")
_MAX_MED = 2**32 - 1


def normalize_community(text: str) -> str:
    """Canonical text of a standard community: ``"65000:1"`` or a well-known name.

    Well-known values are written by name (``65535:65281`` → ``no-export``);
    ``NO_EXPORT``, ``no-export-subconfed`` and friends map to the same names.
    Text that is not a community is returned stripped but otherwise unchanged.
    """
    s = text.strip()
    alias = _ALIASES.get(s.lower().replace("_", "-"))
    if alias is not None:
        return alias
    m = _PAIR.fullmatch(s)
    if m is not None:
        value = (int(m.group(1)), int(m.group(2)))
    elif s.isdigit() and int(s) <= 0xFFFFFFFF:
        value = (int(s) >> 16, int(s) & 0xFFFF)
    else:
        return s
    return _BY_VALUE.get(value, f"{value[0]}:{value[1]}")


def normalize_large_community(text: str) -> str:
    parts = text.strip().split(":")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return ":".join(str(int(p)) for p in parts)
    return text.strip()


def _community_key(value: str) -> tuple[int, ...]:
    if value in WELL_KNOWN_COMMUNITIES:
        return WELL_KNOWN_COMMUNITIES[value]
    try:
        return tuple(int(p) for p in value.split(":"))
    except ValueError:
        return (1 << 40,)


def render_communities(values: frozenset[str]) -> str:
    """Space-joined, numerically sorted (the text expanded community lists see)."""
    return " ".join(sorted(values, key=lambda v: (_community_key(v), v)))


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Route:
    """A BGP route as the policy sees it.  Communities are normalized on creation."""

    prefix: IPNetwork
    as_path: tuple[int, ...] = ()
    communities: frozenset[str] = frozenset()
    large_communities: frozenset[str] = frozenset()
    origin: str = "igp"
    rpki: RpkiState | None = None  # None: unknown
    local_pref: int = 100
    med: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "communities", frozenset(normalize_community(c) for c in self.communities))
        object.__setattr__(
            self, "large_communities", frozenset(normalize_large_community(c) for c in self.large_communities)
        )


@dataclass(frozen=True, slots=True)
class Decision:
    permitted: bool
    route: Route  # with the policy's sets applied
    terms: tuple[Term, ...] = ()  # the terms that matched, in order (called policies included)
    uncertain: bool = False  # an unmodelled match or unknown state influenced the result
    reason: str = ""
    notes: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- matches


def _undefined_match(sem: VendorSemantics) -> bool:
    return sem.undefined_match_list is UndefinedMatch.ALWAYS_MATCHES


def prefix_list_admits(sem: VendorSemantics, plist: PrefixList, prefix: IPNetwork) -> bool:
    """Does a *defined* prefix-list let ``prefix`` through (empty list / implicit deny per semantics)?"""
    if afi_of(prefix) is not plist.afi:
        return False
    if not plist.entries:
        return sem.empty_prefix_list_permits
    action = prefix_list_matches(plist, prefix)
    if action is None:
        return not sem.prefix_list_implicit_deny
    return action is Action.PERMIT


def _community_match(device: Device, m: MatchCommunity, route: Route) -> bool:
    lists = device.large_community_lists if m.large else device.community_lists
    clist = lists.get(m.name)
    if clist is None:
        return _undefined_match(device.semantics)
    have = route.large_communities if m.large else route.communities
    norm = normalize_large_community if m.large else normalize_community
    rendered = " ".join(sorted(have)) if m.large else render_communities(have)
    for entry in clist.entries:
        if entry.expanded:
            hit = any(regex_matches(rx, rendered) for rx in entry.values)
        else:
            want = frozenset(norm(v) for v in entry.values)
            # "internet" in a standard list matches every route
            hit = want == have if m.exact else want <= have or (not m.large and "internet" in want)
        if hit:
            return entry.action is Action.PERMIT
    return False


def match_condition(device: Device, m: Match, route: Route) -> tuple[bool, bool]:
    """(matches, uncertain) for one ``match`` clause."""
    sem = device.semantics
    if isinstance(m, MatchPrefixList):
        if afi_of(route.prefix) is not m.afi:
            return False, False
        plist = device.prefix_list(m.afi, m.name)
        if plist is None:
            return _undefined_match(sem), False
        return prefix_list_admits(sem, plist, route.prefix), False
    if isinstance(m, MatchAsPath):
        alist = device.as_path_lists.get(m.name)
        if alist is None:
            return _undefined_match(sem), False
        return aspath_list_matches(alist, route.as_path) is Action.PERMIT, False
    if isinstance(m, MatchCommunity):
        return _community_match(device, m, route), False
    if isinstance(m, MatchRpki):
        if route.rpki is None:
            return False, True
        return route.rpki is m.state, False
    assert isinstance(m, MatchOther)
    return False, True


def term_matches(device: Device, term: Term, route: Route) -> tuple[bool, bool]:
    """All ``match`` clauses must hold; unknown clauses count as not matching (uncertain)."""
    results = [match_condition(device, m, route) for m in term.matches]
    if any(not ok and not unsure for ok, unsure in results):
        return False, False
    if any(unsure for _, unsure in results):
        return False, True
    return True, False


# --------------------------------------------------------------------------- sets


def apply_set(action: SetAction, route: Route, local_as: int | None = None) -> tuple[Route, bool]:
    """Apply one ``set`` clause; returns (route, uncertain)."""
    if isinstance(action, SetPrepend):
        return replace(route, as_path=action.asns + route.as_path), False
    if isinstance(action, SetPrependLastAs):
        if route.as_path:
            return replace(route, as_path=(route.as_path[0],) * action.count + route.as_path), False
        if local_as is not None:
            return replace(route, as_path=(local_as,) * action.count), False
        return route, True
    if isinstance(action, SetLocalPref):
        return replace(route, local_pref=action.value), False
    if isinstance(action, SetMetric):
        text = action.value.strip()
        if re.fullmatch(r"[+-]\d+", text):
            return replace(route, med=min(max(route.med + int(text), 0), _MAX_MED)), False
        if text.isdigit():
            return replace(route, med=min(int(text), _MAX_MED)), False
        return route, False
    if isinstance(action, SetCommunity):
        current = route.large_communities if action.large else route.communities
        if action.none:
            new: frozenset[str] = frozenset()
        elif action.additive:
            new = current | frozenset(action.values)
        else:
            new = frozenset(action.values)
        if action.large:  # Route normalizes the values
            return replace(route, large_communities=new), False
        return replace(route, communities=new), False
    return route, False  # SetOther: not modelled, does not affect permit/deny


# --------------------------------------------------------------------------- route-maps


def _undefined_policy(sem: VendorSemantics, kind: str, name: str, route: Route, where: str = "") -> Decision:
    permit = sem.undefined_neighbor_policy is UndefinedPolicy.PERMIT_ALL
    verb = "permits all routes" if permit else "denies all routes"
    return Decision(permit, route, reason=f"undefined {kind} {name}{where}: {verb}")


def _next_index(terms: tuple[Term, ...], i: int) -> int:
    term = terms[i]
    on_match = term.on_match
    if on_match is None or on_match.kind is OnMatchKind.NEXT or on_match.target is None:
        return i + 1
    for j in range(i + 1, len(terms)):
        if terms[j].seq >= on_match.target:
            return j
    return len(terms)


def _run(device: Device, name: str, route: Route, local_as: int | None, stack: tuple[str, ...]) -> Decision:
    policy = device.policies.get(name)
    if policy is None:
        return _undefined_policy(device.semantics, "route-map", name, route)
    if name in stack or len(stack) >= MAX_CALL_DEPTH:
        chain = " -> ".join((*stack, name))
        return Decision(False, route, uncertain=True, reason=f"route-map call loop ({chain}): denied")
    terms = tuple(sorted(policy.terms, key=lambda t: t.seq))
    matched: list[Term] = []
    notes: list[str] = []
    uncertain = False
    last: Term | None = None
    i = 0
    while i < len(terms):
        term = terms[i]
        ok, unsure = term_matches(device, term, route)
        uncertain |= unsure
        if not ok:
            i += 1
            continue
        matched.append(term)
        if term.action is Action.DENY:
            reason = f"route-map {name} seq {term.seq} denies"
            return Decision(False, route, tuple(matched), uncertain, reason, tuple(notes))
        for action in term.sets:
            route, unsure = apply_set(action, route, local_as)
            uncertain |= unsure
        last = term
        if term.call is not None:
            if term.call not in device.policies:
                uncertain = True
                notes.append(
                    f"route-map {name} seq {term.seq} calls undefined route-map {term.call}: ignored"
                )
            else:
                sub = _run(device, term.call, route, local_as, (*stack, name))
                matched.extend(sub.terms)
                notes.extend(sub.notes)
                uncertain |= sub.uncertain
                if not sub.permitted:
                    reason = f"route-map {name} seq {term.seq} calls {term.call}, which denies ({sub.reason})"
                    return Decision(False, sub.route, tuple(matched), uncertain, reason, tuple(notes))
                route = sub.route
        if term.on_match is None:
            reason = f"route-map {name} seq {term.seq} permits"
            return Decision(True, route, tuple(matched), uncertain, reason, tuple(notes))
        i = _next_index(terms, i)
    if last is not None:
        reason = f"route-map {name} seq {last.seq} permits (on-match: no later term decided)"
        return Decision(True, route, tuple(matched), uncertain, reason, tuple(notes))
    if device.semantics.route_map_implicit_deny:
        return Decision(
            False, route, (), uncertain, f"implicit deny at end of route-map {name}", tuple(notes)
        )
    return Decision(
        True, route, (), uncertain, f"no term of route-map {name} matched: permitted", tuple(notes)
    )


def evaluate_policy(device: Device, name: str, route: Route, *, local_as: int | None = None) -> Decision:
    """Run route-map ``name`` on ``route`` (first match, on-match next/goto, call)."""
    return _run(device, name, route, local_as, ())


# --------------------------------------------------------------------------- sessions


def evaluate_session(
    device: Device, neighbor: Neighbor, afi: Afi, direction: Direction, route: Route
) -> Decision:
    """Everything configured on one direction of one session must permit the route."""
    sem = device.semantics
    who = f"neighbor {neighbor.label}"
    if afi_of(route.prefix) is not afi:
        return Decision(False, route, reason=f"route {route.prefix} is not {afi.value}")
    af = neighbor.af(afi)
    if af is None or not af.activated:
        return Decision(False, route, reason=f"address family {afi.value} not activated for {who}")
    filters = af.imports if direction == "import" else af.exports
    if filters.empty:
        if neighbor.is_ebgp and sem.ebgp_requires_policy:
            reason = f"no {direction} policy on eBGP {who}: nothing is {direction}ed (RFC 8212)"
            return Decision(False, route, reason=reason)
        return Decision(True, route, reason=f"no {direction} filter on {who}: permitted unchanged")
    where = f" on {who} ({direction})"
    reasons: list[str] = []
    if filters.prefix_list is not None:
        name = filters.prefix_list.name
        plist = device.prefix_list(afi, name)
        if plist is None:
            dec = _undefined_policy(sem, "prefix-list", name, route, where)
            if not dec.permitted:
                return dec
            reasons.append(dec.reason)
        elif not prefix_list_admits(sem, plist, route.prefix):
            return Decision(False, route, reason=f"prefix-list {name}{where} denies {route.prefix}")
        else:
            reasons.append(f"prefix-list {name} permits {route.prefix}")
    if filters.filter_list is not None:
        name = filters.filter_list.name
        alist = device.as_path_lists.get(name)
        if alist is None:
            dec = _undefined_policy(sem, "as-path list", name, route, where)
            if not dec.permitted:
                return dec
            reasons.append(dec.reason)
        elif aspath_list_matches(alist, route.as_path) is not Action.PERMIT:
            path = render_path(route.as_path) or "(empty)"
            return Decision(False, route, reason=f"filter-list {name}{where} denies AS path {path}")
        else:
            reasons.append(f"filter-list {name} permits")
    if filters.route_map is not None:
        name = filters.route_map.name
        local_as = neighbor.local_as if neighbor.local_as is not None else device.asn
        if name not in device.policies:
            return _undefined_policy(sem, "route-map", name, route, where)
        dec = evaluate_policy(device, name, route, local_as=local_as)
        return replace(dec, reason="; ".join([*reasons, dec.reason]))
    return Decision(True, route, reason="; ".join(reasons))


def export_path(device: Device, neighbor: Neighbor, decision: Decision) -> tuple[int, ...]:
    """The AS path the neighbor receives: eBGP adds the local AS after the export policy."""
    path = decision.route.as_path
    if not neighbor.is_ebgp:
        return path
    local_as = neighbor.local_as if neighbor.local_as is not None else device.asn
    return path if local_as is None else (local_as, *path)
