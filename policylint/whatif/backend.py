"""What-if backends: who evaluates the sites' export policies and who propagates routes.

The embedded backend (the default) evaluates export policies with policylint's own evaluator and
propagates over the AS graph with :mod:`policylint.whatif.propagate`.  The Batfish backend
(:mod:`policylint.batfish.backend`, ``--engine batfish``) evaluates the site export policies on a
Batfish service and keeps the Internet-scale propagation embedded.
"""

from __future__ import annotations

from typing import Protocol

from policylint.model import IPNetwork, Network
from policylint.whatif.propagate import Catchment, Seed, Settings, propagate
from policylint.whatif.sites import Announcement, Change, Service, service_announcements
from policylint.whatif.topology import Topology


class Backend(Protocol):
    name: str

    def announcements(
        self, network: Network, service: Service, topo: Topology, change: Change
    ) -> list[Announcement]: ...

    def catchment(
        self, topo: Topology, prefix: IPNetwork, seeds: list[Seed], settings: Settings
    ) -> Catchment: ...


class EmbeddedBackend:
    name = "embedded"

    def announcements(
        self, network: Network, service: Service, topo: Topology, change: Change
    ) -> list[Announcement]:
        return service_announcements(network, service, topo, change)

    def catchment(
        self, topo: Topology, prefix: IPNetwork, seeds: list[Seed], settings: Settings
    ) -> Catchment:
        return propagate(topo, prefix, seeds, settings)
