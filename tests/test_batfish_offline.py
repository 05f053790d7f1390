"""The Batfish engine without a Batfish service: snapshot layout, answer parsing on recorded
answers (tests/fixtures/batfish/README.md says where each shape comes from), the backend against
the embedded engine, and clean errors."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import pytest

pytest.importorskip("pybatfish")

from batfish_recorded import NETWORK, RecordedService, frame_rows

from policylint.batfish import answers
from policylint.batfish.backend import BatfishBackend, peer_export_policy
from policylint.batfish.errors import BatfishError
from policylint.batfish.snapshot import FRR_INTERFACES_SENTINEL, build
from policylint.batfish.snapshots import Snapshots
from policylint.loader import load_paths
from policylint.model import Network
from policylint.options import Options
from policylint.whatif.backend import EmbeddedBackend
from policylint.whatif.scenario import Inputs, compare
from policylint.whatif.sites import Announcement, Change, find_services
from policylint.whatif.topology import load_topology

P = ipaddress.ip_network("192.0.2.0/24")


def _network(path: Path = NETWORK) -> Network:
    return Network(tuple(d for r in load_paths([str(path)], Options()) for d in r.devices))


def _key(a: Announcement) -> tuple[object, ...]:
    return (a.site, a.prefix, a.neighbor, a.neighbor_asn, a.learned_as, a.permitted, a.path, a.no_export)


# --------------------------------------------------------------------------- snapshot layout


def test_snapshot_layout_is_configs_only(tmp_path: Path) -> None:
    snap = build(_network(), str(tmp_path))
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["configs/edge1.cfg", "configs/edge2.cfg"]
    assert [p.name for p in tmp_path.iterdir()] == ["configs"]  # no hosts/, iptables/, batfish/
    assert {f.name: f.vendor for f in snap.files} == {"configs/edge1.cfg": "frr", "configs/edge2.cfg": "ios"}


def test_frr_file_is_cumulus_concatenated(tmp_path: Path) -> None:
    snap = build(_network(), str(tmp_path))
    lines = (tmp_path / "configs/edge1.cfg").read_text().splitlines()
    assert lines[0] == "edge1"  # hostname first
    assert lines[1] == FRR_INTERFACES_SENTINEL  # the interfaces-file sentinel Batfish detects
    assert lines[3] == "frr version"  # start of the frr.conf part
    original = (NETWORK / "edge1.conf").read_text().splitlines()
    f = snap.file_for("configs/edge1.cfg")
    assert f is not None
    assert lines[f.line_offset :] == original  # the config itself, unchanged, after the header
    assert (tmp_path / "configs/edge2.cfg").read_text() == (NETWORK / "edge2.cfg").read_text()


def test_exabgp_devices_are_left_to_the_embedded_engine(tmp_path: Path) -> None:
    samples = Path(__file__).parent.parent / "samples" / "fra"
    snap = build(_network(samples), str(tmp_path))
    assert [f.vendor for f in snap.files] == ["ios"]
    assert snap.skipped and all("Batfish does not model exabgp" in why for _, why in snap.skipped)


def test_nothing_batfish_can_model_is_an_error(tmp_path: Path) -> None:
    conf = tmp_path / "in" / "exabgp.conf"
    conf.parent.mkdir()
    conf.write_text(
        "neighbor 198.51.100.1 {\n local-as 64500;\n peer-as 64496;\n"
        " static {\n  route 192.0.2.0/24 next-hop self;\n }\n}\n"
    )
    with pytest.raises(BatfishError, match="no configuration Batfish can model"):
        build(_network(conf.parent), str(tmp_path / "out"))


# --------------------------------------------------------------------------- answer parsing


def test_test_route_policies_answer() -> None:
    res = answers.policy_results(frame_rows("test_route_policies.json"))
    by = {(r.node, r.policy): r for r in res}
    e1 = by["edge1", peer_export_policy("198.51.100.1")]
    assert (e1.permitted, e1.network, e1.as_path, e1.communities) == (True, P, (64500,), frozenset())
    deny = answers.policy_results(frame_rows("test_route_policies_deny.json"))
    e2 = next(r for r in deny if r.node == "edge2")
    assert (e2.permitted, e2.as_path) == (False, None)


def test_notebook_rows_parse_and_as_sets_are_not_flattened() -> None:
    res = answers.policy_results(frame_rows("test_route_policies_notebook.json"))
    assert [(r.node, r.policy, r.permitted) for r in res] == [
        ("as1border1", "as1_to_as2", False),
        ("as1border2", "as1_to_as4", True),
    ]
    assert res[1].as_path is None  # {64512,64513} is an AS set: no plain path to hand on
    assert res[1].communities == frozenset({"1:4", "64512:42", "64513:21"})
    assert res[1].network == ipaddress.ip_network("10.0.0.0/24")


def test_no_export_community_is_read_by_value() -> None:
    res = answers.policy_results(frame_rows("test_route_policies_no_export.json"))
    e1 = next(r for r in res if r.node == "edge1")
    assert "no-export" in e1.communities


def test_bgp_rib_answer() -> None:
    rib = answers.rib_routes(frame_rows("bgp_rib_ibgp.json"))
    assert [(r.node, r.network, r.protocol, r.as_path, r.best) for r in rib] == [
        ("edge1", P, "bgp", (), True),
        ("edge2", P, "ibgp", (), True),
    ]
    assert rib[1].communities == frozenset({"64500:7"})
    assert answers.as_path("2 1") == (2, 1)
    assert answers.as_path("{1,2} 3") is None


def test_parse_status_and_warnings() -> None:
    statuses = answers.file_statuses(frame_rows("file_parse_status_failed.json"))
    assert [(s.name, s.status) for s in answers.failed_files(statuses)] == [("configs/edge1.cfg", "FAILED")]
    warns = answers.parse_warnings(frame_rows("parse_warning.json"))
    assert (warns[0].filename, warns[0].line, warns[0].text) == ("configs/edge1.cfg", 9, "router bgp 64500")


def test_an_answer_of_another_shape_is_an_error() -> None:
    rows = [{"Node": "edge1", "Policy_Name": "p", "Action": "PERMIT"}]  # no Input_Route / Output_Route
    with pytest.raises(answers.AnswerError, match="no 'Input_Route' column"):
        answers.policy_results(rows)
    with pytest.raises(answers.AnswerError, match="expected PERMIT or DENY"):
        answers.policy_results([{**rows[0], "Action": "MAYBE", "Input_Route": None, "Output_Route": None}])


# --------------------------------------------------------------------------- backend


def _announcements(service: RecordedService, change: Change | None = None) -> list[Announcement]:
    change = change or Change()
    net = _network()
    topo = load_topology(str(NETWORK / "topology.txt"))
    svc = find_services([net])[0]
    backend = BatfishBackend(service)
    try:
        return backend.announcements(net, svc, topo, change)
    finally:
        backend.close()


def test_backend_agrees_with_the_embedded_engine_on_the_recorded_answers() -> None:
    net = _network()
    topo = load_topology(str(NETWORK / "topology.txt"))
    svc = find_services([net])[0]
    service = RecordedService()
    ours = sorted(map(_key, EmbeddedBackend().announcements(net, svc, topo, Change())))
    theirs = _announcements(service)
    assert sorted(map(_key, theirs)) == ours
    assert all(a.reason.startswith("Batfish") and not a.notes for a in theirs)
    # the questions asked: one bgpRib and one testRoutePolicies per site, on the uploaded snapshot
    asked = [(q, args[1]) for q, args in service.calls if q in ("bgpRib", "testRoutePolicies")]
    assert sorted(asked) == [("bgpRib", "edge1"), ("bgpRib", "edge2"), ("testRoutePolicies", "edge1"),
                             ("testRoutePolicies", "edge2")]  # fmt: skip
    assert service.uploaded == [["configs/edge1.cfg", "configs/edge2.cfg"]]
    assert service.deleted == ["snap1"]  # close() cleans up


def test_whole_compare_is_the_same_with_either_backend() -> None:
    net = _network()
    topo = load_topology(str(NETWORK / "topology.txt"))
    change = Change(withdraw=frozenset({"edge1"}))
    emb = compare(Inputs(topo), net, net, change)
    bf = compare(Inputs(topo, backend=BatfishBackend(RecordedService())), net, net, change)
    for a, b in zip(emb, bf, strict=True):
        assert a.before.site.tolist() == b.before.site.tolist()
        assert a.after.site.tolist() == b.after.site.tolist()
        assert a.moved() == b.moved()


def test_disagreement_uses_batfish_and_says_so() -> None:
    anns = _announcements(RecordedService({"testRoutePolicies": "test_route_policies_deny.json"}))
    e2 = next(a for a in anns if a.site == "edge2")
    assert not e2.permitted and e2.reason == "Batfish: the export policy denies it"
    assert any("Batfish sends nothing, policylint's evaluator sends path 64500" in n for n in e2.notes)


def test_no_export_from_batfish_counts_only_where_the_session_sends_communities() -> None:
    """Batfish sets NO_EXPORT on both exports; edge2 is IOS without send-community, so its
    neighbor never sees it (policylint.wire, as in the embedded step)."""
    anns = _announcements(RecordedService({"testRoutePolicies": "test_route_policies_no_export.json"}))
    assert {a.site: a.no_export for a in anns} == {"edge1": True, "edge2": False}


def test_route_missing_from_the_rib_is_not_announced() -> None:
    anns = _announcements(RecordedService({"bgpRib": "bgp_rib_edge2_missing.json"}))
    e2 = next(a for a in anns if a.site == "edge2")
    assert not e2.permitted and "no best BGP route for 192.0.2.0/24" in e2.reason


def test_ibgp_attributes_from_the_rib_go_into_the_policy_test() -> None:
    service = RecordedService({"bgpRib": "bgp_rib_ibgp.json"})
    _announcements(service)
    tested = {args[1]: args[3] for q, args in service.calls if q == "testRoutePolicies"}
    assert tested["edge2"][0].communities == ("64500:7",)
    assert tested["edge1"][0].communities == ()


def test_withdrawal_forks_the_snapshot_without_the_site() -> None:
    service = RecordedService()
    anns = _announcements(service, Change(withdraw=frozenset({"edge1"})))
    assert ("fork_snapshot", ("snap1", ("edge1",))) in service.calls
    assert {a.site for a in anns} == {"edge2"}
    assert all(args[0] == "snap1-fork" for q, args in service.calls if q == "bgpRib")


def test_failed_session_drops_the_announcement() -> None:
    anns = _announcements(RecordedService(), Change(fail_sessions=frozenset({("edge2", "64497")})))
    assert {a.site for a in anns} == {"edge1"}


def test_parse_failure_is_an_error_with_batfish_warnings_for_the_failing_file(tmp_path: Path) -> None:
    service = RecordedService({"fileParseStatus": "file_parse_status_failed.json"})
    with pytest.raises(BatfishError) as info:
        Snapshots(service).of(_network())
    exc = info.value
    assert exc.message == "Batfish could not parse 1 file(s) of the snapshot"
    src = str(NETWORK / "edge1.conf")
    assert exc.details[0] == f"{src}: FAILED (format CUMULUS_CONCATENATED)"
    # Batfish's line 9 of the concatenated file is line 5 of the FRR config
    assert exc.details[1] == f"  {src}:5: 'router bgp 64500': This syntax is unrecognized"
    assert not any("edge2" in d for d in exc.details)  # only the failing file's warnings
    assert os.path.exists(src)


# --------------------------------------------------------------------------- lint cross-check (PS007)


def _cross(answer: str) -> list[tuple[str, int, str, str]]:
    from policylint.batfish.crosscheck import cross_check

    found = cross_check(RecordedService({"searchRoutePolicies": answer}), _network().devices, Options())
    return [(r.device or "", r.line, r.rule, r.message) for r in found]


def test_cross_check_agrees_when_batfish_finds_what_we_find() -> None:
    assert _cross("search_route_policies_agree.json") == []


def test_cross_check_reports_each_direction_of_disagreement() -> None:
    found = _cross("search_route_policies.json")
    where = [(dev, line, rule) for dev, line, rule, _ in found]
    assert where == [("edge1", 7, "PS007"), ("edge2", 7, "PS007")]
    e1, e2 = found[0][3], found[1][3]
    assert "Batfish finds that ~BGP_PEER_EXPORT_POLICY:default:198.51.100.1~ lets 192.0.2.128/25 out" in e1
    assert "policylint's evaluator says cannot pass" in e1
    assert "can pass routes learned from other ASes (192.0.2.0/24)" in e2
    assert "finds no route of those prefixes" in e2


def test_cross_check_when_batfish_permits_nothing() -> None:
    found = _cross("search_route_policies_empty.json")
    assert [(dev, line) for dev, line, _, _ in found] == [("edge1", 7), ("edge2", 7)]
    assert all("finds no route of those prefixes" in msg and "longer than" not in msg for *_, msg in found)


def test_cross_check_asks_one_length_question_per_device() -> None:
    from policylint.batfish.crosscheck import cross_check

    service = RecordedService({"searchRoutePolicies": "search_route_policies_agree.json"})
    cross_check(service, _network().devices, Options())
    asked = [args for q, args in service.calls if q == "searchRoutePolicies"]
    assert [(node, ranges) for _, node, _, ranges in asked] == [
        ("edge1", ("0.0.0.0/0:25-32",)),
        ("edge1", ("192.0.2.0/24:24-24",)),
        ("edge2", ("0.0.0.0/0:25-32",)),
        ("edge2", ("192.0.2.0/24:24-24",)),
    ]
    assert service.deleted == ["snap1"]


def test_lint_with_cross_check_adds_ps007_to_the_ordinary_findings() -> None:
    from policylint.batfish.crosscheck import with_cross_check
    from policylint.checks.registry import CHECKS
    from policylint.engine import lint_paths

    service = RecordedService({"searchRoutePolicies": "search_route_policies.json"})
    lint = with_cross_check(lambda paths, opts, prog, checks: lint_paths(paths, opts, prog, checks, jobs=1),
                            service)  # fmt: skip
    result = lint([str(NETWORK)], Options(), None, CHECKS)
    ps007 = [(Path(r.file).name, r.line) for r in result.findings if r.rule == "PS007"]
    assert ps007 == [("edge1.conf", 7), ("edge2.cfg", 7)]
    assert [r.sort_key for r in result.findings] == sorted(r.sort_key for r in result.findings)
    assert any(r.rule != "PS007" for r in result.findings)  # the ordinary findings are still there


def test_json_report_names_the_engine() -> None:
    """Readers of the what-if JSON can tell which backend produced the announcements."""
    import io
    import json

    from policylint.whatif.command import WhatifArgs, run

    args = WhatifArgs(str(NETWORK), withdraw=("edge1",), topology=str(NETWORK / "topology.txt"), fmt="json")
    engines = {}
    for backend in (None, BatfishBackend(RecordedService())):
        out = io.StringIO()
        run(args, out, backend=backend)
        doc = json.loads(out.getvalue())
        engines[doc["engine"]] = [s["moved"] for s in doc["services"]]
    assert set(engines) == {"embedded", "batfish"}
    assert engines["embedded"] == engines["batfish"]
