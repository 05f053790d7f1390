"""Calibrated what-if (issue 9) on a small hand-built Internet whose answers are worked out below.

Topology (CAIDA serial-2)::

    1 -- 2          tier-1 peers
    |    |
    10   20         10 is a customer of 1, 20 a customer of 2
    |  \\ |          30 is a customer of 10 and a peer of 20
    |   30          40 is a customer of 1 and of 2
    |   |           50 is a customer of 30
    s1  50   s2 -> 20

Sites (real FRR configs, AS64500): s1 announces to its provider 10, s2 to its provider 20.

Plain model, base: 10 and 20 take their site's route; 1 -> s1, 2 -> s2; 30 has a provider route
(10, s1) and a peer route (20, s2) and takes the peer route -> s2; 50 follows 30 -> s2; 40 ties
between 1 (s1) and 2 (s2), both length 3, and takes AS1 -> s1.

Reality (observed): AS30 prefers its provider 10 over its peer 20 (it breaks Gao-Rexford), seen on
the path ``30 10 64500``.  Measured: AS40 is served by s2.
"""

from __future__ import annotations

import ipaddress
import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from frrlab_configs import Site, SiteConfig, SiteLink, site_config
from mrt_build import Route, rib_dump
from typer.testing import CliRunner
from whatif_reference import random_hierarchy

from policylint.cli import app
from policylint.whatif.overrides import Engine, Overrides, RouteState
from policylint.whatif.propagate import Seed, Settings, propagate
from policylint.whatif.topology import load_topology

TOPOLOGY = (
    "1|2|0|bgp\n1|10|-1|bgp\n2|20|-1|bgp\n10|30|-1|bgp\n20|30|0|bgp\n1|40|-1|bgp\n2|40|-1|bgp\n30|50|-1|bgp\n"
)
SITES = [Site("s1", (SiteLink(10, "provider"),)), Site("s2", (SiteLink(20, "provider"),))]
OBSERVED = "TABLE_DUMP2|1756684800|B|192.0.2.30|30|10.99.0.0/23|30 10 64500|IGP|192.0.2.30|0|0||NAG||\n"


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))


def _configs(d: Path, cfgs: dict[str, SiteConfig]) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    for i, site in enumerate(SITES):
        if site.name in cfgs:
            addr = {link.neighbor: f"10.200.{i}.{k + 1}" for k, link in enumerate(site.links)}
            (d / f"{site.name}.conf").write_text(site_config(site, i, cfgs[site.name], addr))
    return d


def _world(tmp_path: Path) -> tuple[Path, Path]:
    base = _configs(tmp_path / "base", {"s1": SiteConfig(), "s2": SiteConfig()})
    topo = tmp_path / "topology.txt"
    topo.write_text(TOPOLOGY)
    return base, topo


def _whatif(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["whatif", *args])
    return res.exit_code, res.stdout, res.stderr


def _json(*args: str) -> dict[str, Any]:
    code, out, err = _whatif(*args, "--format", "json", "--per-as")
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def _rows(doc: dict[str, Any]) -> dict[int, tuple[str, str, str]]:
    return {r["asn"]: (r["before"], r["after"], r["basis"]) for r in doc["services"][0]["per_as"]}


def test_plain_model_has_no_calibration(tmp_path: Path) -> None:
    base, topo = _world(tmp_path)
    doc = _json(str(base), "--topology", str(topo), "--withdraw", "s2")
    assert doc["calibration"] is None and doc["services"][0]["calibration"] is None
    rows = _rows(doc)
    assert rows[30] == ("s2", "s1", "model") and rows[40] == ("s1", "s1", "model")
    assert {r[2] for r in rows.values()} == {"model"}


