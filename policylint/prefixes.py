"""Prefix-range algebra: immutable sets of IP *prefixes* (network + length).

A :class:`PrefixSet` answers "which prefixes can this policy permit?".  Each
address family is stored as a canonical tuple of trie nodes ``(address,
prefixlen, length_mask)``: the node stands for every prefix inside that network
whose length has its bit set in ``length_mask`` (bit ``k`` = length ``k``).

The encoding is canonical: a node stores exactly the lengths ``k`` for which the
*whole* subtree of the node at depth ``k`` is in the set, minus what an ancestor
already stores.  Equal sets therefore have equal encodings, so ``==`` and
``hash`` are structural and cheap.  Public views are :class:`PrefixRange` objects
(``network``, ``low``, ``high``), one per run of consecutive lengths.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from itertools import islice

from policylint._prefixtrie import FULL, NETMASKS, Canon, Table, combine, first_match, lengths, normalize
from policylint.model import Action, Afi, IPNetwork, PrefixEntry, PrefixList

_WIDTH = {Afi.IPV4: 32, Afi.IPV6: 128}
_NETMASKS = NETMASKS
_FULL = FULL
_lengths = lengths


def afi_of(net: IPNetwork) -> Afi:
    return Afi.IPV4 if net.version == 4 else Afi.IPV6


def _make_net(afi: Afi, addr: int, plen: int) -> IPNetwork:
    if afi is Afi.IPV4:
        return IPv4Network((addr, plen))
    return IPv6Network((addr, plen))


def _within(addr: int, plen: int, a_addr: int, a_plen: int, width: int) -> bool:
    """Is (addr/plen) inside (a_addr/a_plen)?"""
    return plen >= a_plen and (addr ^ a_addr) >> (width - a_plen) == 0


def _lengths_only(nodes: Canon) -> int | None:
    """The length mask when ``nodes`` is "every prefix with these lengths" (one root node)."""
    if len(nodes) == 1 and nodes[0][1] == 0:
        return nodes[0][2]
    return None


_HELD: dict[int, tuple[Canon, int]] = {}  # id(nodes) -> (nodes, OR of their masks)


def _held(nodes: Canon) -> int:
    """Every length some member of ``nodes`` has (memoized by identity: sets are reused a lot)."""
    hit = _HELD.get(id(nodes))
    if hit is not None and hit[0] is nodes:
        return hit[1]
    held = 0
    for _, _, m in nodes:
        held |= m
    if len(_HELD) >= 1024:
        _HELD.clear()
    _HELD[id(nodes)] = (nodes, held)
    return held


def _mask_all(nodes: Canon, keep: int) -> Canon:
    """Keep only the lengths in ``keep``: a length-only restriction keeps the encoding canonical."""
    held = _held(nodes)
    if not held & keep:
        return ()
    if not held & ~keep:
        return nodes
    return tuple([(a, p, m & keep) for a, p, m in nodes if m & keep])


def _intersect(a: Canon, b: Canon, width: int) -> Canon:
    if not a or not b:
        return ()
    if a == b or b == _FULL[width]:
        return a
    if a == _FULL[width]:
        return b
    if (lengths_b := _lengths_only(b)) is not None:
        return _mask_all(a, lengths_b)
    if (lengths_a := _lengths_only(a)) is not None:
        return _mask_all(b, lengths_a)
    return combine(a, b, width, "and")


def _subtract(a: Canon, b: Canon, width: int) -> Canon:
    if not a or not b:
        return a
    if a == b or b == _FULL[width]:
        return ()
    if (lengths_b := _lengths_only(b)) is not None:
        return _mask_all(a, ~lengths_b)
    return combine(a, b, width, "sub")


def _merge(a: Canon, b: Canon, width: int) -> Canon:
    if not a or not b:
        return a or b
    if a == b:
        return a
    if a == _FULL[width] or b == _FULL[width]:
        return _FULL[width]
    return combine(a, b, width, "or")


def _subset(a: Canon, b: Canon, width: int) -> bool:
    if not a or a == b or b == _FULL[width]:
        return True
    if not b or a == _FULL[width]:
        return False  # canonical encodings: only the full set contains the full set
    return not combine(a, b, width, "sub")


def _merge_many(parts: list[Canon], width: int) -> Canon:
    """Union of many canonical encodings: one normalization of all their nodes."""
    if len(parts) <= 2:
        out: Canon = ()
        for p in parts:
            out = _merge(out, p, width)
        return out
    if _FULL[width] in parts:
        return _FULL[width]
    table: Table = {}
    get = table.get
    for nodes in parts:
        for addr, plen, mask in nodes:
            key = (addr, plen)
            table[key] = get(key, 0) | mask
    return normalize(table, width)


def _run_count(nodes: Canon) -> int:
    """How many :class:`PrefixRange` values the nodes make (one per run of lengths)."""
    return sum((m & ~(m << 1)).bit_count() for _, _, m in nodes)


@dataclass(frozen=True, slots=True)
class PrefixRange:
    """Every prefix inside ``network`` whose length is in ``[low, high]``."""

    network: IPNetwork
    low: int
    high: int

    def __str__(self) -> str:
        net, plen, top = self.network, self.network.prefixlen, self.network.max_prefixlen
        if self.low == plen and self.high == plen:
            return str(net)
        if self.low == plen:
            return f"{net} le {self.high}"
        if self.high == top:
            return f"{net} ge {self.low}"
        return f"{net} ge {self.low} le {self.high}"


@dataclass(frozen=True, slots=True)
class PrefixSet:
    """An immutable set of IPv4 and IPv6 prefixes (canonical trie encoding)."""

    v4_nodes: Canon = ()
    v6_nodes: Canon = ()

    # ------------------------------------------------------------ constructors

    @classmethod
    def empty(cls) -> PrefixSet:
        return cls()

    @classmethod
    def _one(cls, afi: Afi, nodes: Canon) -> PrefixSet:
        return cls(nodes, ()) if afi is Afi.IPV4 else cls((), nodes)

    @classmethod
    def of_range(cls, net: IPNetwork, low: int, high: int) -> PrefixSet:
        """Prefixes inside ``net`` with length in ``[low, high]`` (clipped to valid lengths)."""
        afi = afi_of(net)
        width = _WIDTH[afi]
        mask = _lengths(max(low, net.prefixlen), min(high, width))
        if not mask:
            return cls()
        addr = int(net.network_address) & _NETMASKS[width][net.prefixlen]
        return cls._one(afi, ((addr, net.prefixlen, mask),))

    @classmethod
    def of_prefix(cls, net: IPNetwork) -> PrefixSet:
        return cls.of_range(net, net.prefixlen, net.prefixlen)

    @classmethod
    def of_prefixes(cls, nets: Iterable[IPNetwork]) -> PrefixSet:
        tables: dict[Afi, Table] = {Afi.IPV4: {}, Afi.IPV6: {}}
        for net in nets:
            afi = afi_of(net)
            key = (int(net.network_address), net.prefixlen)
            tables[afi][key] = tables[afi].get(key, 0) | (1 << net.prefixlen)
        return cls(normalize(tables[Afi.IPV4], 32), normalize(tables[Afi.IPV6], 128))

    @classmethod
    def union_all(cls, sets: Iterable[PrefixSet]) -> PrefixSet:
        """The union of many sets in one pass (cheaper than folding ``|`` over them)."""
        v4: list[Canon] = []
        v6: list[Canon] = []
        for s in sets:
            if s.v4_nodes:
                v4.append(s.v4_nodes)
            if s.v6_nodes:
                v6.append(s.v6_nodes)
        return cls(_merge_many(v4, 32), _merge_many(v6, 128))

    @classmethod
    def all(cls, afi: Afi) -> PrefixSet:
        return cls._one(afi, ((0, 0, _lengths(0, _WIDTH[afi])),))

    @classmethod
    def universe(cls) -> PrefixSet:
        return cls.all(Afi.IPV4) | cls.all(Afi.IPV6)

    @classmethod
    def longer_than(cls, v4_len: int, v6_len: int) -> PrefixSet:
        """Every IPv4 prefix longer than ``v4_len`` and IPv6 prefix longer than ``v6_len``."""
        v4 = _lengths(max(v4_len + 1, 0), 32)
        v6 = _lengths(max(v6_len + 1, 0), 128)
        return cls(((0, 0, v4),) if v4 else (), ((0, 0, v6),) if v6 else ())

    @classmethod
    def from_entry(cls, entry: PrefixEntry) -> PrefixSet:
        """The prefixes one prefix-list entry matches (``any`` = the whole family)."""
        if entry.any:
            return cls.all(afi_of(entry.prefix))
        return cls.of_range(entry.prefix, entry.low, entry.high)

    # ------------------------------------------------------------ algebra

    def union(self, other: PrefixSet) -> PrefixSet:
        return PrefixSet(
            _merge(self.v4_nodes, other.v4_nodes, 32), _merge(self.v6_nodes, other.v6_nodes, 128)
        )

    def intersection(self, other: PrefixSet) -> PrefixSet:
        return PrefixSet(
            _intersect(self.v4_nodes, other.v4_nodes, 32) if self.v4_nodes and other.v4_nodes else (),
            _intersect(self.v6_nodes, other.v6_nodes, 128) if self.v6_nodes and other.v6_nodes else (),
        )

    def difference(self, other: PrefixSet) -> PrefixSet:
        return PrefixSet(
            _subtract(self.v4_nodes, other.v4_nodes, 32), _subtract(self.v6_nodes, other.v6_nodes, 128)
        )

    __or__ = union
    __and__ = intersection
    __sub__ = difference

    def family(self, afi: Afi) -> PrefixSet:
        """Only the prefixes of one address family."""
        return PrefixSet._one(afi, self.v4_nodes if afi is Afi.IPV4 else self.v6_nodes)

    # ------------------------------------------------------------ queries

    def is_empty(self) -> bool:
        return not self.v4_nodes and not self.v6_nodes

    def __bool__(self) -> bool:
        return not self.is_empty()

    def issubset(self, other: PrefixSet) -> bool:
        return _subset(self.v4_nodes, other.v4_nodes, 32) and _subset(self.v6_nodes, other.v6_nodes, 128)

    def __le__(self, other: PrefixSet) -> bool:
        return self.issubset(other)

    def contains(self, prefix: IPNetwork) -> bool:
        afi = afi_of(prefix)
        width = _WIDTH[afi]
        addr, plen = int(prefix.network_address), prefix.prefixlen
        bit = 1 << plen
        nodes = self.v4_nodes if afi is Afi.IPV4 else self.v6_nodes
        return any(m & bit and _within(addr, plen, a, p, width) for a, p, m in nodes)

    def __contains__(self, prefix: object) -> bool:
        return isinstance(prefix, IPv4Network | IPv6Network) and self.contains(prefix)

    def _iter_ranges(self) -> Iterator[PrefixRange]:
        for afi, nodes in ((Afi.IPV4, self.v4_nodes), (Afi.IPV6, self.v6_nodes)):
            for addr, plen, mask in nodes:
                net = _make_net(afi, addr, plen)
                k = plen
                while mask >> k:
                    if not (mask >> k) & 1:
                        k += 1
                        continue
                    start = k
                    while (mask >> k) & 1:
                        k += 1
                    yield PrefixRange(net, start, k - 1)

    @property
    def ranges(self) -> tuple[PrefixRange, ...]:
        """The normalized ranges (disjoint), IPv4 first, by address."""
        return tuple(self._iter_ranges())

    def witness(self) -> IPNetwork | None:
        """One concrete member, preferring short prefixes (IPv4 before IPv6)."""
        best: tuple[int, int, int, int] | None = None
        for version, nodes in ((4, self.v4_nodes), (6, self.v6_nodes)):
            for addr, plen, mask in nodes:
                low = (mask & -mask).bit_length() - 1
                cand = (low, version, addr, plen)
                if best is None or cand < best:
                    best = cand
        if best is None:
            return None
        low, version, addr, _ = best
        return _make_net(Afi.IPV4 if version == 4 else Afi.IPV6, addr, low)

    def describe(self, limit: int = 3) -> str:
        """Human text such as ``10.0.0.0/8 le 32, 192.0.2.0/25``."""
        return _describe(self, limit)

    def __str__(self) -> str:
        return self.describe()


_DESCRIBED: dict[tuple[int, int, int], tuple[Canon, Canon, str]] = {}  # by identity, like _HELD


def _describe(s: PrefixSet, limit: int) -> str:
    """Memoized twice, like :func:`~policylint._prefixtrie.combine`: by the identity of the node
    tuples (the same sets are described once per session sharing a policy, and hashing a big
    set's nodes costs more than a lookup), then by value (equal sets of different devices)."""
    v4, v6 = s.v4_nodes, s.v6_nodes
    key = (id(v4), id(v6), limit)
    hit = _DESCRIBED.get(key)
    if hit is not None and hit[0] is v4 and hit[1] is v6:
        return hit[2]
    text = _describe_by_value(s, limit)
    if len(_DESCRIBED) >= 4096:
        _DESCRIBED.clear()
    _DESCRIBED[key] = (v4, v6, text)
    return text


@lru_cache(maxsize=4096)
def _describe_by_value(s: PrefixSet, limit: int) -> str:
    total = _run_count(s.v4_nodes) + _run_count(s.v6_nodes)
    if not total:
        return "no prefixes"
    text = ", ".join(str(r) for r in islice(s._iter_ranges(), max(limit, 0)))
    if total > limit:
        text += f" and {total - limit} more range(s)"
    return text


# --------------------------------------------------------------------------- prefix lists


def entry_matches(entry: PrefixEntry, prefix: IPNetwork) -> bool:
    """Does one prefix-list entry match ``prefix``?"""
    if entry.prefix.version != prefix.version:
        return False
    if entry.any:
        return True
    if not entry.low <= prefix.prefixlen <= entry.high:
        return False
    width = prefix.max_prefixlen
    return _within(
        int(prefix.network_address),
        prefix.prefixlen,
        int(entry.prefix.network_address),
        entry.prefix.prefixlen,
        width,
    )


def prefix_list_matches(plist: PrefixList, prefix: IPNetwork) -> Action | None:
    """First-match over the entries; ``None`` when no entry matches."""
    for entry in plist.entries:
        if entry_matches(entry, prefix):
            return entry.action
    return None


@lru_cache(maxsize=4096)
def _entry_mask(plen: int, ge: int | None, le: int | None, width: int) -> int:
    """Length mask of a non-``any`` entry (``PrefixEntry.low`` / ``high``, clipped to valid lengths)."""
    low = ge if ge is not None else plen
    high = le if le is not None else (width if ge is not None else plen)
    return _lengths(max(low, plen), min(high, width))


def prefix_list_permits(
    plist: PrefixList, *, empty_permits_all: bool = False, implicit_deny: bool = True
) -> PrefixSet:
    """Every prefix of the list's family the list permits (first match wins).

    ``empty_permits_all`` and ``implicit_deny`` come from :class:`VendorSemantics`
    (``empty_prefix_list_permits``, ``prefix_list_implicit_deny``).
    """
    family = PrefixSet.all(plist.afi)
    if not plist.entries:
        return family if empty_permits_all else PrefixSet.empty()
    width = _WIDTH[plist.afi]
    nm = _NETMASKS[width]
    netcls = IPv4Network if plist.afi is Afi.IPV4 else IPv6Network
    permit = Action.PERMIT
    entries: list[tuple[tuple[int, int, int], bool]] = []
    for entry in plist.entries:
        net = entry.prefix
        if net.__class__ is not netcls and net.version != (4 if width == 32 else 6):
            continue
        if entry.any:
            node = FULL[width][0]
        else:
            plen = net.prefixlen
            mask = _entry_mask(plen, entry.ge, entry.le, width)
            if not mask:
                continue
            node = (int(net.network_address) & nm[plen], plen, mask)
        entries.append((node, entry.action is permit))
    if not implicit_deny:
        entries.append((FULL[width][0], True))
    return PrefixSet._one(plist.afi, first_match(entries, width))
