"""Neighbor roles: explicit config first, then inventory, then description keywords.

Shared by every vendor's assemble step, so a role means the same everywhere.
"""

from __future__ import annotations

import re

from policylint.model import Role

# FRR/RFC 9234 local-role is *our* role on the session; the neighbor's is the mirror
LOCAL_ROLE_TO_NEIGHBOR = {
    "provider": Role.CUSTOMER,
    "customer": Role.PROVIDER,
    "peer": Role.PEER,
    "rs-server": Role.RS_CLIENT,
    "rs-client": Role.ROUTE_SERVER,
}

_KEYWORDS: tuple[tuple[Role, re.Pattern[str]], ...] = (
    (Role.ROUTE_SERVER, re.compile(r"route[- _]?server|\brs\d*\b|\bix[-_ ]?rs\d*\b", re.I)),
    (Role.PROVIDER, re.compile(r"transit|upstream|provider|uplink|\bip[-_ ]?transit\b", re.I)),
    (Role.CUSTOMER, re.compile(r"customer|\bcust\b|\bcust[-_]|downstream|\bclient\b", re.I)),
    (Role.PEER, re.compile(r"\bpeer(ing)?\b|\bpeer[-_]|\bixp?\b|\bix[-_]|\bpni\b|exchange", re.I)),
)


def role_from_description(text: str | None) -> Role | None:
    if not text:
        return None
    for role, pattern in _KEYWORDS:
        if pattern.search(text):
            return role
    return None
