"""Prefix-length rules (PX): routes too specific to propagate, sent or accepted.

Most networks drop IPv4 routes longer than /24 and IPv6 routes longer than /48
(RFC 7454 §6.1.3 practice); the limits are ``Options.max_v4_len`` /
``Options.max_v6_len``.  Terms that carry the BLACKHOLE community (RFC 7999) are
exempt from PX102/PX103: remotely triggered blackholing is meant to be specific.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from policylint.checks.common import ebgp_afs, main_ref, ref_text, role_text, terms_by_span
from policylint.evaluate import normalize_community
from policylint.findings import Finding
from policylint.model import (
    Action,
    Afi,
    Device,
    IPNetwork,
    MatchCommunity,
    MatchPrefixList,
    Neighbor,
    NeighborAF,
    PrefixEntry,
    SetCommunity,
    Span,
    Term,
)
from policylint.options import Options
from policylint.policyspace import Space, permit_space
from policylint.prefixes import PrefixSet

_BLACKHOLE = "blackhole"


def limit(afi: Afi, options: Options) -> int:
    return options.max_v4_len if afi is Afi.IPV4 else options.max_v6_len


def too_specific(afi: Afi, options: Options) -> PrefixSet:
    """Every prefix of ``afi`` longer than the configured limit."""
    return PrefixSet.longer_than(options.max_v4_len, options.max_v6_len).family(afi)


# --------------------------------------------------------------------------- PX101


def px101(device: Device, options: Options) -> Iterator[Finding]:
    """A ``network`` / ``aggregate-address`` / static route longer than the propagation limit.

    One finding per line and length: a line that expands into many routes (ExaBGP
    ``split /N``) is reported once, with the count.
    """
    groups: dict[tuple[Span, str, int], list[IPNetwork]] = {}
    for orig in device.originations:
        net = orig.prefix
        if net is None:
            continue
        afi = Afi.IPV4 if net.version == 4 else Afi.IPV6
        if net.prefixlen <= limit(afi, options):
            continue
        nets = groups.setdefault((orig.span, orig.via, net.prefixlen), [])
        if net not in nets:
            nets.append(net)
    for (span, via, plen), nets in groups.items():
        net = nets[0]
        top = limit(Afi.IPV4 if net.version == 4 else Afi.IPV6, options)
        what = (
            f"`{via} {net}` originates a /{plen}"
            if len(nets) == 1
            else (f"`{via}` originates {len(nets)} /{plen} routes (e.g. {net})")
        )
        yield Finding(
            span,
            f"{what}, longer than /{top}: most networks "
            "filter such routes (RFC 7454 §6.1.3 practice), so it reaches few ASes and traffic for "
            f"{net} follows a covering route if one is announced, or is dropped where none is.",
        )


# --------------------------------------------------------------------------- witnesses


@dataclass(frozen=True, slots=True)
class Witness:
    """Where a too-specific space is permitted: the most precise line and a description."""

    span: Span
    where: str  # "route-map OUT seq 10 (prefix-list OWN seq 5)"
    prefixes: PrefixSet  # the too-specific prefixes this place permits


def _norm(values: tuple[str, ...]) -> set[str]:
    return {normalize_community(v) for v in values}


def _is_blackhole_term(device: Device, term: Term) -> bool:
    """Does the term match or set the BLACKHOLE community (RFC 7999 RTBH)?"""
    for m in term.matches:
        if isinstance(m, MatchCommunity) and not m.large:
            clist = device.community_lists.get(m.name)
            if clist is not None and any(
                e.action is Action.PERMIT and not e.expanded and _BLACKHOLE in _norm(e.values)
                for e in clist.entries
            ):
                return True
    return any(
        isinstance(s, SetCommunity) and not s.large and _BLACKHOLE in _norm(s.values) for s in term.sets
    )


def _entry_for(device: Device, afi: Afi, name: str, target: PrefixSet) -> PrefixEntry | None:
    """The first permit entry of prefix-list ``name`` that lets some of ``target`` through."""
    plist = device.prefix_list(afi, name)
    if plist is None:
        return None
    family = PrefixSet.all(afi)
    seen = PrefixSet.empty()
    for entry in plist.entries:
        matched = PrefixSet.from_entry(entry) & family
        if entry.action is Action.PERMIT and not ((matched - seen) & target).is_empty():
            return entry
        seen = seen | matched
    return None


_Parts = tuple[tuple[PrefixSet, Span], ...]  # Space.witness_for's answer


@dataclass(slots=True)
class _Memo:
    """What one device's PX102 / PX103 pass works out once for all the sessions sharing a Space
    (every session whose only filter is the same route-map does).  Keyed by identity; each value
    holds its key objects, so an id is never reused while it is a key."""

    spans: dict[tuple[int, Afi], tuple[Space, PrefixSet, _Parts]] = field(default_factory=dict)
    terms: dict[tuple[Span, Afi, int], tuple[PrefixSet, Witness | None]] = field(default_factory=dict)
    samples: dict[tuple[Afi, int], tuple[PrefixSet, str]] = field(default_factory=dict)

    def too_specific(self, space: Space, afi: Afi, options: Options) -> tuple[PrefixSet, _Parts]:
        """What of ``space`` is too specific, and the witnesses that permit it."""
        key = (id(space), afi)
        hit = self.spans.get(key)
        if hit is None or hit[0] is not space:
            long_ = space.possible & too_specific(afi, options)
            hit = self.spans[key] = (space, long_, () if long_.is_empty() else space.witness_for(long_))
        return hit[1], hit[2]

    def sample(self, device: Device, afi: Afi, prefixes: PrefixSet) -> str:
        key = (afi, id(prefixes))
        hit = self.samples.get(key)
        if hit is None or hit[0] is not prefixes:
            hit = self.samples[key] = (prefixes, sample(device, afi, prefixes))
        return hit[1]


def witnesses(
    device: Device, nb: Neighbor, af: NeighborAF, parts: _Parts, memo: _Memo
) -> tuple[list[Witness], bool]:
    """The places that permit ``parts`` (``Space.witness_for`` of the too-specific prefixes), at their
    most precise line, and whether RTBH terms were left out."""
    terms = terms_by_span(device)
    out: list[Witness] = []
    skipped = False
    for prefixes, span in parts:
        found = terms.get(span)
        if found is None:
            w = Witness(span, _ref_at(af, span) or f"neighbor {nb.address}", prefixes)
            out.append(_refine_plist(device, af, w))
            continue
        key = (span, af.afi, id(prefixes))
        hit = memo.terms.get(key)
        if hit is None or hit[0] is not prefixes:
            hit = memo.terms[key] = (prefixes, _term_witness(device, af.afi, found, prefixes))
        if hit[1] is None:
            skipped = True
        else:
            out.append(hit[1])
    return out, skipped


def _term_witness(device: Device, afi: Afi, found: tuple[str, Term], prefixes: PrefixSet) -> Witness | None:
    """The witness of a route-map term (None for an RTBH term), at its prefix-list entry if it has one."""
    name, term = found
    if _is_blackhole_term(device, term):
        return None
    where, where_span = f"route-map {name} seq {term.seq}", term.span
    for m in term.matches:
        if isinstance(m, MatchPrefixList) and m.afi is afi:
            entry = _entry_for(device, afi, m.name, prefixes)
            if entry is not None:
                where += f" (prefix-list {m.name} seq {entry.seq})"
                where_span = entry.span
                break
    return Witness(where_span, where, prefixes)


def _ref_at(af: NeighborAF, span: Span) -> str | None:
    for filters in (af.imports, af.exports):
        for ref in (filters.route_map, filters.prefix_list, filters.filter_list):
            if ref is not None and ref.span == span:
                return ref_text(ref)
    return None


def _refine_plist(device: Device, af: NeighborAF, w: Witness) -> Witness:
    """A neighbor-level prefix-list witness points at the entry that permits the prefixes."""
    for filters in (af.imports, af.exports):
        ref = filters.prefix_list
        if ref is not None and ref.span == w.span:
            entry = _entry_for(device, af.afi, ref.name, w.prefixes)
            if entry is not None:
                return Witness(entry.span, f"prefix-list {ref.name} seq {entry.seq}", w.prefixes)
    return w


def _covered_by_originations(device: Device, afi: Afi) -> PrefixSet:
    out = PrefixSet.empty()
    for o in device.originations:
        if o.prefix is not None and o.prefix.version == (4 if afi is Afi.IPV4 else 6):
            out = out | PrefixSet.of_range(o.prefix, o.prefix.prefixlen, o.prefix.max_prefixlen)
    return out


def sample(device: Device, afi: Afi, prefixes: PrefixSet) -> str:
    """``198.51.100.0/25 (of 198.51.100.0/24 ge 25)``: a concrete prefix, inside our own space if possible."""
    own = prefixes & _covered_by_originations(device, afi)
    if not own.is_empty():
        return f"{own.witness()}, a more-specific of originated space ({own.describe(2)})"
    pick, ranges = prefixes.witness(), prefixes.describe(2)
    return f"{pick} (of {ranges})" if pick is not None and str(pick) != ranges else ranges


# --------------------------------------------------------------------------- PX102 / PX103


_Hit = tuple[Neighbor, NeighborAF, Space, list[Witness], PrefixSet]


def _findings(device: Device, options: Options, direction: str, memo: _Memo) -> Iterator[_Hit]:
    for nb, af in ebgp_afs(device):
        filters = af.imports if direction == "import" else af.exports
        if filters.empty and (direction == "export" or device.semantics.ebgp_requires_policy):
            continue  # export: LK101's job; import under RFC 8212: nothing accepted
        space = permit_space(device, nb, af.afi, "import" if direction == "import" else "export")
        long_, parts = memo.too_specific(space, af.afi, options)
        if long_.is_empty():
            continue
        found, skipped = witnesses(device, nb, af, parts, memo)
        if not found and skipped:
            continue  # only RTBH terms permit them
        if not found:
            span = (main_ref(filters) or nb).span
            found = [Witness(span, _ref_at(af, span) or f"neighbor {nb.address}", long_)]
        yield nb, af, space, found, long_


def px102(device: Device, options: Options) -> Iterator[Finding]:
    """Export policy toward an eBGP neighbor that can send prefixes longer than the limit."""
    memo = _Memo()
    for nb, af, space, found, _ in _findings(device, options, "export", memo):
        w = found[0]
        top = limit(af.afi, options)
        cond = "" if w.prefixes & space.unconditional else " when its other match conditions hold"
        example = memo.sample(device, af.afi, w.prefixes)
        yield Finding(
            w.span,
            f"{w.where} lets {af.afi.value} prefixes longer than /{top} out to {role_text(nb)}{cond}, "
            f"e.g. {example}: most networks drop them (RFC 7454 §6.1.3 practice), "
            "so the announcement does not propagate; traffic follows a covering route if one exists or is "
            "dropped, and internal more-specifics leak into other networks' tables.",
        )


def px103(device: Device, options: Options) -> Iterator[Finding]:
    """eBGP import that can accept prefixes longer than the limit."""
    memo = _Memo()
    for nb, af, space, found, long_ in _findings(device, options, "import", memo):
        w = found[0]
        top = limit(af.afi, options)
        ref = main_ref(af.imports)
        span = w.span if ref is not None else nb.span
        how = f"{w.where} accepts" if ref is not None else "there is no import policy, so the session accepts"
        cond = "" if long_ & space.unconditional else " (when its other match conditions hold)"
        yield Finding(
            span,
            f"{how} {af.afi.value} prefixes longer than /{top} from {role_text(nb)}{cond}, "
            f"e.g. {memo.sample(device, af.afi, w.prefixes)}: such routes pollute the table, and because the "
            "longest match wins, a more-specific hijack of any destination would be accepted here and "
            "pull its traffic to the hijacker.",
        )
