"""Set operations on canonical prefix-trie encodings (private helper of :mod:`policylint.prefixes`).

A canonical encoding is a sorted tuple of nodes ``(address, prefixlen, length_mask)``.
For one prefix *length* ``k``, the nodes whose mask has bit ``k`` are exactly the
maximal aligned address blocks of the region ``R_k`` covered by the length-``k``
members (a prefix of length ``k`` is in the set iff its block lies inside ``R_k``).
So every set operation is, length by length, the same operation on address
intervals, and the result is re-encoded by cutting each interval into maximal
aligned (CIDR) blocks.  Lengths are handled in *classes*: runs of lengths over
which no input mask changes, so a whole class shares one interval computation.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import pairwise

Node = tuple[int, int, int]  # (address, prefixlen, length mask)
Canon = tuple[Node, ...]
Table = dict[tuple[int, int], int]
_Iv = tuple[int, int]  # half-open address interval [lo, hi)
_IvOp = Callable[[list[_Iv], list[_Iv]], list[_Iv]]

NETMASKS = {w: tuple(((1 << d) - 1) << (w - d) for d in range(w + 1)) for w in (32, 128)}


def lengths(low: int, high: int) -> int:
    """Bit mask with bits ``low..high`` (inclusive) set."""
    if low > high:
        return 0
    return ((1 << (high + 1)) - 1) ^ ((1 << low) - 1)


FULL = {w: ((0, 0, lengths(0, w)),) for w in (32, 128)}


def _classes(masks: Iterable[int]) -> list[tuple[int, int]]:
    """``(first length, class mask)`` for each maximal run of lengths no mask changes over."""
    edges = 0
    for m in set(masks):
        edges |= m ^ (m << 1)
    cuts: list[int] = []
    while edges:
        low = edges & -edges
        cuts.append(low.bit_length() - 1)
        edges ^= low
    return [(lo, lengths(lo, hi - 1)) for lo, hi in pairwise(cuts)]


def _groups(nodes: Iterable[Node], width: int) -> dict[int, list[_Iv]]:
    """Intervals of the nodes, grouped by mask (in node order)."""
    out: dict[int, list[_Iv]] = {}
    for addr, plen, mask in nodes:
        iv = (addr, addr + (1 << (width - plen)))
        group = out.get(mask)
        if group is None:
            out[mask] = [iv]
        else:
            group.append(iv)
    return out


def _select(groups: dict[int, list[_Iv]], k: int, presorted: bool) -> list[_Iv]:
    """The intervals of the nodes holding length ``k``, sorted by address."""
    picked = [ivs for m, ivs in groups.items() if m >> k & 1]
    if not picked:
        return []
    if len(picked) == 1 and presorted:
        return picked[0]
    return sorted(iv for ivs in picked for iv in ivs)


def _coalesce(ivs: list[_Iv]) -> list[_Iv]:
    """Merge overlapping or adjacent intervals of an address-sorted list."""
    if len(ivs) < 2:
        return ivs
    out: list[_Iv] = []
    append = out.append
    lo, hi = ivs[0]
    for nlo, nhi in ivs:
        if nlo > hi:
            append((lo, hi))
            lo, hi = nlo, nhi
        elif nhi > hi:
            hi = nhi
    append((lo, hi))
    return out


_Profile = tuple[tuple[int, list[_Iv]], ...]
_PROFILES: dict[int, tuple[Canon, _Profile]] = {}  # id(nodes) -> (nodes, profile)
_PROFILE_LIMIT = 256


def _profile(nodes: Canon, width: int) -> _Profile:
    """``(class mask, coalesced intervals of R_k)`` per class of lengths of one encoding.

    Memoized by identity (the same big set is often combined with many others); the
    returned lists are shared and must not be modified.
    """
    hit = _PROFILES.get(id(nodes))
    if hit is not None and hit[0] is nodes:
        return hit[1]
    groups = _groups(nodes, width)
    prof = tuple((cmask, _coalesce(_select(groups, k, presorted=True))) for k, cmask in _classes(groups))
    if len(_PROFILES) >= _PROFILE_LIMIT:
        _PROFILES.clear()
    _PROFILES[id(nodes)] = (nodes, prof)
    return prof


def _pick(prof: _Profile, bit: int) -> list[_Iv]:
    for cmask, ivs in prof:
        if cmask & bit:
            return ivs
    return []


_Acc = dict[_Iv, int]  # coalesced interval -> OR of the class masks it is an interval of
_Out = dict[int, int]  # (address << 8 | prefixlen) -> length mask


def _add(acc: _Acc, ivs: list[_Iv], cmask: int) -> None:
    """Record that the coalesced intervals ``ivs`` make up ``R_k`` for every length in ``cmask``."""
    get = acc.get
    for iv in ivs:
        acc[iv] = get(iv, 0) | cmask


def _emit(acc: _Acc, width: int) -> _Out:
    """Cut each interval into maximal aligned blocks once, giving each block the interval's masks.

    An interval shared by several length classes is cut once (its blocks do not depend on
    the class); blocks of different intervals can coincide, so masks are OR-ed per block.
    """
    top = 1 << width
    out: _Out = {}
    get = out.get
    for (start, hi), cmask in acc.items():
        size = hi - start
        if not size & (size - 1) and not start & (size - 1):  # already one aligned block (most are)
            key = start << 8 | (width + 1 - size.bit_length())
            out[key] = get(key, 0) | cmask
            continue
        lo = start
        while lo < hi:
            size = lo & -lo if lo else top  # the largest block aligned at lo ...
            rest = hi - lo
            if size > rest:  # ... that still fits
                size = 1 << (rest.bit_length() - 1)
            key = lo << 8 | (width + 1 - size.bit_length())
            out[key] = get(key, 0) | cmask
            lo += size
    return out


def _finish(acc: _Acc, width: int) -> Canon:
    out = _emit(acc, width)
    return tuple([(key >> 8, key & 255, out[key]) for key in sorted(out)])


def normalize(table: Table, width: int) -> Canon:
    """Canonical encoding of the union of arbitrary (possibly unaligned, overlapping) nodes."""
    full = lengths(0, width)
    nm = NETMASKS[width]
    nodes: list[Node] = []
    for (addr, plen), mask in table.items():
        m = mask & full & ~((1 << plen) - 1)
        if m:
            nodes.append((addr & nm[plen], plen, m))
    if not nodes:
        return ()
    groups = _groups(nodes, width)
    acc: _Acc = {}
    for k, cmask in _classes(groups):
        ivs = _select(groups, k, presorted=False)
        if ivs:
            _add(acc, _coalesce(sorted(ivs) if len(ivs) > 1 else ivs), cmask)
    return _finish(acc, width)


def _iv_and(a: list[_Iv], b: list[_Iv]) -> list[_Iv]:
    out: list[_Iv] = []
    na, nb = len(a), len(b)
    if not na or not nb:
        return out
    append = out.append
    i = j = 0
    alo, ahi = a[0]
    blo, bhi = b[0]
    while True:
        lo = alo if alo > blo else blo
        hi = ahi if ahi < bhi else bhi
        if lo < hi:
            append((lo, hi))
        if ahi < bhi:
            i += 1
            if i == na:
                return out
            alo, ahi = a[i]
        else:
            j += 1
            if j == nb:
                return out
            blo, bhi = b[j]


def _iv_sub(a: list[_Iv], b: list[_Iv]) -> list[_Iv]:
    out: list[_Iv] = []
    j, nb = 0, len(b)
    for lo, hi in a:
        while j < nb and b[j][1] <= lo:
            j += 1
        k, cur = j, lo
        while k < nb and b[k][0] < hi:
            blo, bhi = b[k]
            if blo > cur:
                out.append((cur, blo))
            cur = max(cur, bhi)
            if bhi >= hi:
                break
            k += 1
        if cur < hi:
            out.append((cur, hi))
    return out


def _iv_or(a: list[_Iv], b: list[_Iv]) -> list[_Iv]:
    if not a or not b:
        return a or b
    return _coalesce(sorted(a + b))


_OPS: dict[str, _IvOp] = {"and": _iv_and, "sub": _iv_sub, "or": _iv_or}


_HULLS: dict[int, tuple[Canon, list[_Iv]]] = {}  # id(nodes) -> (nodes, hull)


def _hull(nodes: Canon, width: int) -> list[_Iv]:
    """The coalesced address span of all the nodes (memoized by identity, like profiles)."""
    hit = _HULLS.get(id(nodes))
    if hit is not None and hit[0] is nodes:
        return hit[1]
    # canonical nodes are sorted by address, so their spans are sorted by start
    hull = _coalesce([(addr, addr + (1 << (width - plen))) for addr, plen, _ in nodes])
    if len(_HULLS) >= _PROFILE_LIMIT:
        _HULLS.clear()
    _HULLS[id(nodes)] = (nodes, hull)
    return hull


def _overlap(a: Canon, b: Canon, width: int) -> bool:
    """Do some node of ``a`` and some node of ``b`` share an address (whatever their lengths)?"""
    ha, hb = _hull(a, width), _hull(b, width)
    i = j = 0
    while i < len(ha) and j < len(hb):
        alo, ahi = ha[i]
        blo, bhi = hb[j]
        if alo < bhi and blo < ahi:
            return True
        if ahi <= bhi:
            i += 1
        else:
            j += 1
    return False


_COMBINED: dict[tuple[int, int, int, str], tuple[Canon, Canon, Canon]] = {}  # by identity


def combine(a: Canon, b: Canon, width: int, op: str) -> Canon:
    """``a & b``, ``a - b`` or ``a | b`` (``op`` = ``and``, ``sub``, ``or``) of canonical encodings.

    Memoized twice: by the operands' identity first (most repeats combine the very same
    tuples, and hashing a big encoding costs as much as a small combination), then by value.
    """
    key = (id(a), id(b), width, op)
    hit = _COMBINED.get(key)
    if hit is not None and hit[0] is a and hit[1] is b:
        return hit[2]
    out = _combine_by_value(a, b, width, op)
    if len(_COMBINED) >= _COMBINED_LIMIT:
        _COMBINED.clear()
    _COMBINED[key] = (a, b, out)
    return out


_COMBINED_LIMIT = 8192


@lru_cache(maxsize=8192)
def _combine_by_value(a: Canon, b: Canon, width: int, op: str) -> Canon:
    if op != "or" and not _overlap(a, b, width):
        return a if op == "sub" else ()
    fn = _OPS[op]
    pa, pb = _profile(a, width), _profile(b, width)
    acc: _Acc = {}
    same_a = same_b = True  # so far the result equals ``a`` (``b``) length by length
    for k, cmask in _classes([m for m, _ in pa] + [m for m, _ in pb]):
        ia, ib = _pick(pa, 1 << k), _pick(pb, 1 << k)
        if not ia and not ib:
            continue
        res = fn(ia, ib)  # coalesced: and/sub of coalesced lists cannot make touching pieces
        if same_a:
            same_a = res == ia
        if same_b:
            same_b = res == ib
        if res:
            _add(acc, res, cmask)
    if same_a:  # equal sets have equal (canonical) encodings
        return a
    if same_b:
        return b
    return _finish(acc, width)


def first_match(entries: list[tuple[Node, bool]], width: int) -> Canon:
    """Canonical encoding of what a first-match list of ``(node, permits)`` entries permits."""
    items = sorted(  # (lo, hi, order, permits, mask), by address: each class filters, never re-sorts
        (addr, addr + (1 << (width - plen)), order, permits, mask)
        for order, ((addr, plen, mask), permits) in enumerate(entries)
    )
    acc: _Acc = {}
    if all(it[3] for it in items):  # no deny: the union of the entries
        spans = [(lo, hi, mask) for lo, hi, _, _, mask in items]
        for k, cmask in _classes({m for _, _, m in spans}):
            bit = 1 << k
            ivs = [(lo, hi) for lo, hi, m in spans if m & bit]
            if ivs:
                _add(acc, _coalesce(ivs), cmask)
        return _finish(acc, width)
    for k, cmask in _classes({it[4] for it in items}):
        bit = 1 << k
        todo = [(lo, hi, order, permits) for lo, hi, order, permits, m in items if m & bit]
        if any(not it[3] for it in todo):
            _add(acc, _coalesce(_sweep(todo)), cmask)
        elif todo:
            _add(acc, _coalesce([(lo, hi) for lo, hi, _, _ in todo]), cmask)
    return _finish(acc, width)


def _sweep(todo: list[tuple[int, int, int, bool]]) -> list[_Iv]:
    """Address intervals whose first (lowest-order) covering entry permits."""
    points = sorted({x for lo, hi, _, _ in todo for x in (lo, hi)})
    active: list[tuple[int, int, bool]] = []  # heap of (order, hi, permits)
    out: list[_Iv] = []
    p = 0
    for x, nxt in pairwise(points):
        while p < len(todo) and todo[p][0] <= x:
            _, hi, order, permits = todo[p]
            heapq.heappush(active, (order, hi, permits))
            p += 1
        while active and active[0][1] <= x:
            heapq.heappop(active)
        if active and active[0][2]:
            out.append((x, nxt))
    return out
