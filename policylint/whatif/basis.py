"""What each prediction rests on (issue 9): observation, inference from observations, or the model alone.

* ``observed``: the AS's own base-state route was observed (it lies on an observed AS path, or the
  measured catchment lists it);
* ``inferred``: not observed itself, but calibration changed its predicted site, or its calibrated
  route (base or proposed) descends from an AS whose route calibration corrected (another site or
  next hop than the plain model's) or that carries a learned preference;
* ``model``: the plain Gao-Rexford model alone.
"""

from __future__ import annotations

from dataclasses import dataclass

OBSERVED, INFERRED, MODEL = 0, 1, 2
NAMES = ("observed", "inferred", "model")


@dataclass(frozen=True, slots=True)
class ServiceCalibration:
    """Per service: what calibration used, learned and changed."""

    paths: int  # observed paths recognised for this service
    unrecognised: int  # paths to the service whose site could not be told
    pinned: int  # ASes whose base-state route is fixed by an observed path
    preferences: int  # learned per-AS neighbor preferences that contradict the relationship model
    tie_preferences: int  # observed choices among equally good routes (kept in the proposed state)
    measured: int  # ASes of the topology in the measured catchment
    reanchored: int  # measured ASes the model sent elsewhere, corrected by a learned preference
    unreproduced: int  # measured ASes no route to their measured site reaches in the model
    changed_before: int  # ASes whose calibrated base site differs from the plain model's
    changed_after: int
    plain_moved: tuple[int, float]  # what the plain model says moves (ASes, percent of weight)
    notes: tuple[str, ...] = ()
