"""Bulk origin validation with numpy (optional: ``pip install 'policylint[fast]'``).

The same index and the same answers as :meth:`VrpIndex.state_of`, vectorised: one
``searchsorted`` finds each route's innermost covering VRP prefix, a few vectorised
steps walk up to the prefixes no longer than the route, and one ``searchsorted`` per
level over the sorted ``node << 32 | asn`` keys asks whether that prefix authorises the
origin at the route's length.  For the what-if engine and benchmarks that validate
millions of (prefix, origin) pairs; the rules use the scalar path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from policylint.model import RpkiState
from policylint.rpki.index import Family, VrpIndex

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: state codes in the arrays :func:`classify` returns
CODES: tuple[RpkiState, RpkiState, RpkiState] = (RpkiState.VALID, RpkiState.INVALID, RpkiState.NOTFOUND)
VALID, INVALID, NOTFOUND = 0, 1, 2


def available() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Arrays:
    starts: Any  # uint32 (IPv4) or S16 big-endian bytes (IPv6): numpy orders both numerically
    owner: Any
    length: Any
    parent: Any
    keys: Any  # node << 32 | asn, ascending
    max_length: Any


_CACHE: dict[int, tuple[VrpIndex, _Arrays, _Arrays]] = {}


def _arrays(fam: Family) -> _Arrays:
    import numpy as np

    if fam.version == 4:
        starts = np.frombuffer(fam.starts, dtype=np.uint32)  # type: ignore[call-overload]
    else:
        starts = np.array([s.to_bytes(16, "big") for s in fam.starts], dtype="S16")
    offsets = np.frombuffer(fam.offset, dtype=np.uint32).astype(np.int64)
    entries = np.frombuffer(fam.entries, dtype=np.uint64)
    nodes = np.repeat(np.arange(len(offsets) - 1, dtype=np.uint64), np.diff(offsets))
    return _Arrays(
        starts=starts,
        owner=np.frombuffer(fam.owner, dtype=np.int32),
        length=np.frombuffer(fam.length, dtype=np.uint8),
        parent=np.frombuffer(fam.parent, dtype=np.int32),
        keys=(nodes << np.uint64(32)) | (entries >> np.uint64(8)),
        max_length=(entries & np.uint64(0xFF)).astype(np.uint8),
    )


def _prepared(index: VrpIndex) -> tuple[_Arrays, _Arrays]:
    hit = _CACHE.get(id(index))
    if hit is None or hit[0] is not index:
        v4, v6 = index.families
        hit = (index, _arrays(v4), _arrays(v6))
        _CACHE.clear()  # one index at a time: enough for a run, and no unbounded growth
        _CACHE[id(index)] = hit
    return hit[1], hit[2]


def classify(
    index: VrpIndex, version: int, networks: npt.ArrayLike, lengths: npt.ArrayLike, origins: npt.ArrayLike
) -> npt.NDArray[np.uint8]:
    """RFC 6811 state codes (:data:`CODES`) for routes of one address family.

    ``networks``: IPv4 as unsigned integers, IPv6 as 16-byte big-endian ``S16`` values;
    ``origins``: ASNs, 0 for an unknown origin (never matches).
    """
    import numpy as np

    fam = _prepared(index)[0 if version == 4 else 1]
    nets = np.asarray(networks, dtype=np.uint32 if version == 4 else "S16")
    lens = np.asarray(lengths, dtype=np.uint8)
    want = np.asarray(origins, dtype=np.uint64)
    node = fam.owner[np.searchsorted(fam.starts, nets, side="right") - 1].astype(np.int64)
    while True:  # up to the innermost covering prefix no longer than the route
        up = np.flatnonzero(node >= 0)
        up = up[fam.length[node[up]] > lens[up]]
        if up.size == 0:
            break
        node[up] = fam.parent[node[up]]
    state = np.where(node < 0, NOTFOUND, INVALID).astype(np.uint8)
    todo = np.flatnonzero((node >= 0) & (want != 0))
    cur = node[todo]
    while todo.size:
        key = (cur.astype(np.uint64) << np.uint64(32)) | want[todo]
        pos = np.searchsorted(fam.keys, key, side="right") - 1
        safe = np.maximum(pos, 0)
        hit = (pos >= 0) & (fam.keys[safe] == key) & (fam.max_length[safe] >= lens[todo])
        state[todo[hit]] = VALID
        keep = ~hit
        todo, cur = todo[keep], fam.parent[cur[keep]].astype(np.int64)
        alive = cur >= 0
        todo, cur = todo[alive], cur[alive]
    return state