def test_observed_path_pins_and_teaches_a_preference(tmp_path: Path) -> None:
    """Proposed: s1 prepends twice toward 10.  Real AS30 keeps its provider route (s1); so does 50.

    Plain model: 30 and 50 stay on s2 (no move); 40 moves s1 -> s2 (via 1 the path is now 5 long,
    via 2 still 3).  Calibrated: 30 pinned to 10 in the base (observed), and because the model ranks
    the peer route above that provider route, AS30 learns a preference for AS10, which holds after the
    prepend: 30 and 50 stay on s1.  50 is inferred (it follows a corrected AS)."""
    base, topo = _world(tmp_path)
    prop = _configs(
        tmp_path / "prop",
        {"s1": SiteConfig(sets={10: ("set as-path prepend 64500 64500",)}), "s2": SiteConfig()},
    )
    obs = tmp_path / "rib.txt"
    obs.write_text(OBSERVED)
    plain = _rows(_json(str(base), str(prop), "--topology", str(topo)))
    assert plain[30][:2] == ("s2", "s2") and plain[50][:2] == ("s2", "s2")
    assert plain[40][:2] == ("s1", "s2")
    doc = _json(str(base), str(prop), "--topology", str(topo), "--observed-paths", str(obs))
    rows = _rows(doc)
    assert rows[30] == ("s1", "s1", "observed")
    assert rows[10] == ("s1", "s1", "observed")  # on the observed path too
    assert rows[50] == ("s1", "s1", "inferred")
    assert rows[40] == ("s1", "s2", "model")
    assert rows[1] == ("s1", "s1", "model") and rows[2] == ("s2", "s2", "model")
    cal = doc["services"][0]["calibration"]
    assert cal["pinned_ases"] == 2 and cal["learned_preferences"] == 1 and cal["observed_paths"] == 1
    assert cal["changed_from_model"] == {"before": 2, "after": 2}
    assert cal["moved_weight_basis"] == {"observed": 0.0, "inferred": 0.0, "model": 100.0}
    assert doc["calibration"]["paths"]["used"] == 1


def test_conflicting_paths_of_equal_time_do_not_depend_on_reading_order(tmp_path: Path) -> None:
    """Two monitors stamped with the same second disagree about AS30's choice: the answer is the
    same whichever order the lines (or files) come in."""
    base, topo = _world(tmp_path)
    lines = [
        OBSERVED,
        "TABLE_DUMP2|1756684800|B|192.0.2.50|50|10.99.0.0/23|50 30 20 64500|IGP|192.0.2.50|0|0||NAG||\n",
    ]
    got = []
    for order in (lines, lines[::-1]):
        obs = tmp_path / "rib.txt"
        obs.write_text("".join(order))
        doc = _json(str(base), str(base), "--topology", str(topo), "--observed-paths", str(obs))
        assert doc["calibration"]["paths"]["conflicts"] == 1
        got.append(_rows(doc))
    assert got[0] == got[1]
    assert got[0][30][0] == "s2"  # AS50 sorts after AS30: its path is the later word


def test_measured_catchment_anchors_and_headline(tmp_path: Path) -> None:
    """Withdraw s2.  Measured: AS40 is on s2 today (the model, tied, says s1).

    Calibrated base: 30 s1 (observed), 50 s1 (inferred), 40 s2 (measured; re-anchored by a learned
    preference for AS2).  After the withdrawal everything is on s1.  Moved: 2 and 20 (model) and 40
    (observed): one third of the moved weight rests on observation.  The plain model instead moves
    2, 20, 30 and 50."""
    base, topo = _world(tmp_path)
    obs = tmp_path / "rib.txt"
    obs.write_text(OBSERVED)
    meas = tmp_path / "catchment.csv"
    meas.write_text("asn,site\n40,s2\n")
    args = [str(base), "--topology", str(topo), "--withdraw", "s2", "--observed-paths", str(obs)]
    args += ["--measured-catchment", str(meas)]
    doc = _json(*args)
    rows = _rows(doc)
    assert rows[40] == ("s2", "s1", "observed")
    assert rows[30] == ("s1", "s1", "observed") and rows[50] == ("s1", "s1", "inferred")
    assert rows[2] == ("s2", "s1", "model") and rows[20] == ("s2", "s1", "model")
    svc = doc["services"][0]
    assert svc["moved"]["ases"] == 3
    cal = svc["calibration"]
    assert cal["moved_weight_basis"] == {"observed": 33.333, "inferred": 0.0, "model": 66.667}
    assert cal["model_moved"]["ases"] == 4
    assert (cal["measured_ases"], cal["reanchored_ases"], cal["unreproduced_ases"]) == (1, 1, 0)
    code, text, _ = _whatif(*args)
    assert code == 0
    assert "calibration: 33% of the moved weight is backed by observations (0% inferred" in text
    assert (
        "plain model: 57.1% moves (4 ASes); calibration changed the predicted site of 3 ASes before" in text
    )


