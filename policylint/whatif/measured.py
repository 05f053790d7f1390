"""Measured catchment (``--measured-catchment``) and the site map (``--site-map``), issue 9.

Measured catchment: CSV ``asn,site[,weight[,prefix]]``, one row per client AS and site that served
it (from per-site query logs, RIPE Atlas, or ``policylint whatif-catchment`` on Verfploeter
results).  A row with a prefix is a measurement of the service announcing that prefix only; a row
without one counts for every service whose sites include its site, and a prefix's own rows win
over those for its service.  An optional header row names the columns; ``#`` starts a comment.  An
AS listed with several sites (for one prefix, or without one) is assigned the site with the largest
summed weight (weight defaults to 1); the split is counted.

Site map: one rule per line, ``KIND VALUE SITE`` separated by blanks or commas:

* ``neighbor 64601 ams1`` the origin-end neighbor AS (the AS just before the site's AS in a path);
* ``origin 65101 ams1`` a per-site marker ASN at the end of the path (a site-specific origin or
  prepended ASN);
* ``community 64500:101 ams1`` a community (or large community ``a:b:c``) the site tags its route with.

Bad rows stop the run with ``file:line`` and exit code 2; a site name the configs do not define is
reported the same way once the sites are known (:func:`check_sites`).
"""

from __future__ import annotations

import csv
import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from policylint.model import IPNetwork
from policylint.whatif.observed import ObservationError, parse_asn

_COMMUNITY = re.compile(r"^\d+:\d+(:\d+)?$")
SITEMAP_KINDS = ("neighbor", "origin", "community")


@dataclass(frozen=True, slots=True)
class Measured:
    """The base state as measured: client AS -> site, with where each row came from."""

    site: dict[int, str]  # rows without a prefix
    where: dict[tuple[IPNetwork | None, int], str]  # (prefix, asn) -> "file:line" of its first row
    split: int = 0  # ASes listed with more than one site
    path: str = ""
    scoped: dict[IPNetwork, dict[int, str]] = field(default_factory=dict)  # rows with a prefix

    def for_prefixes(self, prefixes: Iterable[IPNetwork]) -> dict[int, str]:
        """Client AS -> site for the service announcing ``prefixes``."""
        out = dict(self.site)
        for p in prefixes:
            out.update(self.scoped.get(p, {}))
        return out


@dataclass(frozen=True, slots=True)
class SiteMap:
    neighbor: dict[int, str]
    origin: dict[int, str]
    community: dict[str, str]
    where: dict[tuple[str, str], str]  # (kind, value) -> "file:line"
    path: str = ""

    def sites(self) -> Iterator[tuple[str, str]]:
        """(site, file:line) for every rule."""
        for (kind, value), where in self.where.items():
            table: dict[object, str] = getattr(self, kind)
            key: object = value if kind == "community" else int(value)
            yield table[key], where


def _rows(path: str) -> Iterator[tuple[int, list[str]]]:
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            for n, row in enumerate(csv.reader(f), 1):
                cells = [c.strip() for c in row]
                if not cells or not any(cells) or cells[0].startswith("#"):
                    continue
                yield n, cells
    except OSError as exc:
        raise ObservationError(f"{path}: {exc.strerror or exc}") from None


