"""Batfish-backed evaluation (optional; ``pip install 'policylint[batfish]'``).

Batfish (https://www.batfish.org) simulates the operator's own routers from their configurations.
policylint asks it what it is exact at: how a site's export policy treats the originated route
(``testRoutePolicies``), what a router's BGP RIB holds (``bgpRib``), and whether an export policy
can permit a class of routes at all (``searchRoutePolicies``).  The Internet-scale propagation stays
in :mod:`policylint.whatif.propagate`.

Nothing here imports pybatfish at module level: only :mod:`policylint.batfish.client` does, inside
its functions, so the default install and start-up never pay for it.
"""
