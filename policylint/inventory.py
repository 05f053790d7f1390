"""The inventory: neighbor roles and site names by device, from the config file.

It travels inside :class:`~policylint.options.Options` (so worker processes and
the result cache see it) and is applied by :func:`apply_file` to each file's
Devices before the checks run: a role written in the router config (FRR
``local-role``) or implied by the session (iBGP) wins; otherwise the inventory's
role replaces one guessed from a description.  That keeps the design's order
(config, inventory, description) without threading the inventory through every
vendor parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

from policylint.model import Device, Neighbor, Role, RoleSource

if TYPE_CHECKING:
    from policylint.vendors import FileResult

ROLE_NAMES: tuple[str, ...] = tuple(r.value for r in Role)


@dataclass(frozen=True, slots=True)
class Inventory:
    """Hashable, with a stable repr (it is part of the options the result cache is keyed by)."""

    sites: tuple[tuple[str, str], ...] = ()  # (hostname, site name)
    roles: tuple[tuple[str | None, str, Role], ...] = ()  # (hostname or None for any, address, role)

    @classmethod
    def build(cls, sites: Mapping[str, str], roles: Mapping[tuple[str | None, str], str]) -> Inventory:
        return cls(
            tuple(sites.items()),
            tuple((host, addr, Role(value)) for (host, addr), value in roles.items()),
        )

    @property
    def empty(self) -> bool:
        return not self.sites and not self.roles

    def site(self, hostname: str) -> str | None:
        return dict(self.sites).get(hostname)

    def role(self, hostname: str, address: str) -> Role | None:
        """The device-specific role first, then one given for the address on any device."""
        index = _index(self)
        return index.get((hostname, address)) or index.get((None, address))


@cache
def _index(inv: Inventory) -> dict[tuple[str | None, str], Role]:
    return {(host, addr): role for host, addr, role in inv.roles}


def _neighbor(inv: Inventory, hostname: str, nb: Neighbor) -> Neighbor:
    if nb.role_source in (RoleSource.CONFIG, RoleSource.SESSION):
        return nb
    role = inv.role(hostname, nb.address)
    if role is None:
        return nb
    return replace(nb, role=role, role_source=RoleSource.INVENTORY)


def apply_device(inv: Inventory, dev: Device) -> Device:
    neighbors = tuple(_neighbor(inv, dev.hostname, n) for n in dev.neighbors)
    if all(a is b for a, b in zip(neighbors, dev.neighbors, strict=True)):
        return dev
    return replace(dev, neighbors=neighbors)


def apply_file(inv: Inventory, res: FileResult) -> FileResult:
    """``res`` with inventory roles applied to its devices' neighbors (itself when nothing changes)."""
    if not inv.roles or not res.devices:
        return res
    devices = tuple(apply_device(inv, d) for d in res.devices)
    if all(a is b for a, b in zip(devices, res.devices, strict=True)):
        return res
    return replace(res, devices=devices)