def test_measured_rows_scoped_to_a_prefix(tmp_path: Path) -> None:
    """A row for the service's prefix is the same measurement as a row for every service; a row for
    another prefix does not anchor this one."""
    base, topo = _world(tmp_path)
    meas = tmp_path / "catchment.csv"
    args = [str(base), "--topology", str(topo), "--withdraw", "s2", "--measured-catchment", str(meas)]
    meas.write_text("40,s2\n")
    everywhere = _json(*args)
    meas.write_text("40,s2,,10.99.0.0/23\n")
    assert _json(*args)["services"] == everywhere["services"]
    assert everywhere["services"][0]["calibration"]["measured_ases"] == 1
    meas.write_text("40,s2,1,10.99.0.0/23\n40,s1,1\n")  # its prefix's own row wins
    assert _json(*args)["services"] == everywhere["services"]


def test_mrt_observations_give_the_same_answer(tmp_path: Path) -> None:
    base, topo = _world(tmp_path)
    txt, mrt = tmp_path / "rib.txt", tmp_path / "rib.mrt"
    txt.write_text(OBSERVED)
    mrt.write_bytes(rib_dump([Route("192.0.2.30", 30, "10.99.0.0/23", (30, 10, 64500))]))
    a = _json(str(base), "--topology", str(topo), "--withdraw", "s2", "--observed-paths", str(txt))
    b = _json(str(base), "--topology", str(topo), "--withdraw", "s2", "--observed-paths", str(mrt))
    assert a["services"] == b["services"]


def test_raw_collector_file_other_prefixes_skipped(tmp_path: Path) -> None:
    """A raw collector file holds the whole table: records about prefixes of no service are skipped
    (and counted) without changing the prediction."""
    base, topo = _world(tmp_path)
    obs = tmp_path / "rib.txt"
    obs.write_text(OBSERVED)
    only = _json(str(base), "--topology", str(topo), "--withdraw", "s2", "--observed-paths", str(obs))
    other = "TABLE_DUMP2|1756684800|B|192.0.2.31|31|{p}|31 10 64999|IGP|192.0.2.31|0|0||NAG||\n"
    obs.write_text(
        OBSERVED + "".join(other.format(p=p) for p in ("198.51.100.0/24", "10.98.0.0/16", "10.0.0.0/8"))
    )
    doc = _json(str(base), "--topology", str(topo), "--withdraw", "s2", "--observed-paths", str(obs))
    assert doc["services"] == only["services"]
    paths = doc["calibration"]["paths"]
    assert (paths["records"], paths["skipped_other_prefixes"]) == (1, 3)
    assert only["calibration"]["paths"]["skipped_other_prefixes"] == 0


