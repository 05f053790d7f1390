"""A Batfish ``Service`` that answers from the recorded fixtures in tests/fixtures/batfish.

Answers go through pybatfish's own decoding (``TableAnswer(...).frame()``), then are filtered by the
question's node (and network / input route), as the live service would select them."""

from __future__ import annotations

import importlib
import ipaddress
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from policylint.batfish.answers import Record
from policylint.batfish.client import InputRoute

FIXTURES = Path(__file__).parent / "fixtures" / "batfish"
NETWORK = FIXTURES / "network"


def frame_rows(name: str) -> list[Record]:
    """A fixture file's rows, or (text starting with "{") an answer given inline."""
    table: Any = importlib.import_module("pybatfish.datamodel.answer.table")  # untyped API
    if name.lstrip().startswith("{"):
        data = json.loads(name)
    else:
        with open(FIXTURES / name, encoding="utf-8") as fh:
            data = json.load(fh)
    rows: list[Record] = table.TableAnswer(data).frame().to_dict("records")
    return rows


def _in_ranges(network: str, ranges: Sequence[str]) -> bool:
    """``network`` matches a searchRoutePolicies prefix range ``PREFIX:LOW-HIGH``."""
    net = ipaddress.ip_network(network)
    for spec in ranges:
        prefix, _, lengths = spec.rpartition(":")
        low, _, high = lengths.partition("-")
        outer = ipaddress.ip_network(prefix)
        inside = net.version == outer.version and outer.supernet_of(net)  # type: ignore[arg-type]
        if inside and int(low) <= net.prefixlen <= int(high):
            return True
    return False


class RecordedService:
    def __init__(self, answers: Mapping[str, str] | None = None) -> None:
        self.files = {
            "fileParseStatus": "file_parse_status.json",
            "parseWarning": "parse_warning.json",
            "testRoutePolicies": "test_route_policies.json",
            "searchRoutePolicies": "search_route_policies.json",
            "bgpRib": "bgp_rib.json",
            **(answers or {}),
        }
        self.calls: list[tuple[str, Any]] = []
        self.uploaded: list[list[str]] = []
        self.deleted: list[str] = []

    def _rows(self, question: str) -> list[Record]:
        return frame_rows(self.files[question])

    def init_snapshot(self, directory: str) -> str:
        found: list[str] = []
        for root, _dirs, files in os.walk(directory):
            found.extend(os.path.relpath(os.path.join(root, f), directory) for f in files)
        self.uploaded.append(sorted(found))
        name = f"snap{len(self.uploaded)}"
        self.calls.append(("init_snapshot", name))
        return name

    def fork_snapshot(self, base: str, deactivate_nodes: Sequence[str]) -> str:
        self.calls.append(("fork_snapshot", (base, tuple(deactivate_nodes))))
        return f"{base}-fork"

    def delete_snapshot(self, name: str) -> None:
        self.deleted.append(name)

    def file_parse_status(self, snapshot: str) -> list[Record]:
        return self._rows("fileParseStatus")

    def parse_warnings(self, snapshot: str) -> list[Record]:
        return self._rows("parseWarning")

    def test_route_policies(
        self, snapshot: str, node: str, policies: str, routes: Sequence[InputRoute]
    ) -> list[Record]:
        self.calls.append(("testRoutePolicies", (snapshot, node, policies, tuple(routes))))
        nets = {r.network for r in routes}
        return [
            r for r in self._rows("testRoutePolicies")
            if r["Node"] == node and r["Input_Route"].network in nets
        ]  # fmt: skip

    def search_route_policies(
        self, snapshot: str, node: str, policies: str, prefixes: Sequence[str]
    ) -> list[Record]:
        self.calls.append(("searchRoutePolicies", (snapshot, node, policies, tuple(prefixes))))
        return [
            r for r in self._rows("searchRoutePolicies")
            if r["Node"] == node and _in_ranges(r["Input_Route"].network, prefixes)
        ]  # fmt: skip

    def bgp_rib(self, snapshot: str, node: str, network: str) -> list[Record]:
        self.calls.append(("bgpRib", (snapshot, node, network)))
        return [r for r in self._rows("bgpRib") if r["Node"] == node and r["Network"] == network]
