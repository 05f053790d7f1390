"""RFC 6811 route-origin validation over compact sorted arrays.

Per address family the index keeps every distinct VRP prefix as a *node* (network,
length, parent = the nearest shorter VRP prefix covering it) and cuts the address space
into elementary intervals, each owned by the innermost node covering it.  Prefixes are
laminar (two prefixes are nested or disjoint), so the VRPs covering a route are exactly
the owner of the interval holding the route's first address and that owner's
ancestors, minus the ones longer than the route.  A lookup is one C ``bisect`` and a
walk of one to three nodes; no ``ipaddress`` objects are created.

RFC 6811 §2: a route is *valid* when a covering VRP has the route's origin ASN and a
maxLength ≥ the route's length; *invalid* when VRPs cover it but none matches; *not
found* when none covers it.  A VRP for AS0 (RFC 6483 §4, RFC 7607) covers but never
matches, and a route whose origin is unknown (``None``, e.g. an AS_SET) never matches.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from policylint.model import IPNetwork, RpkiState
from policylint.rpki.loaders import VrpRow
from policylint.rpki.vrp import MAX_LEN, Vrp, pack, split_network

VALID, INVALID, NOTFOUND = RpkiState.VALID, RpkiState.INVALID, RpkiState.NOTFOUND
NO_ASN = -1  # an origin that matches no VRP


@dataclass(frozen=True, slots=True)
class Family:
    """The index of one address family; all columns are parallel, indexed by node."""

    version: int
    starts: Sequence[int]  # elementary interval starts, ascending, starts[0] == 0
    owner: array[int]  # innermost node per interval, -1 where no VRP covers
    network: Sequence[int]  # node prefix network
    length: array[int]  # node prefix length
    parent: array[int]  # nearest covering node, -1 at the top
    offset: array[int]  # node i's VRPs are entries[offset[i]:offset[i + 1]]
    entries: array[int]  # asn << 8 | maxLength

    def node_at(self, network: int) -> int:
        """The innermost node covering address ``network``, -1 if none."""
        return self.owner[bisect_right(self.starts, network) - 1]

    @property
    def vrp_count(self) -> int:
        return len(self.entries)


_ENTRY = 40  # a sort key is (network << 8 | length) << 40 | asn << 8 | maxLength
_ENTRY_MASK = (1 << _ENTRY) - 1


def build_family(version: int, vrps: Iterable[int]) -> Family:
    """The index of one family from packed VRPs (:func:`~policylint.rpki.vrp.pack`).

    Sorted by (network, length), outer prefixes come first; duplicates are dropped.  The
    per-VRP work is done by C-level builtins (sort, ``Counter``, comprehensions); only the
    interval sweep runs once per distinct prefix in Python.
    """
    packed = list(dict.fromkeys(sorted(vrps)))  # validators write sorted files: timsort is ~linear
    bits = MAX_LEN[version]
    top = 1 << bits
    counts = Counter([p >> _ENTRY for p in packed])  # insertion order is the sorted order
    offsets = [0, *accumulate(counts.values())]
    entries = [p & _ENTRY_MASK for p in packed]
    keys = list(counts)
    networks = [k >> 8 for k in keys]
    lengths = [k & 0xFF for k in keys]
    size = [1 << (bits - n) for n in range(bits + 1)]
    starts: list[int] = [0]
    owner: list[int] = [-1]
    parents: list[int] = []
    stack: list[int] = [-1]  # open nodes, outermost first, above a sentinel
    ends: list[int] = [top + 1]  # their ends (exclusive); the sentinel never closes
    add_start, add_owner, add_parent = starts.append, owner.append, parents.append
    push, push_end, pop, pop_end = stack.append, ends.append, stack.pop, ends.pop
    for node, network in enumerate(networks):
        while ends[-1] <= network:
            end = pop_end()
            pop()
            if starts[-1] == end:
                owner[-1] = stack[-1]
            else:
                add_start(end)
                add_owner(stack[-1])
        add_parent(stack[-1])
        if starts[-1] == network:
            owner[-1] = node
        else:
            add_start(network)
            add_owner(node)
        push(node)
        push_end(network + size[lengths[node]])
    while len(ends) > 1:
        end = pop_end()
        pop()
        if end < top:
            if starts[-1] == end:
                owner[-1] = stack[-1]
            else:
                add_start(end)
                add_owner(stack[-1])
    columns = (
        array("i", owner),
        array("B", lengths),
        array("i", parents),
        array("I", offsets),
        array("Q", entries),
    )
    if version == 4:
        return Family(
            4,
            array("I", starts),
            *columns[:0],
            owner=columns[0],
            network=array("I", networks),
            length=columns[1],
            parent=columns[2],
            offset=columns[3],
            entries=columns[4],
        )
    return Family(
        6,
        starts,
        owner=columns[0],
        network=networks,
        length=columns[1],
        parent=columns[2],
        offset=columns[3],
        entries=columns[4],
    )


Answer = int | frozenset[int]  # the one authorised origin (-1: none), or several


def exact_table(fam: Family) -> dict[int, Answer]:
    """For every VRP prefix (key ``network << 8 | length``): the origins that some covering
    VRP authorises for a route of exactly that prefix — the prefix's own VRPs (their
    maxLength is never shorter) and its ancestors' whose maxLength reaches it; AS0 never.

    One pass in node order (parents first); each node hands its children only the
    (origin, maxLength) pairs that reach beyond its own length, usually none."""
    lengths, parents, offsets, entries = fam.length, fam.parent, fam.offset, fam.entries
    count = len(lengths)
    keys = [n << 8 | b for n, b in zip(fam.network, lengths, strict=True)]
    firsts = [entries[o] >> 8 for o in offsets[:count]]
    table: dict[int, Answer] = dict(zip(keys, firsts, strict=True))
    reach: list[tuple[int, ...]] = [()] * count  # entries (asn << 8 | maxLength) reaching below
    for node in range(count):
        lo, hi = offsets[node], offsets[node + 1]
        length = lengths[node]
        up = parents[node]
        inherited = [e for e in reach[up] if e & 0xFF >= length] if up >= 0 else []
        if hi - lo == 1 and not inherited:
            e = entries[lo]
            if e & 0xFF > length:
                reach[node] = (e,)
            if not e >> 8:
                table[keys[node]] = -1
            continue
        own = entries[lo:hi].tolist()
        origins = {e >> 8 for e in own}
        origins.update(e >> 8 for e in inherited)
        origins.discard(0)
        table[keys[node]] = origins.pop() if len(origins) == 1 else frozenset(origins) if origins else -1
        deeper = tuple(e for e in (*own, *inherited) if e & 0xFF > length)
        if deeper:
            reach[node] = deeper
    return table


@dataclass(frozen=True, slots=True)
class Validation:
    """The state of one (prefix, origin) pair and the VRPs that decided it."""

    state: RpkiState
    matched: tuple[Vrp, ...]  # covering VRPs that authorise the origin at this length
    covering: tuple[Vrp, ...]  # every covering VRP (empty: not found)


class VrpIndex:
    """Origin validation for both address families.  Immutable once built."""

    __slots__ = ("_v4", "_v6", "_x4", "_x6", "expires", "format", "generated", "notes", "source")

    def __init__(
        self,
        v4: Family,
        v6: Family,
        *,
        source: str = "",
        format: str = "",
        generated: float | None = None,
        expires: float | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        self._v4 = v4
        self._v6 = v6
        self._x4: dict[int, Answer] | None = None  # exact-prefix answers, built on first lookup
        self._x6: dict[int, Answer] | None = None
        self.source = source
        self.format = format
        self.generated = generated
        self.expires = expires
        self.notes = notes

    @classmethod
    def from_rows(cls, rows: Iterable[VrpRow], **meta: object) -> VrpIndex:
        v4: list[int] = []
        v6: list[int] = []
        for version, network, length, max_length, asn in rows:
            (v4 if version == 4 else v6).append(pack(network, length, max_length, asn))
        return cls.from_packed(v4, v6, **meta)

    @classmethod
    def from_packed(cls, v4: Iterable[int], v6: Iterable[int], **meta: object) -> VrpIndex:
        return cls(build_family(4, v4), build_family(6, v6), **meta)  # type: ignore[arg-type]

    @property
    def families(self) -> tuple[Family, Family]:
        return self._v4, self._v6

    def __len__(self) -> int:
        return self._v4.vrp_count + self._v6.vrp_count

    # ------------------------------------------------------------------ lookups

    def state_of(self, version: int, network: int, length: int, asn: int | None) -> RpkiState:
        """RFC 6811 state of a route given as integers (the fast path).

        A route that is itself a VRP prefix (most announcements) is one dict probe:
        :func:`exact_table` holds, per VRP prefix, the origins any covering VRP
        authorises at exactly that length.  Other routes walk the interval index.
        """
        table = self._x4 if version == 4 else self._x6
        if table is None:
            table = self._exact(version)
        known = table.get(network << 8 | length)
        if known is not None:
            if known == asn:
                return VALID
            if known.__class__ is int:
                return INVALID
            return VALID if asn in known else INVALID  # type: ignore[operator]
        fam = self._v4 if version == 4 else self._v6
        node = fam.owner[bisect_right(fam.starts, network) - 1]
        lengths, parents = fam.length, fam.parent
        while node >= 0 and lengths[node] > length:
            node = parents[node]
        if node < 0:
            return NOTFOUND
        want = asn if asn else NO_ASN  # AS0 and unknown origins never match
        offsets, entries = fam.offset, fam.entries
        while node >= 0:
            for k in range(offsets[node], offsets[node + 1]):
                e = entries[k]
                if e >> 8 == want and length <= e & 0xFF:
                    return VALID
            node = parents[node]
        return INVALID

    def _exact(self, version: int) -> dict[int, Answer]:
        if version == 4:
            self._x4 = exact_table(self._v4)
            return self._x4
        self._x6 = exact_table(self._v6)
        return self._x6

    def states(self, pairs: Iterable[tuple[int, int, int, int | None]]) -> list[RpkiState]:
        """Batch form of :meth:`state_of` over (version, network, length, origin) tuples."""
        state_of = self.state_of
        return [state_of(*pair) for pair in pairs]

    def state(self, prefix: IPNetwork, origin: int | None) -> RpkiState:
        """RFC 6811 state of ``prefix`` originated by ``origin`` (None: unknown origin)."""
        return self.state_of(prefix.version, int(prefix.network_address), prefix.prefixlen, origin)

    __call__ = state

    def covering(self, prefix: IPNetwork | str) -> tuple[Vrp, ...]:
        """Every VRP whose prefix covers ``prefix``, shortest prefix first."""
        version, network, length = split_network(prefix)
        fam = self._v4 if version == 4 else self._v6
        node = fam.node_at(network)
        found: list[Vrp] = []
        while node >= 0:
            node_len = fam.length[node]
            if node_len <= length:
                for k in range(fam.offset[node], fam.offset[node + 1]):
                    e = fam.entries[k]
                    found.append(Vrp(version, fam.network[node], node_len, e & 0xFF, e >> 8))
            node = fam.parent[node]
        found.reverse()
        return tuple(found)

    def validate(self, prefix: IPNetwork | str, origin: int | None) -> Validation:
        """The state with the VRPs behind it, for messages."""
        length = split_network(prefix)[2]
        covering = self.covering(prefix)
        matched = tuple(v for v in covering if origin and v.asn == origin and length <= v.max_length)
        if not covering:
            return Validation(NOTFOUND, (), ())
        return Validation(VALID if matched else INVALID, matched, covering)

    def vrps(self) -> Iterable[Vrp]:
        """Every VRP, IPv4 then IPv6, in prefix order."""
        for fam in (self._v4, self._v6):
            for node in range(len(fam.length)):
                for k in range(fam.offset[node], fam.offset[node + 1]):
                    e = fam.entries[k]
                    yield Vrp(fam.version, fam.network[node], fam.length[node], e & 0xFF, e >> 8)
