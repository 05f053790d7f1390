"""The Batfish what-if backend: the sites' announcements as Batfish computes them.

It yields the same :class:`~policylint.whatif.sites.Announcement` objects as the embedded step
(one per site, originated prefix and eBGP neighbor, permitted or not), and the embedded
propagation runs on them, so reports and the CI gate are the same for both engines.

Per config set a snapshot is made (``init_snapshot``); withdrawn sites are deactivated in a fork
(``fork_snapshot(deactivate_nodes=...)``), so routes the remaining routers learned over iBGP from a
withdrawn one disappear as Batfish computes it.  For each site and prefix:

1. ``bgpRib`` on the site gives the route as the router holds it (after the origination's
   route-map, or as learned over iBGP / redistribution).  No route: nothing is announced.
2. ``testRoutePolicies`` (direction out) runs that route through the per-neighbor export policies
   Batfish generates (``~BGP_PEER_EXPORT_POLICY:<vrf>:<peer>~``: prefix-list, filter-list and
   route-map of the session together).
3. The local AS is put in front of the output path, as eBGP does on the wire (the policy test
   does not do it; see README, "Batfish engine", for what was verified), and communities the
   session does not send are dropped (:func:`policylint.wire.sent_route`, as the embedded step).

Failed sessions are applied as in the embedded engine (the announcement over that session is
dropped): ``fork_snapshot`` can only deactivate nodes and interfaces, and a session to a neighbor
outside the snapshot has no interface of its own to name.  Devices Batfish cannot model (ExaBGP)
are evaluated by the embedded evaluator, with a note saying so.
"""

from __future__ import annotations

from dataclasses import replace

from policylint.batfish import answers
from policylint.batfish.client import InputRoute, Service
from policylint.batfish.snapshot import node_name
from policylint.batfish.snapshots import Snapshots
from policylint.evaluate import NO_ADVERTISE, NO_EXPORT, Route
from policylint.model import Device, IPNetwork, Neighbor, Network, Role
from policylint.prefixes import afi_of
from policylint.whatif.propagate import Catchment, Seed, Settings, propagate
from policylint.whatif.sites import (
    Announcement,
    Change,
    announce,
    learned_as,
    originated_prefixes,
    via_route_server,
)
from policylint.whatif.sites import (
    Service as AnycastService,
)
from policylint.whatif.topology import Topology
from policylint.wire import sent_route

PEER_EXPORT_POLICIES = "/^~BGP_PEER_EXPORT_POLICY:/"  # a RoutingPolicySpec regex: all of a node's


def peer_export_policy(address: str, vrf: str = "default") -> str:
    """The name Batfish gives the export policy it generates for a BGP peer (Cisco and FRR/Cumulus
    conversions: ``"~BGP_PEER_EXPORT_POLICY:" + vrf + ":" + peer + "~"``)."""
    return f"~BGP_PEER_EXPORT_POLICY:{vrf}:{address}~"


