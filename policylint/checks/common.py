"""Small helpers shared by the checks: how to name a neighbor, which sessions to look at.

Kept deliberately small and stable; other check modules import it.
"""

from __future__ import annotations

from collections.abc import Iterator

from policylint import policyspace
from policylint.model import Device, Filters, Neighbor, NeighborAF, Ref, Role, RoleSource, Span, Term

_ROLE_WORD: dict[Role, str] = {
    Role.CUSTOMER: "customer",
    Role.PROVIDER: "provider",
    Role.PEER: "peer",
    Role.ROUTE_SERVER: "route server",
    Role.RS_CLIENT: "route-server client",
    Role.INTERNAL: "iBGP neighbor",
}


def neighbor_text(nb: Neighbor) -> str:
    """``192.0.2.1 AS64496``; ``192.0.2.1 (remote-as external)`` when the AS is not known."""
    if nb.remote_as is not None:
        return f"{nb.address} AS{nb.remote_as}"
    if nb.remote_as_kind in ("external", "internal", "auto"):
        return f"{nb.address} (remote-as {nb.remote_as_kind})"
    return f"{nb.address} (AS unknown)"


def role_source_text(nb: Neighbor) -> str:
    """Where the role came from, for messages: never guess silently (DESIGN §3)."""
    if nb.role is None or nb.role_source is None:
        return "role unknown"
    if nb.role_source is RoleSource.DESCRIPTION:
        return f"role inferred from description '{nb.description or ''}'"
    if nb.role_source is RoleSource.CONFIG:
        return "role from local-role"
    if nb.role_source is RoleSource.INVENTORY:
        return "role from inventory"
    return "iBGP by AS number"


def role_text(nb: Neighbor) -> str:
    """``provider 192.0.2.1 AS64496 (role inferred from description 'TRANSIT-A upstream')``.

    Unknown roles read ``neighbor 192.0.2.1 AS64496 (role unknown)``.
    """
    word = _ROLE_WORD.get(nb.role, "neighbor") if nb.role is not None else "neighbor"
    return f"{word} {neighbor_text(nb)} ({role_source_text(nb)})"


def ebgp_afs(device: Device) -> Iterator[tuple[Neighbor, NeighborAF]]:
    """Every activated address family of every eBGP neighbor, in configuration order."""
    for nb in device.neighbors:
        if not nb.is_ebgp:
            continue
        for af in nb.afs:
            if af.activated:
                yield nb, af


def main_ref(filters: Filters) -> Ref | None:
    """The reference that stands for a direction's policy: route-map, else prefix-list, else filter-list."""
    return filters.route_map or filters.prefix_list or filters.filter_list


def ref_text(ref: Ref) -> str:
    """``route-map FROM-TRANSIT``."""
    return f"{ref.kind.value} {ref.name}"


def terms_by_span(device: Device) -> dict[Span, tuple[str, Term]]:
    """Every route-map term by its span, with its route-map's name (to map witnesses back)."""
    return policyspace.terms_by_span(device)
