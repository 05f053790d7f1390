"""Anycast services, their sites, and what each site announces to each eBGP neighbor.

A service is a prefix originated by two or more devices (in the base or the proposed network), or
one named explicitly; more-specifics of it originated anywhere belong to the same service (traffic
follows the longest announced prefix).  Every device that originates one of the service's prefixes
is a site, named by its hostname.  A site attaches to the AS graph through its configured eBGP
neighbors: these replace whatever the topology says about the site's own AS.

What a site announces to a neighbor is decided by the shared evaluator
(:mod:`policylint.evaluate`): the originated route goes through the origination's route-map, then
the neighbor's export filters (prefix-list, filter-list, route-map: prepends, communities, denies),
and the local AS is put in front of the path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from policylint.evaluate import NO_ADVERTISE, NO_EXPORT, Route, evaluate_policy, evaluate_session, export_path
from policylint.model import Device, IPNetwork, Neighbor, Network, Role, Span
from policylint.prefixes import afi_of
from policylint.whatif.propagate import MAX_SITES, Seed
from policylint.whatif.topology import Topology
from policylint.wire import sent_route


class ScenarioError(Exception):
    """A scenario that cannot be built (unknown site, too many sites ...): exit code 2."""


@dataclass(frozen=True, slots=True)
class Service:
    prefix: IPNetwork  # the covering prefix, which names the service
    prefixes: tuple[IPNetwork, ...]  # every announced prefix of the service, shortest first
    sites: tuple[str, ...]  # hostnames, in site-index order (the same in base and proposed)


@dataclass(frozen=True, slots=True)
class Announcement:
    """One originated prefix of one site, toward one eBGP neighbor, after the export policy."""

    prefix: IPNetwork
    site: str
    site_asn: int
    neighbor: str  # the neighbor's address as configured
    neighbor_asn: int
    learned_as: str  # how the neighbor sees it: "customer", "peer" or "provider"
    permitted: bool
    path: tuple[int, ...]  # as received by the neighbor
    no_export: bool
    reason: str
    span: Span
    notes: tuple[str, ...] = field(default=())
    via_route_server: bool = False
    # standard and large communities the neighbor receives (what the session sends); route
    # collectors see those that survive the way, and a site's own tag tells observed paths apart
    communities: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Change:
    """Edits applied on top of the proposed network: withdrawn sites and failed sessions."""

    withdraw: frozenset[str] = frozenset()
    fail_sessions: frozenset[tuple[str, str]] = frozenset()  # (site, neighbor address or ASN)

    def drops(self, a: Announcement) -> bool:
        if a.site in self.withdraw:
            return True
        keys = {a.neighbor, str(a.neighbor_asn), f"AS{a.neighbor_asn}", f"as{a.neighbor_asn}"}
        return any(site == a.site and nb in keys for site, nb in self.fail_sessions)


def originated_prefixes(device: Device) -> Iterable[IPNetwork]:
    for o in device.originations:
        if o.prefix is not None:
            yield o.prefix


def _within(p: IPNetwork, q: IPNetwork) -> bool:
    """``p`` is a strict more-specific of ``q``."""
    if p == q or p.version != q.version or p.prefixlen <= q.prefixlen:
        return False
    return p.supernet(new_prefix=q.prefixlen) == q


def _order(p: IPNetwork) -> tuple[int, int, int]:
    return (p.version, int(p.network_address), p.prefixlen)


def find_services(
    networks: Sequence[Network], named: Sequence[IPNetwork] = (), skipped: list[str] | None = None
) -> list[Service]:
    """Services over all given networks (base and proposed), with one site order for all.

    A default route is never a service unless named.  A service with more sites than the engine
    supports is an error, or, when ``skipped`` is given, left out with a message appended to it."""
    origins: dict[IPNetwork, set[str]] = {}
    for net in networks:
        for dev in net.devices:
            for p in originated_prefixes(dev):
                origins.setdefault(p, set()).add(dev.hostname)
    anycast = {p for p, devs in origins.items() if len(devs) >= 2 and p.prefixlen > 0} | set(named)
    roots = sorted((p for p in anycast if not any(_within(p, q) for q in anycast)), key=_order)
    services = []
    for root in roots:
        members = [p for p in origins if p == root or _within(p, root)]
        if root not in members:
            members.append(root)
        sites = sorted({h for p in members for h in origins.get(p, ())})
        if not sites:
            continue  # named, but nobody originates it
        if len(sites) > MAX_SITES:
            msg = f"{root}: {len(sites)} sites; at most {MAX_SITES} per service are supported: skipped"
            if skipped is None:
                raise ScenarioError(msg)
            skipped.append(msg)
            continue
        prefixes = tuple(sorted(members, key=lambda p: (p.prefixlen, p)))
        services.append(Service(root, prefixes, tuple(sites)))
    return services


def learned_as(device: Device, nb: Neighbor, asn: int, topo: Topology) -> tuple[str, str | None]:
    """How the neighbor classifies our route, from its configured role, else from the topology."""
    role = nb.role
    if role is Role.PROVIDER:
        return "customer", None
    if role is Role.CUSTOMER:
        return "provider", None
    if role in (Role.PEER, Role.ROUTE_SERVER, Role.RS_CLIENT):
        return "peer", None
    rel = topo.relationship(asn, nb.remote_as) if nb.remote_as is not None else None
    if rel == "provider":
        return "customer", None
    if rel == "customer":
        return "provider", None
    if rel == "peer":
        return "peer", None
    note = (
        f"{device.hostname}: role of neighbor {nb.label} is unknown and the topology has no "
        f"AS{asn}-AS{nb.remote_as} link: treated as a transit provider"
    )
    return "customer", note


def announce(device: Device, prefix: IPNetwork, topo: Topology) -> list[Announcement]:
    """The site's announcements of ``prefix`` to each of its eBGP neighbors (denied ones included)."""
    asn = device.asn
    out: list[Announcement] = []
    if asn is None:
        return out
    origin_notes: list[str] = []
    route = Route(prefix)
    for o in device.originations:
        if o.prefix == prefix and o.route_map is not None:
            dec = evaluate_policy(device, o.route_map.name, route, local_as=asn)
            if not dec.permitted:
                return out  # the origination route-map denies it: nothing is originated
            route = dec.route
            if dec.uncertain:
                origin_notes.append(
                    f"{device.hostname}: origination route-map {o.route_map.name} not fully modelled"
                )
            break
    afi = afi_of(prefix)
    for nb in device.ebgp_neighbors:
        if nb.remote_as is None:
            continue
        dec = evaluate_session(device, nb, afi, "export", route)
        notes = list(origin_notes)
        if dec.uncertain:
            notes.append(
                f"{device.hostname}: export to {nb.label} depends on a condition the model does not know"
            )
        learned, note = learned_as(device, nb, asn, topo)
        if note:
            notes.append(note)
        path = export_path(device, nb, dec) if dec.permitted else ()
        wire = sent_route(nb, afi, dec.route)  # NO_EXPORT only counts if it is sent
        comms = wire.communities
        base = Announcement(
            prefix, device.hostname, asn, nb.address, nb.remote_as, learned, dec.permitted, path,
            NO_EXPORT in comms or NO_ADVERTISE in comms, dec.reason, nb.span, tuple(notes),
            communities=comms | wire.large_communities if dec.permitted else frozenset(),
        )  # fmt: skip
        if nb.role is Role.ROUTE_SERVER and topo.index(nb.remote_as) is None:
            out.extend(via_route_server(base, topo))
        else:
            out.append(base)
    return out


