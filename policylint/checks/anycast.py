"""Anycast rules (AC): consistency of one service announced from several sites (network scope)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from policylint.evaluate import Route, evaluate_session
from policylint.findings import Finding
from policylint.model import Device, IPNetwork, Network, Role, SetPrepend, SetPrependLastAs, Span
from policylint.options import Options


@dataclass(frozen=True, slots=True)
class Announcement:
    device: Device
    neighbor: str
    prepends: int  # ASNs the export policy adds in front of the local AS
    span: Span  # the prepend that applied, or the neighbor


def anycast_prefixes(network: Network) -> dict[IPNetwork, list[Device]]:
    """Prefixes originated by two or more devices."""
    origin: dict[IPNetwork, list[Device]] = {}
    for dev in network.devices:
        for o in dev.originations:
            if o.prefix is not None and dev not in origin.setdefault(o.prefix, []):
                origin[o.prefix].append(dev)
    return {p: devs for p, devs in origin.items() if len(devs) >= 2}


def _announcements(device: Device, prefix: IPNetwork) -> list[Announcement]:
    out: list[Announcement] = []
    route = Route(prefix)
    for nb in device.neighbors:
        if not nb.is_ebgp or nb.role in (Role.CUSTOMER, Role.RS_CLIENT):
            continue
        af = next((a for a in nb.afs if a.activated and a.afi.value == f"ipv{prefix.version}"), None)
        if af is None:
            continue
        decision = evaluate_session(device, nb, af.afi, "export", route)
        if not decision.permitted:
            continue
        spans = [
            s.span for t in decision.terms for s in t.sets if isinstance(s, SetPrepend | SetPrependLastAs)
        ]
        prepends = len(decision.route.as_path)
        out.append(Announcement(device, nb.label, prepends, spans[-1] if spans else nb.span))
    return out


def ac101(network: Network, options: Options) -> Iterator[Finding]:
    """The same anycast prefix announced with different prepending at different sites."""
    for prefix, devices in sorted(anycast_prefixes(network).items(), key=lambda kv: str(kv[0])):
        per_site = {d.hostname: _announcements(d, prefix) for d in devices}
        least = {site: min((a.prepends for a in anns), default=None) for site, anns in per_site.items()}
        counts = {v for v in least.values() if v is not None}
        if len(counts) < 2:
            continue
        lowest = min(counts)
        others = sorted(s for s, v in least.items() if v == lowest)
        for site, anns in sorted(per_site.items()):
            extra = [a for a in anns if a.prepends > lowest]
            if least[site] is None or least[site] == lowest or not extra:
                continue
            worst = max(extra, key=lambda a: a.prepends)
            yield Finding(
                worst.span,
                f"anycast {prefix} leaves {site} with at least {least[site]} prepend(s) on every eBGP "
                f"session ({worst.prepends} toward {worst.neighbor}) but with {lowest} from "
                f"{', '.join(others)}: networks "
                f"with a choice prefer the shorter path, so {site}'s catchment shrinks to clients with no "
                "other route and its traffic shifts to the other sites. Make it deliberate and the same "
                "everywhere, or document the traffic-engineering intent.",
                device=site,
            )
