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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
    """One pass over the packed VRPs (:func:`~policylint.rpki.vrp.pack`) sorted by (network,
    length): outer prefixes come first.  Duplicates are dropped."""
    packed = sorted(set(vrps))
    bits = MAX_LEN[version]
    top = 1 << bits
    starts: list[int] = [0]
    owner: list[int] = [-1]
    networks: list[int] = []
    lengths: list[int] = []
    parents: list[int] = []
    offsets: list[int] = [0]
    entries: list[int] = []
    stack: list[int] = []  # open nodes, outermost first
    ends: list[int] = []  # their ends (exclusive)
    node = -1
    previous = -1
    for p in packed:
        key = p >> _ENTRY
        if key != previous:
            if node >= 0:
                offsets.append(len(entries))
            previous = key
            node += 1
            network, length = key >> 8, key & 0xFF
            while ends and ends[-1] <= network:
                end = ends.pop()
                stack.pop()
                up = stack[-1] if stack else -1
                if starts[-1] == end:
                    owner[-1] = up
                else:
                    starts.append(end)
                    owner.append(up)
            parents.append(stack[-1] if stack else -1)
            if starts[-1] == network:
                owner[-1] = node
            else:
                starts.append(network)
                owner.append(node)
            stack.append(node)
            ends.append(network + (1 << (bits - length)))
            networks.append(network)
            lengths.append(length)
        entries.append(p & _ENTRY_MASK)
    if node >= 0:
        offsets.append(len(entries))
    while ends:
        end = ends.pop()
        stack.pop()
        if end < top:
            up = stack[-1] if stack else -1
            if starts[-1] == end:
                owner[-1] = up
            else:
                starts.append(end)
                owner.append(up)
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


@dataclass(frozen=True, slots=True)
class Validation:
    """The state of one (prefix, origin) pair and the VRPs that decided it."""

    state: RpkiState
    matched: tuple[Vrp, ...]  # covering VRPs that authorise the origin at this length
    covering: tuple[Vrp, ...]  # every covering VRP (empty: not found)


class VrpIndex:
    """Origin validation for both address families.  Immutable once built."""

    __slots__ = ("_v4", "_v6", "expires", "format", "generated", "notes", "source")

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
        """RFC 6811 state of a route given as integers (the fast path)."""
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

    def state(self, prefix: IPNetwork, origin: int | None) -> RpkiState:
        """RFC 6811 state of ``prefix`` originated by ``origin`` (None: unknown origin)."""
        return self.state_of(prefix.version, int(prefix.network_address), prefix.prefixlen, origin)

    __call__ = state

    def states(self, pairs: Iterable[tuple[int, int, int, int | None]]) -> list[RpkiState]:
        """Batch form of :meth:`state_of` over (version, network, length, origin) tuples."""
        out: list[RpkiState] = []
        append = out.append
        v4, v6 = self._v4, self._v6
        for version, network, length, asn in pairs:
            fam = v4 if version == 4 else v6
            node = fam.owner[bisect_right(fam.starts, network) - 1]
            lengths, parents = fam.length, fam.parent
            while node >= 0 and lengths[node] > length:
                node = parents[node]
            if node < 0:
                append(NOTFOUND)
                continue
            want = asn if asn else NO_ASN
            offsets, entries = fam.offset, fam.entries
            state = INVALID
            while node >= 0 and state is INVALID:
                for k in range(offsets[node], offsets[node + 1]):
                    e = entries[k]
                    if e >> 8 == want and length <= e & 0xFF:
                        state = VALID
                        break
                node = parents[node]
            append(state)
        return out

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
