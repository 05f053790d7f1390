"""The pybatfish client: the only module that imports pybatfish, and only inside functions.

:class:`Service` is what the rest of policylint needs from Batfish; :class:`PybatfishService`
implements it over ``pybatfish.client.session.Session``, turning every failure (no pybatfish, no
route to the host, refused connection, timeout, an exception from the service) into one
:class:`BatfishError`.  Before a Session is made, a plain TCP connect with a timeout checks that
something listens on the port, so an unreachable host fails in ``timeout`` seconds, not in
pybatfish's retry loop.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from policylint.batfish.answers import Record
from policylint.batfish.errors import BatfishError

DEFAULT_PORT = 9996  # pybatfish: CoordConsts.SVC_CFG_WORK_V2_PORT (the Session's default port)
DEFAULT_TIMEOUT = 30.0
NETWORK = "policylint"
INSTALL_HINT = "pip install 'policylint[batfish]'"


@dataclass(frozen=True, slots=True)
class InputRoute:
    """A route to test against a policy (becomes a pybatfish ``BgpRoute``)."""

    network: str
    as_path: tuple[int, ...] = ()
    communities: tuple[str, ...] = ()


class Service(Protocol):
    """The Batfish questions policylint asks; rows as ``answer().frame()`` gives them."""

    def init_snapshot(self, directory: str) -> str: ...

    def fork_snapshot(self, base: str, deactivate_nodes: Sequence[str]) -> str: ...

    def delete_snapshot(self, name: str) -> None: ...

    def file_parse_status(self, snapshot: str) -> list[Record]: ...

    def parse_warnings(self, snapshot: str) -> list[Record]: ...

    def test_route_policies(
        self, snapshot: str, node: str, policies: str, routes: Sequence[InputRoute]
    ) -> list[Record]: ...

    def search_route_policies(
        self, snapshot: str, node: str, policies: str, prefixes: Sequence[str]
    ) -> list[Record]: ...

    def bgp_rib(self, snapshot: str, node: str, network: str) -> list[Record]: ...


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_endpoint(spec: str) -> Endpoint:
    """``HOST``, ``HOST:PORT`` or ``[V6]:PORT``; the port defaults to pybatfish's 9996."""
    text = spec.strip()
    if not text:
        raise BatfishError("--batfish-host is empty")
    host, port = text, DEFAULT_PORT
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise BatfishError(f"--batfish-host {spec!r}: missing ']'")
        host, rest = text[1:end], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise BatfishError(f"--batfish-host {spec!r}: expected [ADDRESS]:PORT")
            port = _port(rest[1:], spec)
    elif text.count(":") == 1:
        host, raw = text.split(":")
        port = _port(raw, spec)
    if not host:
        raise BatfishError(f"--batfish-host {spec!r}: no host name")
    return Endpoint(host, port)


def _port(raw: str, spec: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise BatfishError(f"--batfish-host {spec!r}: port must be a number from 1 to 65535")
    return int(raw)


def probe(endpoint: Endpoint, timeout: float) -> None:
    """Fail fast and clearly when nothing answers at the endpoint."""
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout):
            return
    except TimeoutError:
        raise BatfishError(
            f"Batfish service at {endpoint} did not answer within {timeout:g} s (timeout)"
        ) from None
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise BatfishError(f"Batfish service at {endpoint} is unreachable: {reason}") from None


def _failure(what: str, exc: BaseException, timeout: float) -> BatfishError:
    name = type(exc).__name__
    if "Timeout" in name or isinstance(exc, TimeoutError) or "timed out" in str(exc).lower():
        return BatfishError(f"Batfish {what} timed out: no answer within {timeout:g} s (pybatfish retries)")
    if "ConnectionError" in name or isinstance(exc, ConnectionError):
        return BatfishError(f"Batfish {what} failed: connection error ({name})")
    text = str(exc).strip().splitlines()
    return BatfishError(f"Batfish {what} failed: {name}: {text[0] if text else ''}".rstrip(": "))


class PybatfishService:
    """A live Batfish service through pybatfish."""

    def __init__(self, session: Any, timeout: float) -> None:
        self._bf = session
        self._timeout = timeout

    @classmethod
    def connect(cls, spec: str, timeout: float = DEFAULT_TIMEOUT) -> PybatfishService:
        endpoint = parse_endpoint(spec)
        try:
            from pybatfish.client.session import Session
        except ImportError:
            raise BatfishError(f"the Batfish engine needs pybatfish: {INSTALL_HINT}") from None
        probe(endpoint, timeout)
        try:
            try:
                bf = Session(host=endpoint.host, port=endpoint.port, timeout=timeout)
            except TypeError:  # a pybatfish from before the timeout parameter
                bf = Session(host=endpoint.host, port=endpoint.port)
            bf.set_network(NETWORK)
        except Exception as exc:
            raise _failure(f"session with {endpoint}", exc, timeout) from None
        return cls(bf, timeout)

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise _failure(what, exc, self._timeout) from None

    def _rows(self, what: str, question: Any, snapshot: str) -> list[Record]:
        frame = self._call(what, lambda: question.answer(snapshot=snapshot).frame())
        rows: list[Record] = frame.to_dict("records")
        return rows

    def init_snapshot(self, directory: str) -> str:
        name = f"policylint-{uuid.uuid4().hex[:12]}"
        return str(self._call("init_snapshot", self._bf.init_snapshot, directory, name=name, overwrite=True))

    def fork_snapshot(self, base: str, deactivate_nodes: Sequence[str]) -> str:
        name = f"{base}-fork-{uuid.uuid4().hex[:8]}"
        self._call(
            "fork_snapshot", self._bf.fork_snapshot, base, name=name, deactivate_nodes=list(deactivate_nodes)
        )
        return name

    def delete_snapshot(self, name: str) -> None:
        self._call("delete_snapshot", self._bf.delete_snapshot, name)

    def file_parse_status(self, snapshot: str) -> list[Record]:
        return self._rows("fileParseStatus", self._bf.q.fileParseStatus(), snapshot)

    def parse_warnings(self, snapshot: str) -> list[Record]:
        return self._rows("parseWarning", self._bf.q.parseWarning(), snapshot)

    def test_route_policies(
        self, snapshot: str, node: str, policies: str, routes: Sequence[InputRoute]
    ) -> list[Record]:
        from pybatfish.datamodel.route import BgpRoute

        bgp_routes = [
            BgpRoute(
                network=r.network,
                originatorIp="0.0.0.0",
                originType="igp",
                protocol="bgp",
                asPath=[{"asns": [a], "confederation": False} for a in r.as_path],
                communities=list(r.communities),
            )
            for r in routes
        ]
        q = self._bf.q.testRoutePolicies(
            nodes=node, policies=policies, inputRoutes=bgp_routes, direction="out"
        )
        return self._rows("testRoutePolicies", q, snapshot)

    def search_route_policies(
        self, snapshot: str, node: str, policies: str, prefixes: Sequence[str]
    ) -> list[Record]:
        from pybatfish.datamodel.route import BgpRouteConstraints

        q = self._bf.q.searchRoutePolicies(
            nodes=node,
            policies=policies,
            inputConstraints=BgpRouteConstraints(prefix=list(prefixes)),
            action="permit",
        )
        return self._rows("searchRoutePolicies", q, snapshot)

    def bgp_rib(self, snapshot: str, node: str, network: str) -> list[Record]:
        return self._rows("bgpRib", self._bf.q.bgpRib(nodes=node, network=network), snapshot)
