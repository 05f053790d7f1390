"""What a session actually puts on the wire, after the export policy has run.

The export policy decides the route; the session then drops the community kinds it does not send
(IOS without ``send-community``, FRR after ``no neighbor X send-community``). Kept apart from the
evaluator so that the rules, which reason about the policy, and the what-if engine, which needs
what the neighbor receives, share one definition.
"""

from __future__ import annotations

from dataclasses import replace

from policylint.evaluate import Route
from policylint.model import COMMUNITY_KINDS, Afi, Neighbor


def sent_route(neighbor: Neighbor, afi: Afi, route: Route) -> Route:
    """``route`` as ``neighbor`` receives it in family ``afi``: unsent community kinds removed."""
    af = neighbor.af(afi)
    kinds = af.send_communities if af is not None else COMMUNITY_KINDS
    if kinds == COMMUNITY_KINDS:
        return route
    out = route
    if "standard" not in kinds and route.communities:
        out = replace(out, communities=frozenset())
    if "large" not in kinds and route.large_communities:
        out = replace(out, large_communities=frozenset())
    return out
