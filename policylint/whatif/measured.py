"""Measured catchment (``--measured-catchment``) and the site map (``--site-map``), issue 9.

Measured catchment: CSV ``asn,site[,weight]``, one row per client AS and site that served it
(from per-site query logs, RIPE Atlas, or ``policylint whatif-catchment`` on Verfploeter results).
An optional header row names the columns; ``#`` starts a comment.  An AS listed with several sites
is assigned the site with the largest summed weight (weight defaults to 1); the split is counted.

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
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from policylint.whatif.observed import ObservationError, parse_asn

_COMMUNITY = re.compile(r"^\d+:\d+(:\d+)?$")
SITEMAP_KINDS = ("neighbor", "origin", "community")


@dataclass(frozen=True, slots=True)
class Measured:
    """The base state as measured: client AS -> site, with where each row came from."""

    site: dict[int, str]
    where: dict[int, str]  # asn -> "file:line" of its (first) row
    split: int = 0  # ASes listed with more than one site
    path: str = ""


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
    votes: dict[int, dict[str, float]] = {}
    where: dict[int, str] = {}
    first = True
    for n, cells in _rows(path):
        at = f"{path}:{n}"
        if first and cells[0].lower() in ("asn", "as", "client_asn"):
            first = False
            continue
        first = False
        if len(cells) not in (2, 3):
            raise ObservationError(f"{at}: expected asn,site[,weight], found {len(cells)} fields")
        try:
            asn = parse_asn(cells[0].upper().removeprefix("AS"))
        except ValueError:
            raise ObservationError(f"{at}: {cells[0]!r} is not an AS number") from None
        if not cells[1]:
            raise ObservationError(f"{at}: empty site name")
        weight = 1.0
        if len(cells) == 3 and cells[2]:
            try:
                weight = float(cells[2])
            except ValueError:
                raise ObservationError(f"{at}: weight {cells[2]!r} is not a number") from None
            if not weight >= 0 or weight == float("inf"):
                raise ObservationError(f"{at}: weight {cells[2]!r} must be a finite number >= 0")
        votes.setdefault(asn, {})
        votes[asn][cells[1]] = votes[asn].get(cells[1], 0.0) + weight
        where.setdefault(asn, at)
    site = {asn: max(sorted(v), key=lambda s: v[s]) for asn, v in votes.items()}
    return Measured(site, where, sum(1 for v in votes.values() if len(v) > 1), path)


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


def check_sites(known: Iterable[str], measured: Measured | None, site_map: SiteMap | None) -> None:
    """Every site named in the inputs must be a site of the service (``file:line`` otherwise)."""
    names = set(known)
    listing = ", ".join(sorted(names)) or "none"
    if measured is not None:
        for asn, site in sorted(measured.site.items()):
            if site not in names:
                raise ObservationError(f"{measured.where[asn]}: unknown site {site!r} (sites: {listing})")
    if site_map is not None:
        for site, at in site_map.sites():
            if site not in names:
                raise ObservationError(f"{at}: unknown site {site!r} (sites: {listing})")
