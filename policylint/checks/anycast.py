"""Anycast rules (AC): consistency of one service announced from several sites (network scope)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from policylint.evaluate import Route, evaluate_session
from policylint.findings import Finding
from policylint.model import Device, IPNetwork, Role, SetPrepend, SetPrependLastAs, Span
from policylint.options import Options


@dataclass(frozen=True, slots=True)
class Announcement:
    neighbor: str
    prepends: int  # ASNs the export policy adds in front of the local AS
    span: Span  # the prepend that applied, or the neighbor


@dataclass(frozen=True, slots=True)
class SiteAnnouncements:
    """One device originating one prefix, and what it sends to each eBGP neighbor (a gathered fact)."""

    prefix: IPNetwork
    site: str  # hostname
    source: str  # the file, so that two devices with one hostname stay apart
    announcements: tuple[Announcement, ...]


def _announcements(device: Device, prefix: IPNetwork) -> tuple[Announcement, ...]:
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
        out.append(Announcement(nb.label, prepends, spans[-1] if spans else nb.span))
    return tuple(out)


def gather_sites(device: Device, options: Options) -> Iterator[SiteAnnouncements]:
    """Every prefix the device originates, with its per-neighbor announcements."""
    seen: set[IPNetwork] = set()
    for o in device.originations:
        if o.prefix is not None and o.prefix not in seen:
            seen.add(o.prefix)
            announcements = _announcements(device, o.prefix)
            yield SiteAnnouncements(o.prefix, device.hostname, device.source, announcements)


def anycast_sites(facts: Sequence[object]) -> dict[IPNetwork, list[SiteAnnouncements]]:
    """Prefixes originated by two or more devices, with each device's announcements."""
    origin: dict[IPNetwork, list[SiteAnnouncements]] = {}
    for fact in facts:
        if isinstance(fact, SiteAnnouncements):
            origin.setdefault(fact.prefix, []).append(fact)
    return {p: sites for p, sites in origin.items() if len({(s.site, s.source) for s in sites}) >= 2}


def ac101(facts: Sequence[object], options: Options) -> Iterator[Finding]:
    """The same anycast prefix announced with different prepending at different sites."""
    for prefix, sites in sorted(anycast_sites(facts).items(), key=lambda kv: str(kv[0])):
        per_site: dict[str, list[Announcement]] = {}
        for s in sites:
            per_site.setdefault(s.site, []).extend(s.announcements)
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
