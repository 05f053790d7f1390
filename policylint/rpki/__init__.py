"""RPKI data: VRP files (rpki-client, Routinator, StayRTR; SLURM), a live RTR client, and
RFC 6811 origin validation over a compact index.

The what-if engine and the rules share :class:`VrpIndex`; anything with the
:class:`Validator` shape (``(prefix, origin) -> RpkiState``) can stand in for it.
"""

from __future__ import annotations

from typing import Protocol

from policylint.model import IPNetwork, RpkiState
from policylint.rpki.index import Validation, VrpIndex
from policylint.rpki.source import Loaded, load_vrps, load_vrps_text, stale_warnings
from policylint.rpki.vrp import RpkiDataError, Vrp


class Validator(Protocol):
    """RFC 6811 origin validation: the state of ``prefix`` originated by ``origin``."""

    def __call__(self, prefix: IPNetwork, origin: int | None, /) -> RpkiState: ...


def validator(index: VrpIndex) -> Validator:
    """The index as a plain ``(prefix, origin) -> RpkiState`` function."""
    return index.state


__all__ = [
    "Loaded",
    "RpkiDataError",
    "Validation",
    "Validator",
    "Vrp",
    "VrpIndex",
    "load_vrps",
    "load_vrps_text",
    "stale_warnings",
    "validator",
]
