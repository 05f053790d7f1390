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

from policylint.model import Action, Afi, IPNetwork, PrefixEntry, PrefixList

_Node = tuple[int, int, int]  # (address, prefixlen, length mask)
_Canon = tuple[_Node, ...]
_Table = dict[tuple[int, int], int]

_WIDTH = {Afi.IPV4: 32, Afi.IPV6: 128}
_NETMASKS = {w: tuple(((1 << d) - 1) << (w - d) for d in range(w + 1)) for w in (32, 128)}


def _lengths(low: int, high: int) -> int:
    """Bit mask with bits ``low..high`` (inclusive) set."""
    if low > high:
        return 0
    return ((1 << (high + 1)) - 1) ^ ((1 << low) - 1)


def afi_of(net: IPNetwork) -> Afi:
    return Afi.IPV4 if net.version == 4 else Afi.IPV6


def _make_net(afi: Afi, addr: int, plen: int) -> IPNetwork:
    if afi is Afi.IPV4:
        return IPv4Network((addr, plen))
    return IPv6Network((addr, plen))


def _within(addr: int, plen: int, a_addr: int, a_plen: int, width: int) -> bool:
    """Is (addr/plen) inside (a_addr/a_plen)?"""
    return plen >= a_plen and (addr ^ a_addr) >> (width - a_plen) == 0


def _table(nodes: _Canon) -> _Table:
    return {(a, p): m for a, p, m in nodes}


def _normalize(table: _Table, width: int) -> _Canon:
    """Canonical encoding: merge siblings bottom-up, drop what ancestors cover."""
    full = _lengths(0, width)
    nm = _NETMASKS[width]
    t: _Table = {}
    buckets: list[list[int]] = [[] for _ in range(width + 1)]
    for (addr, plen), mask in table.items():
        m = mask & full & ~((1 << plen) - 1)
        if m:
            key = (addr & nm[plen], plen)
            if key not in t:
                buckets[plen].append(key[0])
                t[key] = 0
            t[key] |= m
    for depth in range(width, 0, -1):
        bit = 1 << (width - depth)
        for addr in buckets[depth]:
            if addr & bit:
                continue
            left, right = (addr, depth), (addr | bit, depth)
            common = t[left] & t.get(right, 0)
            if not common:
                continue
            t[left] &= ~common
            t[right] &= ~common
            parent = (addr, depth - 1)
            if parent not in t:
                buckets[depth - 1].append(addr)
                t[parent] = 0
            t[parent] |= common
    out: list[_Node] = []
    for (addr, plen), mask in t.items():
        if not mask:
            continue
        inherited = 0
        for d in range(plen):
            inherited |= t.get((addr & nm[d], d), 0)
        kept = mask & ~inherited
        if kept:
            out.append((addr, plen, kept))
    out.sort()
    return tuple(out)


_FULL = {w: ((0, 0, _lengths(0, w)),) for w in (32, 128)}


@lru_cache(maxsize=8192)
def _intersect(a: _Canon, b: _Canon, width: int) -> _Canon:
    if a == b or b == _FULL[width]:
        return a
    if a == _FULL[width]:
        return b
    nm = _NETMASKS[width]
    ta, tb = _table(a), _table(b)
    out: _Table = {}
    for addr, plen, mask in a:  # b ranges at or above each a node
        cover = 0
        for d in range(plen + 1):
            cover |= tb.get((addr & nm[d], d), 0)
        if mask & cover:
            out[(addr, plen)] = mask & cover
    for addr, plen, mask in b:  # a ranges strictly above each b node
        cover = 0
        for d in range(plen):
            cover |= ta.get((addr & nm[d], d), 0)
        if mask & cover:
            key = (addr, plen)
            out[key] = out.get(key, 0) | (mask & cover)
    return _normalize(out, width)


def _subtract_node(t: _Table, b_addr: int, b_plen: int, b_mask: int, width: int) -> None:
    """Remove one node range from a (not necessarily canonical) table, in place."""
    nm = _NETMASKS[width]
    for d in range(b_plen):  # ancestors of B, top-down: push the removed lengths down
        key = (b_addr & nm[d], d)
        removed = t.get(key, 0) & b_mask
        if not removed:
            continue
        t[key] &= ~removed
        for e in range(d, b_plen):  # off-path siblings keep those lengths
            sib = ((b_addr & nm[e + 1]) ^ (1 << (width - e - 1)), e + 1)
            t[sib] = t.get(sib, 0) | removed
    for key in t:  # B itself and everything below it
        if _within(key[0], key[1], b_addr, b_plen, width):
            t[key] &= ~b_mask


@lru_cache(maxsize=8192)
def _subtract(a: _Canon, b: _Canon, width: int) -> _Canon:
    if not a or not b:
        return a
    if a == b or b == _FULL[width]:
        return ()
    t = _table(a)
    for b_addr, b_plen, b_mask in b:
        _subtract_node(t, b_addr, b_plen, b_mask, width)
    return _normalize(t, width)


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


@lru_cache(maxsize=8192)
def _merge(a: _Canon, b: _Canon, width: int) -> _Canon:
    if not a or not b:
        return a or b
    if a == b or a == _FULL[width] or b == _FULL[width]:
        return _FULL[width] if _FULL[width] in (a, b) else a
    t = _table(a)
    for addr, plen, mask in b:
        t[(addr, plen)] = t.get((addr, plen), 0) | mask
    return _normalize(t, width)


@dataclass(frozen=True, slots=True)
class PrefixSet:
    """An immutable set of IPv4 and IPv6 prefixes (canonical trie encoding)."""

    v4_nodes: _Canon = ()
    v6_nodes: _Canon = ()

    # ------------------------------------------------------------ constructors

    @classmethod
    def empty(cls) -> PrefixSet:
        return cls()

    @classmethod
    def _one(cls, afi: Afi, nodes: _Canon) -> PrefixSet:
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
        tables: dict[Afi, _Table] = {Afi.IPV4: {}, Afi.IPV6: {}}
        for net in nets:
            afi = afi_of(net)
            key = (int(net.network_address), net.prefixlen)
            tables[afi][key] = tables[afi].get(key, 0) | (1 << net.prefixlen)
        return cls(_normalize(tables[Afi.IPV4], 32), _normalize(tables[Afi.IPV6], 128))

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
        return PrefixSet(_merge(self.v4_nodes, other.v4_nodes, 32), _merge(self.v6_nodes, other.v6_nodes, 128))

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
        return self.difference(other).is_empty()

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
        ranges = self.ranges
        if not ranges:
            return "no prefixes"
        text = ", ".join(str(r) for r in ranges[:limit])
        if len(ranges) > limit:
            text += f" and {len(ranges) - limit} more range(s)"
        return text

    def __str__(self) -> str:
        return self.describe()


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
    # Walk backwards: permitted(i) = E_i | permitted(i+1) for permit, permitted(i+1) - E_i for deny.
    # One raw table, normalized once, keeps long (IRR-generated) lists linear-ish.
    width = _WIDTH[plist.afi]
    t: _Table = {} if implicit_deny else _table(family.v4_nodes or family.v6_nodes)
    for entry in reversed(plist.entries):
        if afi_of(entry.prefix) is not plist.afi:
            continue
        nodes = PrefixSet.from_entry(entry)
        for addr, plen, mask in nodes.v4_nodes or nodes.v6_nodes:
            if entry.action is Action.PERMIT:
                t[(addr, plen)] = t.get((addr, plen), 0) | mask
            else:
                _subtract_node(t, addr, plen, mask, width)
    return PrefixSet._one(plist.afi, _normalize(t, width))
