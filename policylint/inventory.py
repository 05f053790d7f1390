"""The inventory: neighbor roles and site names by device, from the config file.

Roles are applied after parsing, by :func:`apply`: a role written in the router
config (FRR ``local-role``) or implied by the session (iBGP) wins; otherwise the
inventory's role replaces one guessed from a description.  That keeps the
order of the design (config, inventory, description) without threading the
inventory through every vendor parser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from policylint.model import Device, Neighbor, Role, RoleSource
from policylint.vendors import FileResult

ROLE_NAMES: tuple[str, ...] = tuple(r.value for r in Role)


@dataclass(frozen=True, slots=True)
class Inventory:
    sites: dict[str, str] = field(default_factory=dict)  # hostname -> site name
    roles: dict[tuple[str | None, str], Role] = field(default_factory=dict)  # (hostname|None, addr) -> role

    @classmethod
    def build(cls, sites: Mapping[str, str], roles: Mapping[tuple[str | None, str], str]) -> Inventory:
        return cls(dict(sites), {key: Role(value) for key, value in roles.items()})

    @property
    def empty(self) -> bool:
        return not self.sites and not self.roles

    def site(self, hostname: str) -> str | None:
        return self.sites.get(hostname)

    def role(self, hostname: str, address: str) -> Role | None:
        """The device-specific role first, then one given for the address on any device."""
        return self.roles.get((hostname, address)) or self.roles.get((None, address))


def _neighbor(inv: Inventory, hostname: str, nb: Neighbor) -> Neighbor:
    if nb.role_source in (RoleSource.CONFIG, RoleSource.SESSION):
        return nb
    role = inv.role(hostname, nb.address)
    if role is None:
        return nb
    return replace(nb, role=role, role_source=RoleSource.INVENTORY)


def _device(inv: Inventory, dev: Device) -> Device:
    neighbors = tuple(_neighbor(inv, dev.hostname, n) for n in dev.neighbors)
    if all(a is b for a, b in zip(neighbors, dev.neighbors, strict=True)):
        return dev
    return replace(dev, neighbors=neighbors)


def apply(inv: Inventory, files: Sequence[FileResult]) -> list[FileResult]:
    """The files with inventory roles applied to their devices' neighbors."""
    if not inv.roles:
        return list(files)
    out: list[FileResult] = []
    for res in files:
        devices = tuple(_device(inv, d) for d in res.devices)
        same = all(a is b for a, b in zip(devices, res.devices, strict=True))
        out.append(res if same else replace(res, devices=devices))
    return out
