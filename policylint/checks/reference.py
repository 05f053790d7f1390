"""Reference rules (RF): names used but never defined, with the vendor's meaning of that."""

from __future__ import annotations

from collections.abc import Iterator

from policylint.findings import Finding
from policylint.model import Afi, Device, RefKind, UndefinedMatch, UndefinedPolicy
from policylint.options import Options


def _defined(device: Device, kind: RefKind, name: str) -> bool:
    if kind is RefKind.ROUTE_MAP:
        return name in device.policies
    if kind is RefKind.PREFIX_LIST:
        return (Afi.IPV4, name) in device.prefix_lists or (Afi.IPV6, name) in device.prefix_lists
    if kind is RefKind.AS_PATH_LIST:
        return name in device.as_path_lists
    if kind is RefKind.COMMUNITY_LIST:
        return name in device.community_lists
    if kind is RefKind.LARGE_COMMUNITY_LIST:
        return name in device.large_community_lists
    return any(g.address == name for g in device.peer_groups)


def rf101(device: Device, options: Options) -> Iterator[Finding]:
    sem = device.semantics
    for ref in device.refs:
        if _defined(device, ref.kind, ref.name):
            continue
        if ref.kind is RefKind.PEER_GROUP:
            effect = "the neighbor inherits nothing from it and may never come up"
        elif ref.usage.startswith("neighbor"):
            effect = (
                "this vendor then denies every route on that session in that direction, "
                "so no prefixes are exchanged"
                if sem.undefined_neighbor_policy is UndefinedPolicy.DENY_ALL
                else "this vendor then applies no filter at all on that session"
            )
        elif " match" in ref.usage:
            effect = (
                "this vendor treats the match as never true, so the term never applies"
                if sem.undefined_match_list is UndefinedMatch.NEVER_MATCHES
                else "this vendor treats the match as always true, so the term applies to every route"
            )
        elif ref.usage.endswith(" call"):
            effect = "the call does nothing useful and the caller's outcome may change"
        else:
            effect = "the origination it controls may not be announced as intended"
        yield Finding(
            ref.span, f"{ref.kind.value} {ref.name} is used ({ref.usage}) but never defined: {effect}."
        )


def rf102(device: Device, options: Options) -> Iterator[Finding]:
    """A `network` whose exact prefix no static route or interface subnet of this config provides."""
    sem = device.semantics
    if not sem.network_needs_route or device.rib_unknowns:
        return  # the vendor announces regardless, or an IGP / VRF may supply the route
    if not sem.rib_in_config and all(r.kind == "connected" for r in device.local_routes):
        return  # no static route here: the OS or other files may anchor the networks (FRR)
    present = {r.prefix for r in device.local_routes}
    for origin in device.originations:
        prefix = origin.prefix
        if origin.via != "network" or prefix is None or prefix in present:
            continue
        near = [
            str(r.prefix)
            for r in device.local_routes
            if r.prefix.version == prefix.version and (r.prefix.overlaps(prefix))
        ]
        nearby = f"; {', '.join(near[:3])} overlap it but are not an exact match" if near else ""
        yield Finding(
            origin.span,
            f"`network {prefix}` has no route for exactly {prefix} in this configuration (no static or "
            f"discard route and no interface subnet{nearby}): {sem.network_route_reason}, so {prefix} is "
            "not announced to any neighbor. The sessions stay up and the config reads correctly, but this "
            "router attracts none of that prefix's traffic: an anycast site silently drops out of the "
            "catchment and its clients go to other sites, a unicast prefix loses this path.",
        )
