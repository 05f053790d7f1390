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
