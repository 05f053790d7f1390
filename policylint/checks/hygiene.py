"""Hygiene rules (HY): configuration that reads right but does not reach the wire."""

from __future__ import annotations

from collections.abc import Iterator

from policylint.checks.common import neighbor_text
from policylint.findings import Finding
from policylint.model import Action, Device, Policy, SetCommunity
from policylint.options import Options


def _set_communities(policy: Policy) -> list[SetCommunity]:
    """The community values a route-map's permit terms attach (``none`` clears, so it sets nothing)."""
    return [
        s
        for term in policy.terms
        if term.action is Action.PERMIT
        for s in term.sets
        if isinstance(s, SetCommunity) and not s.none and s.values
    ]


def hy101(device: Device, options: Options) -> Iterator[Finding]:
    """An export route-map sets communities of a kind the session does not send."""
    sem = device.semantics
    for nb in device.neighbors:
        for af in nb.afs:
            ref = af.exports.route_map
            if not af.activated or ref is None:
                continue
            policy = device.policies.get(ref.name)
            if policy is None:
                continue
            stripped: list[str] = []
            for s in _set_communities(policy):
                if ("large" if s.large else "standard") not in af.send_communities:
                    stripped.extend(v for v in s.values if v not in stripped)
            if not stripped:
                continue
            lost = ", ".join(stripped[:6]) + (" ..." if len(stripped) > 6 else "")
            if "no-export" in stripped:
                effect = (
                    "NO_EXPORT never arrives, so the neighbor passes the route on to its own peers and "
                    "providers and the prefix draws traffic from far beyond the intended scope"
                )
            else:
                effect = (
                    "whatever they ask of the neighbor (prepends, local preference, blackholing, "
                    "customer tags) never happens, so traffic does not move as planned"
                )
            yield Finding(
                ref.span,
                f"route-map {ref.name} sets communities ({lost}) on routes to {neighbor_text(nb)}, but "
                f"this session does not send them: {sem.community_sending}. They are stripped on the "
                f"wire: {effect}.",
            )