class BatfishBackend:
    name = "batfish"

    def __init__(self, service: Service) -> None:
        self._service = service
        self._snaps = Snapshots(service)

    def close(self) -> None:
        self._snaps.close()

    def announcements(
        self, network: Network, service: AnycastService, topo: Topology, change: Change
    ) -> list[Announcement]:
        loaded = self._snaps.of(network)
        snapshot = self._snaps.without(loaded, change.withdraw)
        skipped = dict(loaded.snapshot.skipped)
        out: list[Announcement] = []
        for dev in network.devices:
            if dev.hostname not in service.sites or dev.hostname in change.withdraw:
                continue
            mine = set(originated_prefixes(dev))
            for prefix in service.prefixes:
                if prefix not in mine:
                    continue
                if dev.hostname in skipped:
                    note = f"{dev.hostname}: {skipped[dev.hostname]}: evaluated by policylint's own evaluator"
                    anns = [replace(a, notes=(*a.notes, note)) for a in announce(dev, prefix, topo)]
                else:
                    anns = self._site(snapshot, dev, prefix, topo, loaded.notes)
                out.extend(a for a in anns if not change.drops(a))
        return out

    def catchment(
        self, topo: Topology, prefix: IPNetwork, seeds: list[Seed], settings: Settings
    ) -> Catchment:
        return propagate(topo, prefix, seeds, settings)

    def _site(
        self, snapshot: str, dev: Device, prefix: IPNetwork, topo: Topology, notes: tuple[str, ...]
    ) -> list[Announcement]:
        asn = dev.asn
        if asn is None:
            return []
        node = node_name(dev.hostname)
        rib = [
            r
            for r in answers.rib_routes(self._service.bgp_rib(snapshot, node, str(prefix)))
            if r.network == prefix and r.best and r.node.lower() == node
        ]
        results: dict[str, answers.PolicyResult] = {}
        path: tuple[int, ...] = ()
        base_notes = list(notes)
        if rib:
            route = rib[0]
            if route.as_path is None:
                base_notes.append(f"{dev.hostname}: Batfish RIB path of {prefix} has an AS set (sent empty)")
            path = route.as_path or ()
            test = InputRoute(str(prefix), path, tuple(sorted(route.communities)))
            rows = self._service.test_route_policies(snapshot, node, PEER_EXPORT_POLICIES, [test])
            results = {r.policy: r for r in answers.policy_results(rows) if r.node.lower() == node}
        embedded = {a.neighbor: a for a in announce(dev, prefix, topo) if not a.via_route_server}
        out: list[Announcement] = []
        for nb in dev.ebgp_neighbors:
            if nb.remote_as is None:
                continue
            a = self._announcement(dev, asn, nb, prefix, topo, bool(rib), path, results, base_notes)
            other = embedded.get(nb.address)
            if other is not None and (other.permitted, other.path) != (a.permitted, a.path):
                a = replace(a, notes=(*a.notes, _disagreement(dev, nb, prefix, a, other)))
            if nb.role is Role.ROUTE_SERVER and topo.index(nb.remote_as) is None:
                out.extend(via_route_server(a, topo))
            else:
                out.append(a)
        return out

    @staticmethod
    def _announcement(  # noqa: PLR0917 (one place that puts the answer pieces together)
        dev: Device,
        asn: int,
        nb: Neighbor,
        prefix: IPNetwork,
        topo: Topology,
        in_rib: bool,
        path_in: tuple[int, ...],
        results: dict[str, answers.PolicyResult],
        notes: list[str],
    ) -> Announcement:
        assert nb.remote_as is not None
        learned, note = learned_as(dev, nb, asn, topo)
        mine = [*notes, note] if note else list(notes)
        res = results.get(peer_export_policy(nb.address))
        permitted, comms = False, frozenset[str]()
        path: tuple[int, ...] = ()
        if not in_rib:
            reason = f"Batfish: {dev.hostname} has no best BGP route for {prefix}, so nothing is announced"
        elif res is None:
            reason = f"Batfish has no export policy toward {nb.address}: the session is inactive in its model"
        elif not res.permitted:
            reason = "Batfish: the export policy denies it"
        else:
            permitted, comms = True, res.communities
            out_path = res.as_path
            if out_path is None:
                mine.append(f"{dev.hostname}: Batfish's output path toward {nb.label} has an AS set")
                out_path = path_in
            local = nb.local_as if nb.local_as is not None else asn
            path = (local, *out_path)
            reason = "Batfish: the export policy permits it"
        sent = sent_route(nb, afi_of(prefix), Route(prefix, communities=comms)).communities
        no_export = NO_EXPORT in sent or NO_ADVERTISE in sent  # only what the session sends counts
        return Announcement(
            prefix, dev.hostname, asn, nb.address, nb.remote_as, learned, permitted, path, no_export,
            reason, nb.span, tuple(mine), communities=sent if permitted else frozenset(),
        )  # fmt: skip


def _verdict(a: Announcement) -> str:
    return f"sends path {' '.join(map(str, a.path))}" if a.permitted else "sends nothing"


def _disagreement(dev: Device, nb: Neighbor, prefix: IPNetwork, bf: Announcement, ours: Announcement) -> str:
    return (
        f"{dev.hostname}: {prefix} toward {nb.label}: Batfish {_verdict(bf)}, policylint's evaluator "
        f"{_verdict(ours)} (the Batfish answer is used)"
    )
