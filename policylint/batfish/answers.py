"""Batfish answers (pybatfish ``answer().frame()`` rows) into plain, typed values.

Rows are mappings of column name to the value pybatfish decoded for that column's schema: strings,
ints, lists, and ``pybatfish.datamodel.route.BgpRoute`` objects for ``BgpRoute`` columns.  Only the
documented columns are read (pybatfish docs/source/notebooks: routingProtocols.ipynb for
testRoutePolicies/searchRoutePolicies, routingTables.ipynb for bgpRib, snapshot.ipynb for
fileParseStatus/parseWarning).  A row without a column we need is an :class:`AnswerError`:
an answer of another shape is never guessed at.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policylint.batfish.errors import BatfishError
from policylint.evaluate import normalize_community
from policylint.model import IPNetwork

Record = Mapping[str, Any]

PARSE_FAILED = frozenset({"FAILED"})  # fileParseStatus: the file could not be used at all
PARSE_PARTIAL = frozenset({"PARTIALLY_UNRECOGNIZED"})


class AnswerError(BatfishError):
    """An answer that does not have the documented shape."""


def _col(row: Record, name: str, question: str) -> Any:
    if name not in row:
        raise AnswerError(f"Batfish {question} answer has no {name!r} column (columns: {', '.join(row)})")
    return row[name]


def _field(route: Any, name: str) -> Any:
    """A BgpRoute field: pybatfish objects have attributes; a raw JSON answer has keys."""
    if isinstance(route, Mapping):
        return route.get(name)
    return getattr(route, name, None)


def as_path(value: Any) -> tuple[int, ...] | None:
    """A Batfish AS path as a flat tuple of ASNs; None when it has an AS set or cannot be read.

    ``BgpRoute.asPath`` is a list of elements ``{"asns": [...], "confederation": bool}``
    (routingProtocols.ipynb); an element with one ASN is one hop of the sequence, one with several is
    an AS set.  bgpRib's ``AS_Path`` column is text such as ``"2 1"`` (routingTables.ipynb)."""
    if value is None:
        return ()
    if isinstance(value, str):
        try:
            return tuple(int(t) for t in value.split())
        except ValueError:
            return None  # "{1,2}" AS sets and the like: not a plain sequence
    out: list[int] = []
    for seg in value:
        asns = _field(seg, "asns")
        if asns is None or _field(seg, "confederation") or len(asns) != 1:
            return None
        out.extend(int(a) for a in asns)
    return tuple(out)


def communities(value: Any) -> frozenset[str]:
    if not value:
        return frozenset()
    return frozenset(normalize_community(str(c)) for c in value)


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """One testRoutePolicies / searchRoutePolicies row."""

    node: str
    policy: str
    network: IPNetwork | None  # of the input route
    permitted: bool
    as_path: tuple[int, ...] | None  # of the output route (None: denied, or not a plain path)
    communities: frozenset[str]


def _network(text: Any) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(str(text), strict=False)
    except ValueError:
        return None


def policy_results(rows: Iterable[Record], question: str = "testRoutePolicies") -> list[PolicyResult]:
    """Columns Node, Policy_Name, Input_Route, Action, Output_Route (Difference and Trace unused)."""
    out = []
    for row in rows:
        action = str(_col(row, "Action", question)).upper()
        if action not in ("PERMIT", "DENY"):
            raise AnswerError(f"Batfish {question} answer has Action {action!r} (expected PERMIT or DENY)")
        inp = _col(row, "Input_Route", question)
        outp = _col(row, "Output_Route", question)
        permitted = action == "PERMIT"
        out.append(
            PolicyResult(
                node=str(_col(row, "Node", question)),
                policy=str(_col(row, "Policy_Name", question)),
                network=_network(_field(inp, "network")) if inp is not None else None,
                permitted=permitted,
                as_path=as_path(_field(outp, "asPath")) if permitted and outp is not None else None,
                communities=communities(_field(outp, "communities")) if permitted and outp is not None
                else frozenset(),
            )
        )  # fmt: skip
    return out


@dataclass(frozen=True, slots=True)
class RibRoute:
    """One bgpRib row."""

    node: str
    vrf: str
    network: IPNetwork | None
    protocol: str  # "bgp" or "ibgp"
    as_path: tuple[int, ...] | None
    communities: frozenset[str]
    best: bool


def rib_routes(rows: Iterable[Record]) -> list[RibRoute]:
    """Columns Node, VRF, Network, Status, Protocol, AS_Path, Communities (routingTables.ipynb)."""
    q = "bgpRib"
    out = []
    for row in rows:
        status = _col(row, "Status", q) or []
        out.append(
            RibRoute(
                node=str(_col(row, "Node", q)),
                vrf=str(_col(row, "VRF", q)),
                network=_network(_col(row, "Network", q)),
                protocol=str(_col(row, "Protocol", q)),
                as_path=as_path(_col(row, "AS_Path", q)),
                communities=communities(_col(row, "Communities", q)),
                best="BEST" in [str(s) for s in status],
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class FileStatus:
    name: str
    status: str
    file_format: str
    nodes: tuple[str, ...]


def file_statuses(rows: Iterable[Record]) -> list[FileStatus]:
    """fileParseStatus: columns File_Name, Status, File_Format, Nodes (snapshot.ipynb)."""
    q = "fileParseStatus"
    return [
        FileStatus(
            str(_col(r, "File_Name", q)),
            str(_col(r, "Status", q)),
            str(_col(r, "File_Format", q)),
            tuple(str(n) for n in (_col(r, "Nodes", q) or ())),
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class ParseWarning:
    filename: str
    line: int | None
    text: str
    comment: str


def parse_warnings(rows: Iterable[Record]) -> list[ParseWarning]:
    """parseWarning: columns Filename, Line, Text, Parser_Context, Comment (snapshot.ipynb)."""
    q = "parseWarning"
    out = []
    for r in rows:
        line = _col(r, "Line", q)
        out.append(
            ParseWarning(
                str(_col(r, "Filename", q)),
                int(line) if line is not None else None,
                str(_col(r, "Text", q) or ""),
                str(_col(r, "Comment", q) or ""),
            )
        )
    return out


def failed_files(statuses: Sequence[FileStatus]) -> list[FileStatus]:
    return [s for s in statuses if s.status in PARSE_FAILED]