def test_observed_paths_directory_and_pattern(tmp_path: Path) -> None:
    """A day of collector files: a directory (its files, by name) or a quoted glob pattern."""
    base, topo = _world(tmp_path)
    day = tmp_path / "day"
    day.mkdir()
    (day / "updates.0000.txt").write_text(OBSERVED)
    (day / "updates.0005.mrt").write_bytes(
        rib_dump([Route("192.0.2.30", 30, "10.99.0.0/23", (30, 10, 64500))])
    )
    (day / ".hidden").write_text("not a route record\n")
    (day / "sub").mkdir()
    one = _json(str(base), "--topology", str(topo), "--observed-paths", str(day / "updates.0000.txt"))
    for given in (str(day), str(day / "updates.*")):
        doc = _json(str(base), "--topology", str(topo), "--observed-paths", given)
        assert doc["services"] == one["services"]  # the MRT file holds the same route
        assert doc["calibration"]["observed_paths"] == [
            str(day / "updates.0000.txt"),
            str(day / "updates.0005.mrt"),
        ]
        assert doc["calibration"]["paths"]["records"] == one["calibration"]["paths"]["records"] + 1
    code, _, err = _whatif(str(base), "--topology", str(topo), "--observed-paths", str(day / "rib.*"))
    assert code == 2 and f"{day / 'rib.*'}: no file matches" in err
    (day / "updates.0000.txt").unlink()
    (day / "updates.0005.mrt").unlink()
    code, _, err = _whatif(str(base), "--topology", str(topo), "--observed-paths", str(day))
    assert code == 2 and f"{day}: a directory without observation files" in err


