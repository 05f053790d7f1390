"""Symbolic policy analysis: which prefixes can a route-map / session permit?

The walk mirrors :mod:`policylint.evaluate` term by term while tracking the
prefix space not yet decided.  It over-approximates where exactness would need
attributes (AS path, communities, RPKI state) or control flow (on-match, call):
it may say a prefix *can* be permitted when in practice it cannot, never the
reverse.  For route-maps made only of prefix-list matches (no on-match / call)
``unconditional`` is exact; the tests check it against the concrete evaluator.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from policylint.aspath import aspath_list_admits_foreign
from policylint.model import (
    Action,
    Afi,
    Device,
    MatchAsPath,
    MatchCommunity,
    MatchOther,
    MatchPrefixList,
    MatchRpki,
    Neighbor,
    PrefixList,
    Span,
    Term,
    UndefinedMatch,
    UndefinedPolicy,
)
from policylint.prefixes import PrefixSet, prefix_list_permits

Direction = Literal["import", "export"]


@dataclass(frozen=True, slots=True)
class Space:
    """What a policy can permit, split by what else has to hold.

    - ``unconditional``: for each prefix, a route with *any* attributes is permitted.
    - ``conditional``: permitted only if some non-prefix condition (as-path,
      community, rpki, unmodelled match) holds as well.
    - ``foreign_path_space``: prefixes a route whose AS path carries a foreign
      ASN (not the device's own) may be permitted for; ``unconditional`` plus the
      conditional part whose as-path conditions admit foreign paths.  Leak
      checks use this: a ``match as-path ^$`` term does not count, ``_174_`` does.
    - ``witnesses``: per permitting term, the prefixes it contributes and its span.
    """

    unconditional: PrefixSet
    conditional: PrefixSet
    foreign_path_space: PrefixSet
    witnesses: tuple[tuple[PrefixSet, Span], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def possible(self) -> PrefixSet:
        return self.unconditional | self.conditional

    @classmethod
    def nothing(cls, *notes: str) -> Space:
        e = PrefixSet.empty()
        return cls(e, e, e, (), notes)

    @classmethod
    def everything(cls, family: PrefixSet, span: Span | None, *notes: str) -> Space:
        witnesses = ((family, span),) if span is not None else ()
        return cls(family, PrefixSet.empty(), family, witnesses, notes)

    def witness_for(self, prefixes: PrefixSet) -> tuple[tuple[PrefixSet, Span], ...]:
        """The witnesses that contribute some of ``prefixes``, restricted to them."""
        out = []
        for p, s in self.witnesses:
            part = p & prefixes
            if not part.is_empty():
                out.append((part, s))
        return tuple(out)


@dataclass(slots=True)
class TermContext:
    device: Device
    afi: Afi
    family: PrefixSet
    local_asns: frozenset[int]
    # probe AS-path conditions for foreign paths (only export spaces' foreign_path_space is
    # read, by LK102; without it every as-path condition counts as admitting foreign paths)
    probe_foreign: bool = True


@dataclass(frozen=True, slots=True)
class TermCondition:
    never: bool = False  # the term can never match
    conditional: bool = False  # some non-prefix condition must also hold
    foreign: bool = True  # its as-path conditions (if any) admit foreign paths
    notes: tuple[str, ...] = ()


def local_asns(device: Device) -> frozenset[int]:
    asns = {device.asn} | {n.local_as for n in device.neighbors}
    return frozenset(a for a in asns if a is not None)


def _plist_space(ctx: TermContext, name: str) -> PrefixSet | None:
    plist = ctx.device.prefix_list(ctx.afi, name)
    return None if plist is None else session_prefix_list_space(ctx.device, plist)


def term_prefixes(ctx: TermContext, term: Term) -> PrefixSet:
    never = ctx.device.semantics.undefined_match_list is UndefinedMatch.NEVER_MATCHES
    space = ctx.family
    for m in term.matches:
        if not isinstance(m, MatchPrefixList):
            continue
        if m.afi is not ctx.afi:
            return PrefixSet.empty()
        permitted = _plist_space(ctx, m.name)
        if permitted is None:
            if never:
                return PrefixSet.empty()
            continue
        space = space & permitted
    return space


def term_condition(ctx: TermContext, term: Term) -> TermCondition:
    device = ctx.device
    always = device.semantics.undefined_match_list is UndefinedMatch.ALWAYS_MATCHES
    conditional, foreign = False, True
    notes: list[str] = []
    for m in term.matches:
        if isinstance(m, MatchPrefixList):
            continue
        if isinstance(m, MatchAsPath):
            alist = device.as_path_lists.get(m.name)
            if alist is None:
                if always:
                    continue
                return TermCondition(never=True)
            conditional = True
            if ctx.probe_foreign and not aspath_list_admits_foreign(alist, ctx.local_asns).admits_foreign:
                foreign = False
        elif isinstance(m, MatchCommunity):
            lists = device.large_community_lists if m.large else device.community_lists
            if m.name not in lists:
                if always:
                    continue
                return TermCondition(never=True)
            conditional = True
        elif isinstance(m, MatchRpki):
            conditional = True
        else:
            assert isinstance(m, MatchOther)
            conditional = True
            notes.append(f"seq {term.seq}: unmodelled match '{m.text}' treated as possibly true")
    return TermCondition(False, conditional, foreign, tuple(notes))


def _walk(ctx: TermContext, name: str, stack: tuple[str, ...]) -> Space:
    device = ctx.device
    policy = device.policies.get(name)
    if policy is None:
        if device.semantics.undefined_neighbor_policy is UndefinedPolicy.PERMIT_ALL:
            return Space.everything(ctx.family, None, f"undefined route-map {name} permits all")
        return Space.nothing(f"undefined route-map {name} denies all")
    if name in stack:
        return Space.nothing(f"route-map call loop through {name}: denied")
    empty = PrefixSet.empty()
    decided = empty  # prefixes an earlier unconditional term already permitted or denied
    uncond, cond, foreign = empty, empty, empty
    witnesses: list[tuple[PrefixSet, Span]] = []
    notes: list[str] = []
    for term in sorted(policy.terms, key=lambda t: t.seq):
        prefixes = term_prefixes(ctx, term)
        how = term_condition(ctx, term)
        notes.extend(f"route-map {name} {n}" for n in how.notes)
        if how.never or prefixes.is_empty():
            continue
        if term.action is Action.DENY:
            if not how.conditional:
                decided = decided | prefixes
            continue
        contrib = prefixes - decided  # == prefixes & (family - decided): prefixes lie in the family
        u_part = empty if how.conditional else contrib
        c_part = contrib if how.conditional else empty
        f_part = contrib if how.foreign else empty
        if term.call is not None and term.call in device.policies:
            sub = _walk(ctx, term.call, (*stack, name))
            notes.extend(sub.notes)
            u_part = u_part & sub.unconditional
            c_part = (contrib & sub.possible) - u_part
            f_part = f_part & sub.foreign_path_space
        elif term.call is not None:
            notes.append(f"route-map {name} seq {term.seq} calls undefined route-map {term.call}: ignored")
        if term.on_match is not None:
            notes.append(
                f"route-map {name} seq {term.seq} continues (on-match {term.on_match.kind.value}): "
                "its routes are counted as permitted (over-approximation)"
            )
        uncond, cond, foreign = uncond | u_part, cond | c_part, foreign | f_part
        contributed = u_part | c_part
        if not contributed.is_empty():
            witnesses.append((contributed, term.span))
        if not how.conditional:
            decided = decided | prefixes
    remaining = empty if device.semantics.route_map_implicit_deny else ctx.family - decided
    if not remaining.is_empty():
        uncond, foreign = uncond | remaining, foreign | remaining
        witnesses.append((remaining, policy.span))
        notes.append(f"route-map {name}: no implicit deny, unmatched routes are permitted")
    return Space(uncond, cond - uncond, foreign | uncond, tuple(witnesses), tuple(notes))


@dataclass(slots=True)
class _DeviceCache:
    """Memoized analyses of one device (devices are immutable once assembled)."""

    device: Device
    policies: dict[tuple[str, Afi, bool], Space] = field(default_factory=dict)
    alone: dict[tuple[str, Afi, bool], Space] = field(default_factory=dict)  # route-map as the only filter
    plists: dict[tuple[str, Afi], PrefixSet] = field(default_factory=dict)
    sessions: dict[tuple[int, Afi, Direction], tuple[Neighbor, Space]] = field(default_factory=dict)
    terms: dict[Span, tuple[str, Term]] | None = None  # see terms_by_span


_CACHES: dict[int, _DeviceCache] = {}
_DEVICE_LIMIT = 4096


def _cache(device: Device) -> _DeviceCache:
    cache = _CACHES.get(id(device))
    if cache is None or cache.device is not device:
        if len(_CACHES) >= _DEVICE_LIMIT:
            _CACHES.clear()
        cache = _CACHES[id(device)] = _DeviceCache(device)
    return cache


def forget(devices: Iterable[Device]) -> None:
    """Drop the memoized analyses of ``devices`` (the engine calls this once a file's checks
    are done: keeping every device's spaces alive makes a long run's heap, and its garbage
    collections, grow with the repository)."""
    for device in devices:
        _CACHES.pop(id(device), None)


def policy_space(device: Device, policy_name: str, afi: Afi, *, probe_foreign: bool = True) -> Space:
    """The prefixes of family ``afi`` route-map ``policy_name`` can permit (memoized per device).

    ``probe_foreign=False`` skips the AS-path probe (costly: it compiles the list's regexes) and
    over-approximates ``foreign_path_space``; the other fields are the same.
    """
    memo = _cache(device).policies
    key = (policy_name, afi, probe_foreign)
    space = memo.get(key)
    if space is None:
        ctx = TermContext(device, afi, PrefixSet.all(afi), local_asns(device), probe_foreign)
        space = memo[key] = _walk(ctx, policy_name, ())
    return space


def session_prefix_list_space(device: Device, plist: PrefixList) -> PrefixSet:
    """What a defined prefix-list permits, with the device's semantics (memoized per device)."""
    memo = _cache(device).plists
    allowed = memo.get((plist.name, plist.afi))
    if allowed is None:
        sem = device.semantics
        allowed = memo[(plist.name, plist.afi)] = prefix_list_permits(
            plist,
            empty_permits_all=sem.empty_prefix_list_permits,
            implicit_deny=sem.prefix_list_implicit_deny,
        )
    return allowed


def _combine(outer: Space, inner: Space) -> Space:
    """Both must permit: ``outer`` (session filters so far) then ``inner`` (route-map)."""
    if (
        not outer.witnesses
        and not outer.notes
        and outer.unconditional == outer.foreign_path_space
        and inner.possible <= outer.unconditional
    ):
        return inner  # outer lets all of inner through: nothing to narrow
    uncond = outer.unconditional & inner.unconditional
    possible = outer.possible & inner.possible
    return Space(
        uncond,
        possible - uncond,
        outer.foreign_path_space & inner.foreign_path_space,
        inner.witness_for(possible),
        outer.notes + inner.notes,
    )


def permit_space(device: Device, neighbor: Neighbor, afi: Afi, direction: Direction) -> Space:
    """What one direction of one session can permit (same rules as ``evaluate_session``; memoized)."""
    memo = _cache(device).sessions
    hit = memo.get((id(neighbor), afi, direction))
    if hit is not None and hit[0] is neighbor:
        return hit[1]
    space = _session_space(device, neighbor, afi, direction)
    memo[(id(neighbor), afi, direction)] = (neighbor, space)
    return space


def _session_space(device: Device, neighbor: Neighbor, afi: Afi, direction: Direction) -> Space:
    sem = device.semantics
    who = f"neighbor {neighbor.label}"
    af = neighbor.af(afi)
    if af is None or not af.activated:
        return Space.nothing(f"address family {afi.value} not activated for {who}")
    filters = af.imports if direction == "import" else af.exports
    probe = direction == "export"  # import spaces: foreign_path_space over-approximated (unused)
    family = PrefixSet.all(afi)
    if filters.empty:
        if neighbor.is_ebgp and sem.ebgp_requires_policy:
            return Space.nothing(f"no {direction} policy on eBGP {who}: nothing passes (RFC 8212)")
        return Space.everything(family, af.span, f"no {direction} filter on {who}")
    deny_undefined = sem.undefined_neighbor_policy is UndefinedPolicy.DENY_ALL
    space = start = Space.everything(family, None)
    if filters.prefix_list is not None:
        ref = filters.prefix_list
        plist = device.prefix_list(afi, ref.name)
        if plist is None:
            if deny_undefined:
                return Space.nothing(f"undefined prefix-list {ref.name} on {who} denies all")
        else:
            allowed = session_prefix_list_space(device, plist)
            space = Space(allowed, PrefixSet.empty(), allowed, ((allowed, ref.span),), space.notes)
    if filters.filter_list is not None:
        ref = filters.filter_list
        alist = device.as_path_lists.get(ref.name)
        if alist is None:
            if deny_undefined:
                return Space.nothing(f"undefined as-path list {ref.name} on {who} denies all")
        else:
            admits = probe and aspath_list_admits_foreign(alist, local_asns(device)).admits_foreign
            foreign = space.foreign_path_space if admits or not probe else PrefixSet.empty()
            space = Space(
                PrefixSet.empty(),
                space.possible,
                foreign,
                space.witnesses or ((space.possible, ref.span),),
                space.notes,
            )
    if filters.route_map is not None:
        ref = filters.route_map
        if ref.name not in device.policies and deny_undefined:
            return Space.nothing(f"undefined route-map {ref.name} on {who} denies all")
        inner = policy_space(device, ref.name, afi, probe_foreign=probe)
        if space is start:  # the route-map alone: the same for every session using it
            alone = _cache(device).alone
            key = (ref.name, afi, probe)
            if key not in alone:
                alone[key] = _combine(start, inner)
            space = alone[key]
        else:
            space = _combine(space, inner)
    if not space.witnesses and not space.possible.is_empty():
        space = Space(
            space.unconditional,
            space.conditional,
            space.foreign_path_space,
            ((space.possible, af.span),),
            space.notes,
        )
    return space


def terms_by_span(device: Device) -> dict[Span, tuple[str, Term]]:
    """Every route-map term by its span, with its route-map's name (memoized per device)."""
    cache = _cache(device)
    if cache.terms is None:
        cache.terms = {t.span: (p.name, t) for p in device.policies.values() for t in p.terms}
    return cache.terms