def load_measured(path: str) -> Measured:
    votes: dict[IPNetwork | None, dict[int, dict[str, float]]] = {}
    where: dict[tuple[IPNetwork | None, int], str] = {}
    first = True
    for n, cells in _rows(path):
        at = f"{path}:{n}"
        if first and cells[0].lower() in ("asn", "as", "client_asn"):
            first = False
            continue
        first = False
        if not 2 <= len(cells) <= 4:
            raise ObservationError(f"{at}: expected asn,site[,weight[,prefix]], found {len(cells)} fields")
        try:
            asn = parse_asn(cells[0].upper().removeprefix("AS"))
        except ValueError:
            raise ObservationError(f"{at}: {cells[0]!r} is not an AS number") from None
        if not cells[1]:
            raise ObservationError(f"{at}: empty site name")
        weight = 1.0
        if len(cells) >= 3 and cells[2]:
            try:
                weight = float(cells[2])
            except ValueError:
                raise ObservationError(f"{at}: weight {cells[2]!r} is not a number") from None
            if not weight >= 0 or weight == float("inf"):
                raise ObservationError(f"{at}: weight {cells[2]!r} must be a finite number >= 0")
        prefix: IPNetwork | None = None
        if len(cells) == 4 and cells[3]:
            try:
                prefix = ipaddress.ip_network(cells[3])
            except ValueError:
                raise ObservationError(f"{at}: {cells[3]!r} is not a prefix") from None
        per = votes.setdefault(prefix, {}).setdefault(asn, {})
        per[cells[1]] = per.get(cells[1], 0.0) + weight
        where.setdefault((prefix, asn), at)
    sites = {
        p: {asn: max(sorted(v), key=lambda s: v[s]) for asn, v in table.items()} for p, table in votes.items()
    }
    split = sum(1 for table in votes.values() for v in table.values() if len(v) > 1)
    scoped = {p: t for p, t in sites.items() if p is not None}
    return Measured(sites.get(None, {}), where, split, path, scoped)


def load_site_map(path: str) -> SiteMap:
    tables: dict[str, dict[object, str]] = {k: {} for k in SITEMAP_KINDS}
    where: dict[tuple[str, str], str] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError as exc:
        raise ObservationError(f"{path}: {exc.strerror or exc}") from None
    for n, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        at = f"{path}:{n}"
        parts = [p for p in re.split(r"[\s,]+", line) if p]
        if len(parts) != 3:
            raise ObservationError(f"{at}: expected KIND VALUE SITE (KIND: {', '.join(SITEMAP_KINDS)})")
        kind, value, site = parts
        kind = kind.lower()
        key: object
        if kind in ("neighbor", "origin"):
            try:
                key = parse_asn(value.upper().removeprefix("AS"))
            except ValueError:
                raise ObservationError(f"{at}: {value!r} is not an AS number") from None
        elif kind == "community":
            if not _COMMUNITY.match(value):
                raise ObservationError(f"{at}: {value!r} is not a community (a:b or a:b:c)")
            key = value
        else:
            raise ObservationError(f"{at}: unknown kind {kind!r} (expected {', '.join(SITEMAP_KINDS)})")
        old = tables[kind].get(key)
        if old is not None and old != site:
            raise ObservationError(f"{at}: {kind} {value} already maps to {old} ({where[(kind, str(key))]})")
        tables[kind][key] = site
        where[(kind, str(key))] = at
    return SiteMap(
        {int(str(k)): v for k, v in tables["neighbor"].items()},
        {int(str(k)): v for k, v in tables["origin"].items()},
        {str(k): v for k, v in tables["community"].items()},
        where,
        path,
    )


def check_sites(
    known: Iterable[str],
    measured: Measured | None,
    site_map: SiteMap | None,
    *,
    prefixes: Iterable[IPNetwork] = (),
) -> None:
    """Every site named in the inputs must be a site of the service, and every prefix of the
    measured catchment one of the services' ``prefixes`` (``file:line`` otherwise)."""
    names = set(known)
    listing = ", ".join(sorted(names)) or "none"
    if measured is not None:
        announced = set(prefixes)
        for (prefix, asn), at in sorted(measured.where.items(), key=lambda kv: kv[1]):
            if prefix is not None and prefix not in announced:
                raise ObservationError(f"{at}: {prefix} is no service's prefix")
            site = measured.site[asn] if prefix is None else measured.scoped[prefix][asn]
            if site not in names:
                raise ObservationError(f"{at}: unknown site {site!r} (sites: {listing})")
    if site_map is not None:
        for site, at in site_map.sites():
            if site not in names:
                raise ObservationError(f"{at}: unknown site {site!r} (sites: {listing})")