def test_site_recognition_needs_a_site_map_when_ambiguous(tmp_path: Path) -> None:
    """Both sites behind AS10: a path through 10 cannot tell them apart without a site map."""
    global SITES  # noqa: PLW0603
    saved = SITES
    SITES = [Site("s1", (SiteLink(10, "provider"),)), Site("s2", (SiteLink(10, "provider"),))]
    try:
        base, topo = _world(tmp_path)
    finally:
        SITES = saved
    obs = tmp_path / "rib.txt"
    # 65000:42 is no community of the site configs (their own per-site tags would tell the sites
    # apart: test_site_tag_community_from_the_configs_tells_sites_apart)
    obs.write_text(OBSERVED.replace("||NAG||", "|65000:42|NAG||"))
    code, out, err = _whatif(str(base), "--topology", str(topo), "--observed-paths", str(obs), "-f", "json")
    assert code == 0 and "cannot be told apart: give a --site-map" in err
    assert json.loads(out)["services"][0]["calibration"]["unrecognised_paths"] == 1
    sm = tmp_path / "sites.txt"
    sm.write_text("community 65000:42 s2\n")
    doc = _json(str(base), "--topology", str(topo), "--observed-paths", str(obs), "--site-map", str(sm))
    assert _rows(doc)[30][0] == "s2"
    sm.write_text("community 65000:42 s9\n")
    code, _, err = _whatif(
        str(base), "--topology", str(topo), "--observed-paths", str(obs), "--site-map", str(sm)
    )
    assert code == 2 and f"{sm}:1: unknown site 's9'" in err


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"obs.txt": "TABLE_DUMP2|1|B|192.0.2.1|30|10.99.0.0/23|30 q 64500|IGP\n"}, "obs.txt:1: bad AS path"),
        ({"m.csv": "40,s2\n41,\n"}, "m.csv:2: empty site name"),
        ({"m.csv": "40,s7\n"}, "m.csv:1: unknown site 's7'"),
        ({"m.csv": "40,s2\n40,s2,1,192.0.2.0/24\n"}, "m.csv:2: 192.0.2.0/24 is no service's prefix"),
        ({"obs.txt": OBSERVED, "sm.txt": "neighbour 10 s1\n"}, "sm.txt:1: unknown kind 'neighbour'"),
        ({"sm.txt": "neighbor 10 s1\n"}, "--site-map tells the sites of observed paths"),
    ],
)
def test_bad_calibration_inputs_exit_2(tmp_path: Path, files: dict[str, str], message: str) -> None:
    base, topo = _world(tmp_path)
    args = [str(base), "--topology", str(topo)]
    flag = {"obs.txt": "--observed-paths", "m.csv": "--measured-catchment", "sm.txt": "--site-map"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        args += [flag[name], str(tmp_path / name)]
    code, _, err = _whatif(*args)
    assert code == 2 and message in err and "Traceback" not in err


def test_calibrated_failure_sweep(tmp_path: Path) -> None:
    """--failures with observations: each withdrawal is a calibrated comparison.

    Withdraw s2: as in test_measured_catchment_anchors_and_headline.  Withdraw s1: only s2's route
    remains; 1, 10, 30 and 50 move to s2 (30 through its preferred provider 10), 40 stays on s2.
    Moved weight: 10 and 30 observed, 50 inferred, 1 model alone."""
    base, topo = _world(tmp_path)
    (tmp_path / "o.txt").write_text(OBSERVED)
    (tmp_path / "m.csv").write_text("40,s2\n")
    args = [str(base), "--topology", str(topo), "--failures", "--observed-paths", str(tmp_path / "o.txt")]
    args += ["--measured-catchment", str(tmp_path / "m.csv")]
    code, out, err = _whatif(*args, "--format", "json", "--per-as")
    assert code == 0, err
    doc = json.loads(out)
    runs = {r["withdrawn"]: r for r in doc["services"][0]["failures"]}
    assert runs["s2"]["moved"]["ases"] == 3
    assert runs["s2"]["calibration"]["moved_weight_basis"] == {
        "observed": 33.333,
        "inferred": 0.0,
        "model": 66.667,
    }
    moved = {r["asn"]: r["basis"] for r in runs["s1"]["per_as"] if r["before"] != r["after"]}
    assert moved == {1: "model", 10: "observed", 30: "observed", 50: "inferred"}
    assert runs["s1"]["calibration"]["moved_weight_basis"] == {
        "observed": 50.0,
        "inferred": 25.0,
        "model": 25.0,
    }
    code, text, _ = _whatif(*args)
    assert code == 0
    assert "calibration, withdraw s1: 50% of the moved weight is backed by observations" in text


def _state(topo_text: str, tmp_path: Path, seeds: list[Seed]) -> tuple[Engine, RouteState, RouteState]:
    f = tmp_path / "t.txt"
    f.write_text(topo_text)
    topo = load_topology(str(f), use_cache=False)
    pfx = ipaddress.ip_network("10.99.0.0/23")
    eng = Engine(topo, pfx, seeds, Settings(), Overrides())
    warm = eng.warm(propagate(topo, pfx, seeds, Settings()))
    n = topo.size
    empty = RouteState(
        np.full(n, -1, np.int64), np.zeros(n, np.int64), np.full(n, 3, np.int64),
        np.full(n, np.iinfo(np.int64).max, np.int64), np.full(n, -1, np.int64), np.full(n, -1, np.int64),
        np.zeros(n, np.bool_), np.zeros(n, np.bool_), np.zeros(n, np.uint64),
    )  # fmt: skip
    return eng, warm, empty


@pytest.mark.parametrize("seed", range(12))
def test_engine_without_overrides_is_the_plain_model(tmp_path: Path, seed: int) -> None:
    """From nothing, the override engine converges to the Gao-Rexford result, ties included, and the
    Gao-Rexford result is its fixed point (so calibration starts from it)."""
    rng = random.Random(seed)
    text, stubs = random_hierarchy(rng, 40)
    a, b, c = rng.sample(stubs, 3)
    seeds = [
        Seed(0, a, "customer", (64500,)), Seed(1, b, "customer", (64500, 64500)),
        Seed(2, c, "peer", (64500,)), Seed(0, 100, "customer", (64500, 101), no_export=seed % 2 == 0),
    ]  # fmt: skip
    eng, warm, empty = _state(text, tmp_path, seeds)
    cold = eng.run(empty, np.arange(eng.n), pins=False, prefs=False)
    again = eng.run(warm, np.arange(eng.n), pins=False, prefs=False)
    for name in ("site", "mask", "cls", "length", "hop"):
        assert np.array_equal(getattr(cold, name), getattr(warm, name)), name
        assert np.array_equal(getattr(again, name), getattr(warm, name)), name


def test_overridden_runs_end_at_a_fixed_point(tmp_path: Path) -> None:
    """With random learned preferences and pins, the incremental run (which recomputes only the ASes a
    change can affect) ends where recomputing every AS changes nothing."""
    changed = 0
    for seed in range(12):
        rng = random.Random(100 + seed)
        text, stubs = random_hierarchy(rng, 40)
        a, b = rng.sample(stubs, 2)
        seeds = [Seed(0, a, "customer", (64500,)), Seed(1, b, "customer", (64500,))]
        eng, warm, _ = _state(text, tmp_path, seeds)
        topo = eng.topo
        prefer, pins = set(), {}
        for i in rng.sample(range(topo.size), topo.size // 5):
            up = [int(v) for v in (*topo.providers.row(i), *topo.peers.row(i))]
            if up:
                prefer.add((i, rng.choice(up)))
        for i in rng.sample(range(topo.size), 4):
            if int(warm.site[i]) >= 0:
                pins[i] = (int(warm.hop[i]), int(warm.site[i]))
        ov = Overrides(pins=pins, prefer=frozenset(prefer))
        eng = Engine(topo, eng.prefix, seeds, Settings(), ov)
        out = eng.run(warm, ov.touched(), pins=True, prefs=True)
        assert not out.notes
        again = eng.run(out, np.arange(eng.n), pins=True, prefs=True)
        for name in ("site", "mask", "cls", "length", "hop", "ph"):
            assert np.array_equal(getattr(out, name), getattr(again, name)), (seed, name)
        changed += int((out.site != warm.site).sum() + (out.hop != warm.hop).sum())
    assert changed > 0  # the preferences did change routes: the check is not vacuous


def test_marker_asn_tells_sites_behind_one_neighbor_apart(tmp_path: Path) -> None:
    """Both sites behind AS10; s2 prepends the marker ASN 65002.  A path ending ``10 64500 65002`` is
    s2's (the announcement's exact tail), one ending ``10 64500`` is s1's: no site map needed."""
    global SITES  # noqa: PLW0603
    saved = SITES
    SITES = [Site("s1", (SiteLink(10, "provider"),)), Site("s2", (SiteLink(10, "provider"),))]
    try:
        d = _configs(
            tmp_path / "base",
            {"s1": SiteConfig(), "s2": SiteConfig(sets={10: ("set as-path prepend 65002",)})},
        )
    finally:
        SITES = saved
    topo = tmp_path / "topology.txt"
    topo.write_text(TOPOLOGY)
    obs = tmp_path / "o.txt"
    obs.write_text(OBSERVED.replace("30 10 64500", "30 10 64500 65002"))
    doc = _json(str(d), "--topology", str(topo), "--observed-paths", str(obs))
    assert doc["services"][0]["calibration"]["unrecognised_paths"] == 0
    rows = _rows(doc)
    assert rows[30][0] == "s2" and rows[30][2] == "observed"
    obs.write_text(OBSERVED)
    rows = _rows(_json(str(d), "--topology", str(topo), "--observed-paths", str(obs)))
    assert rows[30][0] == "s1" and rows[30][2] == "observed"


def test_site_tag_community_from_the_configs_tells_sites_apart(tmp_path: Path) -> None:
    """Both sites behind AS10 with the same tail; each export tags the route with its own community.
    A collector that sees the tag knows the site without a site map; a path without it stays
    ambiguous, and a community both sites set tells nothing."""
    global SITES  # noqa: PLW0603
    saved = SITES
    SITES = [Site("s1", (SiteLink(10, "provider"),)), Site("s2", (SiteLink(10, "provider"),))]
    tag = {
        "s1": SiteConfig(sets={10: ("set community 64500:101 64500:7 additive",)}),
        "s2": SiteConfig(sets={10: ("set community 64500:102 64500:7 additive",)}),
    }
    try:
        d = _configs(tmp_path / "base", tag)
    finally:
        SITES = saved
    topo = tmp_path / "topology.txt"
    topo.write_text(TOPOLOGY)
    obs = tmp_path / "o.txt"
    for comms, site in (("64500:7 64500:102", "s2"), ("64500:101", "s1")):
        obs.write_text(OBSERVED.replace("||NAG||", f"|{comms}|NAG||"))
        doc = _json(str(d), "--topology", str(topo), "--observed-paths", str(obs))
        assert doc["services"][0]["calibration"]["unrecognised_paths"] == 0
        assert _rows(doc)[30][0] == site and _rows(doc)[30][2] == "observed"
    for comms in ("64500:7", ""):  # shared by both sites, or stripped on the way: no tag
        obs.write_text(OBSERVED.replace("||NAG||", f"|{comms}|NAG||"))
        doc = _json(str(d), "--topology", str(topo), "--observed-paths", str(obs))
        assert doc["services"][0]["calibration"]["unrecognised_paths"] == 1


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("whatif_calibrated_full.txt", ["--per-as"]),
        ("whatif_calibrated.json", ["--format", "json", "--per-as"]),
    ],
)
def test_golden_calibrated_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, extra: list[str]
) -> None:
    """The calibrated report and JSON, byte for byte (POLICYLINT_UPDATE_GOLDEN=1 updates them)."""
    import os

    _world(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    Path("obs.txt").write_text(OBSERVED)
    Path("catchment.csv").write_text("asn,site\n40,s2\n")
    args = ["base", "--topology", "topology.txt", "--withdraw", "s2", "--observed-paths", "obs.txt"]
    code, out, _ = _whatif(*args, "--measured-catchment", "catchment.csv", *extra)
    assert code == 0
    out = out.replace(__import__("policylint").__version__, "VERSION")
    path = Path(__file__).resolve().parent / "golden" / name
    if os.environ.get("POLICYLINT_UPDATE_GOLDEN") == "1":
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8"), f"{name} differs (POLICYLINT_UPDATE_GOLDEN=1 updates it)"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_adjacency_lists_every_neighbor_with_its_route_class(tmp_path: Path, seed: int) -> None:
    """The override engine's adjacency: row i holds i's neighbors ascending, each with the class of
    the route i learns from it (customer, peer, provider), and the keys find exactly the links."""
    from policylint.whatif.adjacency import adjacency, linked
    from policylint.whatif.propagate import CUSTOMER, PEER, PROVIDER

    text, _ = random_hierarchy(random.Random(seed), 60)
    f = tmp_path / "t.txt"
    f.write_text(text + "150|151|0|bgp\n")  # a peering of two ASes with no other link
    topo = load_topology(str(f), use_cache=False)
    adj = adjacency(topo)
    for i in range(topo.size):
        want = sorted(
            [(int(j), CUSTOMER) for j in topo.customers.row(i)]
            + [(int(j), PEER) for j in topo.peers.row(i)]
            + [(int(j), PROVIDER) for j in topo.providers.row(i)]
        )
        lo, hi = adj.ptr[i], adj.ptr[i + 1]
        assert list(zip(adj.src[lo:hi].tolist(), adj.cls[lo:hi].tolist(), strict=True)) == want
    a, b = np.meshgrid(np.arange(topo.size), np.arange(topo.size))
    got = linked(topo, a.ravel(), b.ravel())
    truth = [
        topo.relationship(int(topo.asns[x]), int(topo.asns[y])) is not None
        for x, y in zip(a.ravel(), b.ravel(), strict=True)
    ]
    assert got.tolist() == truth
