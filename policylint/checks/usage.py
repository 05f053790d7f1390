"""Where each route-map is used: on which session, in which direction (following `call`)."""

from __future__ import annotations

from dataclasses import dataclass

from policylint.model import Afi, Device, Neighbor


@dataclass(frozen=True, slots=True)
class Use:
    neighbor: Neighbor
    afi: Afi
    direction: str  # "import" | "export"


def policy_uses(device: Device) -> dict[str, tuple[Use, ...]]:
    direct: dict[str, list[Use]] = {}
    for nb in device.neighbors:
        for af in nb.afs:
            if not af.activated:
                continue
            for direction, filters in (("import", af.imports), ("export", af.exports)):
                if filters.route_map is not None:
                    direct.setdefault(filters.route_map.name, []).append(Use(nb, af.afi, direction))
    # a called route-map is used wherever its caller is
    out = {name: list(uses) for name, uses in direct.items()}
    changed = True
    rounds = 0
    while changed and rounds < 16:
        changed, rounds = False, rounds + 1
        for name, policy in device.policies.items():
            for term in policy.terms:
                if term.call is None:
                    continue
                for use in out.get(name, []):
                    bucket = out.setdefault(term.call, [])
                    if use not in bucket:
                        bucket.append(use)
                        changed = True
    return {name: tuple(uses) for name, uses in out.items()}
