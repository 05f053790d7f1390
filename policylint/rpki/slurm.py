"""SLURM (RFC 8416): local filters and assertions applied to VRPs.

A prefix filter drops every VRP whose prefix is the filter's prefix or more specific
(§3.3.1); with an ``asn`` too, only VRPs of that ASN; an ``asn``-only filter drops all
of that ASN's VRPs.  Prefix assertions then add VRPs (``maxPrefixLength`` defaults to
the prefix length, §3.4.1) and are not themselves filtered (§4.2).  BGPsec filters and
assertions are read for validity and otherwise ignored: router keys are not used here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policylint.rpki.loaders import VrpData, VrpRow, _decode_json, read_bytes
from policylint.rpki.vrp import MAX_LEN, RpkiDataError, check_max_length, parse_asn, parse_prefix


@dataclass(frozen=True, slots=True)
class PrefixFilter:
    version: int | None
    network: int
    length: int
    asn: int | None

    def drops(self, row: VrpRow) -> bool:
        version, network, length, _, asn = row
        if self.asn is not None and asn != self.asn:
            return False
        if self.version is None:
            return True
        if version != self.version or length < self.length:
            return False
        shift = MAX_LEN[version] - self.length
        return network >> shift == self.network >> shift


@dataclass(frozen=True, slots=True)
class Slurm:
    source: str
    filters: tuple[PrefixFilter, ...]
    assertions: tuple[VrpRow, ...]

    def apply(self, data: VrpData) -> VrpData:
        before = data.rows()
        rows = [r for r in before if not any(f.drops(r) for f in self.filters)] if self.filters else before
        filtered = len(before) - len(rows)
        kept = set(rows)
        rows = rows + [a for a in dict.fromkeys(self.assertions) if a not in kept]
        note = f"SLURM {self.source}: {filtered} VRP(s) filtered, {len(self.assertions)} asserted"
        return VrpData.from_rows(
            data.source,
            data.format,
            rows,
            generated=data.generated,
            expires=data.expires,
            notes=(*data.notes, note),
        )


def _list(doc: dict[str, Any], source: str, outer: str, inner: str) -> list[Any]:
    block = doc.get(outer)
    if not isinstance(block, dict):
        raise RpkiDataError(f"{source}: $.{outer}", "missing or not an object (RFC 8416 §3.2)")
    items = block.get(inner)
    if not isinstance(items, list):
        raise RpkiDataError(f"{source}: $.{outer}.{inner}", "missing or not a list (RFC 8416 §3.2)")
    return items


def _entry_prefix(where: str, item: dict[str, Any]) -> tuple[int, int, int] | None:
    if "prefix" not in item:
        return None
    if not isinstance(item["prefix"], str):
        raise RpkiDataError(f"{where}.prefix", f"expected a prefix string, got {item['prefix']!r}")
    try:
        return parse_prefix(item["prefix"])
    except ValueError as exc:
        raise RpkiDataError(f"{where}.prefix", str(exc)) from None


def _entry_asn(where: str, item: dict[str, Any]) -> int | None:
    if "asn" not in item:
        return None
    if type(item["asn"]) is not int:
        raise RpkiDataError(f"{where}.asn", f"expected an integer AS number, got {item['asn']!r}")
    try:
        return parse_asn(item["asn"])
    except ValueError as exc:
        raise RpkiDataError(f"{where}.asn", str(exc)) from None


def parse_slurm(source: str, data: bytes) -> Slurm:
    doc = _decode_json(source, data)
    if not isinstance(doc, dict) or doc.get("slurmVersion") != 1:
        raise RpkiDataError(f"{source}: $.slurmVersion", "not a SLURM file: expected `slurmVersion: 1`")
    filters: list[PrefixFilter] = []
    for i, item in enumerate(_list(doc, source, "validationOutputFilters", "prefixFilters")):
        where = f"{source}: $.validationOutputFilters.prefixFilters[{i}]"
        if not isinstance(item, dict):
            raise RpkiDataError(where, "expected an object")
        prefix = _entry_prefix(where, item)
        asn = _entry_asn(where, item)
        if prefix is None and asn is None:
            raise RpkiDataError(where, "a prefix filter needs `prefix`, `asn` or both (RFC 8416 §3.3.1)")
        if prefix is None:
            filters.append(PrefixFilter(None, 0, 0, asn))
        else:
            filters.append(PrefixFilter(prefix[0], prefix[1], prefix[2], asn))
    _list(doc, source, "validationOutputFilters", "bgpsecFilters")
    assertions: list[VrpRow] = []
    for i, item in enumerate(_list(doc, source, "locallyAddedAssertions", "prefixAssertions")):
        where = f"{source}: $.locallyAddedAssertions.prefixAssertions[{i}]"
        if not isinstance(item, dict):
            raise RpkiDataError(where, "expected an object")
        prefix = _entry_prefix(where, item)
        asn = _entry_asn(where, item)
        if prefix is None or asn is None:
            raise RpkiDataError(where, "a prefix assertion needs both `prefix` and `asn` (RFC 8416 §3.4.1)")
        version, network, length = prefix
        max_length = item.get("maxPrefixLength", length)
        if type(max_length) is not int:
            raise RpkiDataError(f"{where}.maxPrefixLength", f"expected an integer, got {max_length!r}")
        try:
            check_max_length(version, length, max_length)
        except ValueError as exc:
            raise RpkiDataError(f"{where}.maxPrefixLength", str(exc)) from None
        assertions.append((version, network, length, max_length, asn))
    _list(doc, source, "locallyAddedAssertions", "bgpsecAssertions")
    return Slurm(source, tuple(filters), tuple(assertions))


def load_slurm(path: str) -> Slurm:
    return parse_slurm(path, read_bytes(path))
