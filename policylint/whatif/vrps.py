"""VRPs for the what-if engine: the same loader and RFC 6811 index as ``lint --vrps``.

Any format :mod:`policylint.rpki` reads (rpki-client, Routinator, StayRTR; compressed or not)
works, through the same on-disk cache.  The index's ``state(prefix, origin)`` satisfies
:class:`policylint.whatif.propagate.OriginValidator`.  Bad data is a :class:`TopologyError`
(exit code 2) with the loader's position.
"""

from __future__ import annotations

from policylint.rpki import RpkiDataError
from policylint.rpki import load_vrps as _load
from policylint.rpki.index import VrpIndex
from policylint.whatif.topology import TopologyError

__all__ = ["VrpIndex", "load_vrps"]


def load_vrps(path: str) -> VrpIndex:
    try:
        return _load(path).index
    except RpkiDataError as exc:
        raise TopologyError(exc.where, None, exc.detail) from None
