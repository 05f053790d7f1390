"""Prepend rules (PP): AS-path prepending that does not do what the operator meant."""

from __future__ import annotations

from collections.abc import Iterator

from policylint.checks.usage import Use, policy_uses
from policylint.findings import Finding
from policylint.model import Device, SetPrepend, SetPrependLastAs, Span, Term
from policylint.options import Options
from policylint.reach import term_reach


def _prepends(device: Device) -> Iterator[tuple[str, Term, SetPrepend]]:
    for name, policy in device.policies.items():
        for term in policy.terms:
            for s in term.sets:
                if isinstance(s, SetPrepend):
                    yield name, term, s


def _where(name: str, term: Term) -> str:
    return f"route-map {name} {term.action.value} {term.seq}"


def pp101(device: Device, options: Options) -> Iterator[Finding]:
    """Prepending an ASN that is not the local AS (the neighbor's own ASN is PP102)."""
    if device.asn is None:
        return
    uses = policy_uses(device)
    for name, term, s in _prepends(device):
        neighbor_asns = {u.neighbor.remote_as for u in uses.get(name, ()) if u.direction == "export"}
        foreign = sorted({a for a in s.asns if a != device.asn and a not in neighbor_asns})
        if not foreign:
            continue
        listed = ", ".join(f"AS{a}" for a in foreign)
        yield Finding(
            s.span,
            f"{_where(name, term)} prepends {listed}, not the local AS{device.asn}: the announced path "
            f"claims {listed} carries the route. Those networks drop it as a loop (their customers "
            "lose this path), and everyone else sees a forged path that may trip path validation.",
        )


def pp102(device: Device, options: Options) -> Iterator[Finding]:
    """Prepending the receiving neighbor's own ASN: the neighbor drops the route."""
    uses = policy_uses(device)
    for name, term, s in _prepends(device):
        for use in uses.get(name, ()):
            nb = use.neighbor
            if use.direction != "export" or nb.remote_as is None or nb.remote_as == device.asn:
                continue
            if nb.remote_as in s.asns:
                yield Finding(
                    s.span,
                    f"{_where(name, term)} prepends AS{nb.remote_as} toward {nb.label}, the neighbor's "
                    "own AS: BGP loop detection makes it drop the route, so this site gets no traffic "
                    "through that neighbor at all.",
                )


def pp103(device: Device, options: Options) -> Iterator[Finding]:
    """More prepends than options.max_prepends in one route-map term."""
    limit = options.max_prepends
    for name, policy in device.policies.items():
        for term in policy.terms:
            count = 0
            last = None
            for s in term.sets:
                if isinstance(s, SetPrepend):
                    count += len(s.asns)
                    last = s.span
                elif isinstance(s, SetPrependLastAs):
                    count += s.count
                    last = s.span
            if last is not None and count > limit:
                yield Finding(
                    last,
                    f"{_where(name, term)} prepends {count} times (limit {limit}): beyond a few prepends "
                    "the path is already longer than almost any alternative, so more only adds update "
                    "churn and memory, and very long paths are dropped by some networks (maxas-limit).",
                )


def pp104(device: Device, options: Options) -> Iterator[Finding]:
    """Prepending in a policy applied inbound."""
    uses = policy_uses(device)
    for name, term, s in _prepends(device):
        inbound = [u for u in uses.get(name, ()) if u.direction == "import"]
        if not inbound:
            continue
        nb = inbound[0].neighbor
        yield Finding(
            s.span,
            f"{_where(name, term)} prepends on import from {nb.label}: that only lengthens paths inside "
            "this network and changes nothing other networks see, so inbound traffic does not move. "
            "Apply it on the export route-map to shift inbound traffic.",
        )


def pp105(device: Device, options: Options) -> Iterator[Finding]:
    """A prepend in a term no route can reach (first match wins; prepends do not stack)."""
    for name, policy in device.policies.items():
        for index, term in enumerate(policy.terms):
            spans = [s.span for s in term.sets if isinstance(s, SetPrepend | SetPrependLastAs)]
            if not spans:
                continue
            reach = term_reach(device, policy, index)
            if reach.reachable:
                continue
            shadow = f" by {_where(name, reach.shadowed_by)}" if reach.shadowed_by else ""
            yield Finding(
                spans[0],
                f"{_where(name, term)} can never apply: every route it matches is already decided{shadow} "
                "(the first matching term wins and, without `on-match next`, prepends in later terms "
                "do not stack). The intended path lengthening never happens, so traffic does not shift.",
            )


def pp106(device: Device, options: Options) -> Iterator[Finding]:
    """A route sent with a written AS path that does not begin with the local AS on eBGP."""
    by_peer = {nb.address: nb for nb in device.neighbors}
    seen: set[tuple[Span, str]] = set()
    for orig in device.originations:
        path, peer = orig.as_path, orig.peer
        if path is None or peer is None or (orig.span, peer) in seen:
            continue
        nb = by_peer.get(peer)
        if nb is None or not nb.is_ebgp or nb.local_as is None or (path and path[0] == nb.local_as):
            continue
        seen.add((orig.span, peer))
        written = " ".join(str(a) for a in path)
        if not path:
            what = "an empty AS path"
        else:
            what = f"the AS path [ {written} ], which does not begin with the local AS{nb.local_as}"
        yield Finding(
            orig.span,
            f"{orig.prefix} is sent to {nb.label} with {what}: the path is sent exactly as written, "
            "nothing adds the local AS. The neighbor sees a path that does not start with the AS it "
            "peers with; routers that enforce the first AS (the default on IOS and FRR) drop the route, "
            "and any that accept it attribute the prefix to another network, so the site attracts no "
            "traffic through this session or the announcement looks like a hijack.",
        )


__all__ = ["Use", "pp101", "pp102", "pp103", "pp104", "pp105", "pp106"]