def via_route_server(a: Announcement, topo: Topology) -> list[Announcement]:
    """A transparent route server (not in the graph): its members, the site AS's multilateral peers."""
    members = topo.mlp_peers(a.site_asn)
    if not members:
        note = f"route server AS{a.neighbor_asn} is not in the topology and AS{a.site_asn} has no mlp peers"
        return [_with(a, notes=(*a.notes, note))]
    if a.permitted and a.neighbor_asn in a.path:
        reason = f"the route server AS{a.neighbor_asn} drops paths that contain its own ASN (loop)"
        return [_with(a, permitted=False, reason=reason)]
    return [_with(a, neighbor_asn=m, learned_as="peer", via_route_server=True) for m in members]


def _with(a: Announcement, **changes: object) -> Announcement:
    from dataclasses import replace

    return replace(a, **changes)  # type: ignore[arg-type]


def service_announcements(
    network: Network, service: Service, topo: Topology, change: Change = Change()
) -> list[Announcement]:
    out: list[Announcement] = []
    for dev in network.devices:
        if dev.hostname not in service.sites:
            continue
        mine = set(originated_prefixes(dev))
        for prefix in service.prefixes:
            if prefix in mine:
                out.extend(a for a in announce(dev, prefix, topo) if not change.drops(a))
    return out


def seeds(service: Service, announcements: Iterable[Announcement], prefix: IPNetwork) -> list[Seed]:
    index = {s: i for i, s in enumerate(service.sites)}
    return [
        Seed(index[a.site], a.neighbor_asn, a.learned_as, a.path, a.no_export)
        for a in announcements
        if a.permitted and a.prefix == prefix and a.path
    ]


def check_change(networks: Sequence[Network], change: Change) -> None:
    """Unknown site names or sessions are input errors, not silent no-ops."""
    devices = {d.hostname: d for net in networks for d in net.devices}
    for site in sorted(change.withdraw):
        if site not in devices:
            raise ScenarioError(f"--withdraw {site}: no device with that hostname ({_known(devices)})")
    for site, nb in sorted(change.fail_sessions):
        dev = devices.get(site)
        if dev is None:
            raise ScenarioError(
                f"--fail-session {site}:{nb}: no device with that hostname ({_known(devices)})"
            )
        keys = {n.address for n in dev.neighbors} | {
            k
            for n in dev.neighbors
            if n.remote_as is not None
            for k in (str(n.remote_as), f"AS{n.remote_as}")
        }
        if nb not in keys and nb.upper() not in keys:
            raise ScenarioError(f"--fail-session {site}:{nb}: {site} has no neighbor {nb}")


def _known(devices: dict[str, Device]) -> str:
    names = sorted(devices)
    return "known: " + ", ".join(names[:10]) + (" ..." if len(names) > 10 else "") if names else "no devices"
